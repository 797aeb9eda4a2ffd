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
  coreMemory,
  coreFailure,
  coreIsValidAddress,
  corePrepare,
  coreSender,
  coreUnreadable,
  coreValidate,
} from './updox_direct_core.js';
import { readFile, readLimits, readMessage, readOptions } from './read.js';
import { EN, localeReady, sentence } from './text.js';
import { ABORTED, exchange, reportProgress } from './transport.js';
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

/** The UpdoxError for the core's failure list (see src/wasm/js_out.rs). */
function failure(list, options) {
  const [, kind, n, seconds, responseCode, responseMessage, reason, status, retryable] = list;
  const found = issues(list, 9, options);
  const rule = RULES[n];
  const message = kind === 'validation' && found.length === 1 ? found[0].message : sentence(rule, { seconds }, options);
  return new UpdoxError(message, { kind, rule, responseCode, responseMessage, reason, status, issues: found, retryable });
}

/** The core's answer when it is "ok", else throws its UpdoxError. */
function ok(list, options) {
  if (list[0] !== 'ok') throw failure(list, options);
  return list;
}

/** Checks a message without sending it: `[]` when it can be sent. Never throws. */
export function validatePatientDirectMessage(message, limits, options) {
  return issues(coreValidate(readMessage(message).slots, readLimits(limits), ...today()), 0, options);
}

/** True when `address` is a syntactically valid Direct address. */
export function isValidDirectAddress(address) {
  return typeof address === 'string' && coreIsValidAddress(address);
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

/**
 * Reads `blob` (`size` bytes) in slices, the next slice read while one is encoded, and
 * hands each encoded slice (a view into wasm memory, valid until the next core call) to
 * `sink`; `between(bytesDone)` runs after each slice and returns false to stop. Resolves
 * true when done, else false (stopped, or the file could not be read: it changed or
 * vanished since it was picked, and reads short).
 */
async function encodeBlob(blob, size, sink, between = () => true) {
  const read = (start) => blob.slice(start, Math.min(start + SLICE, size)).arrayBuffer();
  try {
    let pending = size > 0 && read(0);
    for (let offset = 0; pending; ) {
      const end = Math.min(offset + SLICE, size);
      // Awaiting the read yields to the event loop between slices.
      const bytes = new Uint8Array(await pending);
      // Each read is a round trip to the browser's file machinery: start the next now.
      pending = end < size && read(end);
      if (bytes.length !== end - offset) return false;
      sink(encoded(bytes));
      offset = end;
      if (!between(offset)) return false;
    }
    return true;
  } catch {
    return false;
  }
}

/** Base64-encodes a File or Blob into an Updox attachment object. */
export async function encodeAttachment(file, options) {
  await localeReady(options);
  const { slots, blob } = readFile(file, options);
  const [, fileName, mimeType, size] = ok(coreCheckFile(slots), options);
  const decoder = new TextDecoder();
  let content = '';
  if (!(await encodeBlob(blob, size, (view) => (content += decoder.decode(view))))) {
    throw failure(coreUnreadable('file'), options);
  }
  return { content, mimeType, fileName };
}

/** Validates, encodes and sends a message through the portal's proxy. */
export async function sendPatientDirectMessage(message, options) {
  await localeReady(options);
  const m = readMessage(message);
  const { slots, proxyUrl, signal, onProgress } = readOptions(options);
  let url = [];
  try {
    const here = globalThis.location;
    const u = new URL(proxyUrl, here?.href);
    url = [u.href, u.protocol, u.hostname, here?.origin === u.origin];
  } catch {
    // Not a URL (or none): the core says so.
  }
  let random;
  try {
    random = crypto.getRandomValues(new Uint8Array(16));
  } catch {
    // No secure random source: the core refuses to send.
  }
  const plan = ok(corePrepare(m.slots, slots, url, random, ...today()), options);
  const [, target, timeoutMs, credentials, key, sender, total, headerCount] = plan;
  const headers = [];
  let at = 8;
  for (let i = 0; i < headerCount; i++, at += 2) headers.push(plan.slice(at, at + 2));
  // The body's parts: JSON text; or an attachment's size and then its pre-encoded text or
  // its File/Blob's number.
  const parts = plan.slice(at);
  const stop = (failed) => failure(coreFailure(failed, undefined, timeoutMs), options);
  const aborted = () => signal?.aborted;
  if (aborted()) throw stop(ABORTED);

  let body = parts.filter((p) => typeof p === 'string').join('');
  let length = body.length < SMALL_BODY ? new TextEncoder().encode(body).length : SMALL_BODY;
  if (length < SMALL_BODY && !parts.some((p, i) => typeof p === 'number' && typeof parts[i + 1] === 'number')) {
    // A small body without files goes as a string: a Blob body costs the browser a round
    // trip to its blob registry, which dominates small sends.
    reportProgress(onProgress, 'encoding', total, total);
  } else {
    const out = [];
    let done = 0;
    let index = 0; // the attachment whose content comes next
    reportProgress(onProgress, 'encoding', 0, total);
    for (let i = 0; i < parts.length; i++) {
      if (typeof parts[i] === 'string') {
        out.push(parts[i]);
        if (aborted()) throw stop(ABORTED);
        continue;
      }
      const size = parts[i];
      const content = parts[++i];
      if (typeof content === 'string') out.push(content);
      else {
        const start = done;
        const read = await encodeBlob(
          m.blobs[content],
          size,
          (view) => out.push(new Blob([view])),
          (bytes) => {
            reportProgress(onProgress, 'encoding', start + bytes, total);
            return !aborted();
          },
        );
        if (aborted()) throw stop(ABORTED);
        if (!read) throw failure(coreUnreadable(`attachments[${index}]`), options);
      }
      index += 1;
      done += size;
      reportProgress(onProgress, 'encoding', done, total);
    }
    body = new Blob(out, { type: 'application/json' });
    length = body.size;
  }
  const answer = await exchange(target, body, length, headers, credentials, timeoutMs, signal, onProgress, key);
  if (answer.failure !== undefined) throw failure(coreFailure(answer.failure, answer.status, timeoutMs), options);
  const [, responseCode, responseMessage, id, numeric, ...rest] = ok(coreAnswer(answer.status, answer.text, sender), options);
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
  };
}
