// The package's functions. Each reads the caller's values (read.js), lets the wasm core apply
// every rule and build the body or read the answer (updox_direct_core.js: the wasm-bindgen
// glue of src/wasm/boundary.rs), and turns the core's plain lists into what callers see:
// issues and errors with sentences in the caller's locale (text.js), results. The browser
// work — files, the network, the clock, random bytes — is done here and in transport.js.
import {
  coreAnswer,
  coreCheckFile,
  coreCodes,
  coreEncode,
  coreExchangeTimeout,
  coreMemory,
  coreFailure,
  corePrepare,
  coreSender,
} from './updox_direct_core.js';
import { readFile, readLimits, readMessage, readOptions } from './read.js';
import { EN, localeReady, sentence } from './text.js';
import { ABORTED, exchange, reportProgress, UNREADABLE } from './transport.js';
import { UpdoxError } from './updox_error.js';

export { UpdoxError } from './updox_error.js';
export { loadLocale } from './text.js';

/** Bytes read and encoded at a time: 3 MiB, a multiple of 3, so slices concatenate. */
const SLICE = 3 * 1024 * 1024;
/** Bodies shorter than this without File/Blob attachments are sent as a string. */
const SMALL_BODY = 32 * 1024;
/** Every rule id, in the order the core numbers them (the English table's order). */
const RULES = Object.keys(EN);

function today() {
  const d = new Date();
  return [d.getFullYear(), d.getMonth() + 1, d.getDate()];
}

/** Issues from the core's list (five values each: field or none, code, rule number, numbers). */
function issues(list, from, options) {
  const out = [];
  for (let i = from; i < list.length; i += 5) {
    const [at, code, n, limit, size] = list.slice(i, i + 5);
    const rule = RULES[n];
    // Without a field of its own, an issue is at its rule's field: the id without its last
    // part (`message` is the message itself).
    const field = at ?? rule.slice(0, rule.lastIndexOf('.')).replace(/^message$/, '');
    out.push({ field, code, rule, message: sentence(rule, { limit, size }, options) });
  }
  return out;
}

/**
 * The UpdoxError for the core's failure list (see src/wasm/js_out.rs). `key`: the request's
 * Idempotency-Key, once it was built; `said`: the rule whose sentence is the message, when
 * not the error's own.
 */
function failure(list, options, key = null, said) {
  const [, kind, n, seconds, responseCode, responseMessage, reason, status, retryable, delivery, own] = list;
  const found = issues(list, 11, options);
  const rule = RULES[n];
  const valid = kind === 'validation';
  const message = valid && found.length === 1 ? found[0].message : sentence((!valid && said) || RULES[own], { seconds }, options);
  return new UpdoxError(message, {
    kind,
    rule,
    responseCode,
    responseMessage,
    reason,
    status,
    issues: found,
    retryable,
    delivery,
    idempotencyKey: valid ? null : key,
  });
}

/** The core's answer when it is "ok", else throws its UpdoxError. */
function ok(list, options, key) {
  if (list[0] !== 'ok') throw failure(list, options, key);
  return list;
}

/**
 * Checks a message without sending it: `[]` when it can be sent. Never throws. The core
 * checks it as a send whose options are the limits alone: their issues come after the
 * message's and the limits', and are exactly one, the missing proxy URL, which is dropped.
 */
export function validatePatientDirectMessage(message, limits, options) {
  const o = [true, undefined, undefined, undefined, ...readLimits(limits)];
  return issues(corePrepare(readMessage(message).slots, o, [], undefined, ...today()), 11, options).slice(0, -1);
}

/**
 * True when `address` is a syntactically valid Direct address: the core finds no problem
 * with it as the address of a lookup (whose first issue would be the address's, code 4640;
 * the options, left out, only add one of their own).
 */
export function isValidDirectAddress(address) {
  return typeof address === 'string' && corePrepare(['lookup', address], [false], [])[12] !== 4640;
}

/** `"patient:{patientId}"`, for a valid patient ID; throws a validation UpdoxError. */
export function patientSender(patientId, options) {
  return ok(coreSender(patientId), options)[1];
}

/** The known Updox response codes with their category and retry rule. */
export function updoxResponseCodes() {
  const list = coreCodes();
  const out = [];
  for (let i = 0; i < list.length; i += 4) {
    const [code, category, meaning, retryable] = list.slice(i, i + 4);
    out.push({ code, category, meaning, retryable });
  }
  return out;
}

/** The limits used when a caller gives none: `Limits::default()` of src/check/limits.rs (tests/rules.rs checks). */
export function defaultLimits() {
  return { maxSubjectChars: 255, maxTextMessageBytes: 1e6, maxAttachments: 20, maxAttachmentBytes: 10 * 2 ** 20, maxTotalAttachmentBytes: 20 * 2 ** 20 };
}

let memory;
/** The base64 of `bytes`, as a view into wasm memory valid until the next core call. */
function encoded(bytes) {
  const at = coreEncode(bytes);
  return new Uint8Array((memory ||= coreMemory()).buffer, at, Math.ceil(bytes.length / 3) * 4);
}

/** `promise`, or a rejection once `ms` have passed or `signal` aborts: no read hangs a call. */
function within(promise, ms, signal) {
  let end;
  const late = new Promise((_, reject) => {
    const timer = setTimeout(reject, ms);
    signal?.addEventListener('abort', reject);
    end = () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', reject);
    };
  });
  const settled = Promise.race([promise, late]).finally(end);
  settled.catch(() => {}); // a read given up on may still fail: nobody waits for it
  return settled;
}

/**
 * Reads `blob` (`size` bytes, as read when the call began) in slices, the next slice read
 * while one is encoded, each within `ms`, and hands each encoded slice (a view into wasm
 * memory, valid until the next core call) to `sink`; `between(bytesDone)` runs after each
 * slice and returns false to stop. Resolves true when done, else false: stopped, or the
 * file could not be read as it was — a read failed, never settled, or came back with
 * another length (a file moved, deleted or changed since it was picked). A file of one
 * slice is read whole, so that one that grew is noticed too.
 */
async function encodeBlob(blob, size, sink, between, ms, signal) {
  const read = (start) => within((size > SLICE ? blob.slice(start, Math.min(start + SLICE, size)) : blob).arrayBuffer(), ms, signal);
  try {
    let pending = read(0);
    for (let offset = 0; pending; ) {
      const end = Math.min(offset + SLICE, size);
      // Awaiting the read yields to the event loop between slices.
      const buffer = await pending;
      // Each read is a round trip to the browser's file machinery: start the next now.
      pending = end < size && read(end);
      if (!(buffer instanceof ArrayBuffer) || buffer.byteLength !== end - offset) return false;
      sink(encoded(new Uint8Array(buffer)));
      offset = end;
      if (between && !between(offset)) return false;
    }
    return true;
  } catch {
    return false;
  }
}

/**
 * Reads each File/Blob of size 0 (`empty`: [slot of its size, blob]) within `ms`: one whose
 * read fails is a file that is gone (Chromium reports the size of a deleted file as 0), so
 * its size slot becomes unreadable; one that reads is empty.
 */
async function gone(slots, empty, ms, signal) {
  for (const [at, blob] of empty) {
    try {
      await within(blob.arrayBuffer(), ms > 0 ? ms : 3e4, signal);
    } catch {
      slots[at] = false;
    }
  }
}

/** Base64-encodes a File or Blob into an Updox attachment object. */
export async function encodeAttachment(file, options) {
  await localeReady(options);
  const { slots, blob } = readFile(file, options);
  if (slots[2] === 0) await gone(slots, [[2, blob]], slots[6]);
  const [, fileName, mimeType, size, timeoutMs] = ok(coreCheckFile(slots), options);
  const decoder = new TextDecoder();
  let content = '';
  if (!(await encodeBlob(blob, size, (view) => (content += decoder.decode(view)), null, timeoutMs))) {
    throw failure(coreFailure(UNREADABLE), options);
  }
  return { content, mimeType, fileName };
}

/** `proxyUrl` as the core checks it: [href, scheme, host, same origin], or [] when it is not a URL. */
function resolved(proxyUrl) {
  try {
    const here = globalThis.location;
    const u = new URL(proxyUrl, here?.href);
    return [u.href, u.protocol, u.hostname, here?.origin === u.origin];
  } catch {
    return []; // Not a URL (or none): the core says so.
  }
}

/**
 * The core's plan for a request (a message's slots, or "lookup" and an address) under the
 * options read (`o`): the plan, its extra headers ([name, value] pairs), and where its
 * body's parts start. Throws the UpdoxError when it is refused.
 */
function prepare(request, o, options) {
  let random;
  try {
    random = crypto.getRandomValues(new Uint8Array(16));
  } catch {
    // No secure random source: the core refuses to send without the caller's key.
  }
  const plan = ok(corePrepare(request, o.slots, resolved(o.proxyUrl), random, ...today()), options);
  const headers = [];
  let at = 8;
  for (let i = 0; i < plan[7]; i++, at += 2) headers.push(plan.slice(at, at + 2));
  return [plan, headers, at];
}

/** Validates, encodes and sends a message through the portal's proxy. */
export async function sendPatientDirectMessage(message, options) {
  await localeReady(options);
  const m = readMessage(message);
  const o = readOptions(options);
  const { signal, onProgress } = o;
  await gone(m.slots, m.empty, o.slots[2], signal);
  const [plan, headers, at] = prepare(m.slots, o, options);
  const [, target, timeoutMs, credentials, key, sender, total] = plan;
  const fail = (list) => failure(list, options, key);
  const stop = (failed, status) => fail(coreFailure(failed, status, timeoutMs));
  const aborted = () => signal?.aborted;
  if (aborted()) throw stop(ABORTED);

  // The body's parts: JSON text, or an attachment's size and place, whose content is the
  // caller's base64 (text) or a File/Blob to encode.
  const pieces = [];
  let short = 0;
  for (let i = at; i < plan.length; i++) {
    let piece = plan[i];
    if (typeof piece === 'number') piece = [piece, plan[++i], m.parts[plan[i]]];
    pieces.push(piece);
    short += typeof piece === 'string' ? piece.length : typeof piece[2] === 'string' ? piece[2].length : SMALL_BODY;
  }
  let body = short < SMALL_BODY && pieces.map((p) => (typeof p === 'string' ? p : p[2])).join('');
  let length = body ? new TextEncoder().encode(body).length : SMALL_BODY;
  if (length < SMALL_BODY) {
    // A small body without files goes as a string: a Blob body costs the browser a round
    // trip to its blob registry, which dominates small sends.
    reportProgress(onProgress, 'encoding', total, total);
  } else {
    const out = [];
    let done = 0;
    reportProgress(onProgress, 'encoding', 0, total);
    for (const piece of pieces) {
      if (typeof piece === 'string') {
        out.push(piece);
        if (aborted()) throw stop(ABORTED);
        continue;
      }
      const [size, index, content] = piece;
      if (typeof content === 'string') out.push(content);
      else {
        const start = done;
        const read = await encodeBlob(
          content,
          size,
          (view) => out.push(new Blob([view])),
          (bytes) => {
            reportProgress(onProgress, 'encoding', start + bytes, total);
            return !aborted();
          },
          timeoutMs,
          signal,
        );
        if (aborted()) throw stop(ABORTED);
        if (!read) throw fail(coreFailure(UNREADABLE, index));
      }
      done += size;
      reportProgress(onProgress, 'encoding', done, total);
    }
    body = new Blob(out, { type: 'application/json' });
    length = body.size;
  }
  // The caller's timeout is for the answer: the time the body takes to leave is added.
  const waitMs = coreExchangeTimeout(timeoutMs, length);
  const answer = await exchange(target, body, length, headers, credentials, waitMs, signal, onProgress, key);
  if (answer.failure !== undefined) throw fail(coreFailure(answer.failure, answer.status, waitMs));
  const [, responseCode, responseMessage, id, numeric, ...rest] = ok(coreAnswer(answer.status, answer.text, sender, o.resend), options, key);
  reportProgress(onProgress, 'done', length, length);
  const [recipient, name, directAddress, patientDirectAddress, reason] = rest.map((v) => v ?? null);
  return {
    responseCode,
    responseMessage,
    messageId: id === undefined ? null : numeric ? parseFloat(id) : id,
    recipient,
    name,
    directAddress,
    patientDirectAddress,
    reason,
    sender: rest[5],
    idempotencyKey: key,
  };
}

/**
 * Asks the portal's proxy whether Updox finds a trusted certificate for a Direct address
 * (DirectAddressValidate): {address (as looked up), trusted}. The address is checked like
 * `to` first; a failure's message says the address could not be checked.
 */
export async function checkDirectRecipient(address, options) {
  await localeReady(options);
  const o = readOptions(options, true);
  const [plan, headers, at] = prepare(['lookup', address], o, options);
  const [, target, timeoutMs, credentials, , looked] = plan;
  const answer = await exchange(target, plan[at], 0, headers, credentials, timeoutMs, o.signal);
  const list = answer.failure === undefined ? coreAnswer(answer.status, answer.text, '', false) : coreFailure(answer.failure, answer.status, timeoutMs);
  if (list[0] !== 'ok') throw failure(list, options, null, 'recipient.unchecked');
  return { address: looked, trusted: list[11] };
}
