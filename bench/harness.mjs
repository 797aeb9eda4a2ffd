// In-page side of the benchmark (loaded by bench/page.html, driven by bench/run.mjs through
// tests/support/engines.mjs in every engine). Everything here runs in the page; run.mjs only
// calls these functions. `?module=raw` loads the package's JavaScript unbundled and
// unminified (target/pkg-js, served as /pkg-js/) with the same .wasm, so that a CPU profile
// names its functions and files.
import { sendPlain, sendFloor, bodySize, ENCODER, base64Of } from '/bench/clients.mjs';

const RAW = new URLSearchParams(location.search).get('module') === 'raw';
const { default: init, sendPatientDirectMessage, encodeAttachment } = await import(RAW ? '/pkg-js/entry.js' : '/pkg/updox_direct.js');

const TO = 'dr.smith@direct.example-clinic.org';
const FILE_NAME = 'scan.pdf';
const MIME = 'application/pdf';
const BIG = 1024 * 1024 * 1024;
const MODULE_LIMITS = { maxAttachmentBytes: BIG, maxTotalAttachmentBytes: BIG };

const message = (attachments) => ({
  to: TO,
  subject: 'Scan of my lab results',
  textMessage: 'Dear Dr Smith, please find the scan of my lab results attached. Thank you.',
  from: 'patient:123',
  attachments,
});

// --- main-thread responsiveness: longtask entries and a setTimeout(0) lag ticker ---------
const longtasks = [];
let longtaskSupported = false;
try {
  const po = new PerformanceObserver((list) => longtasks.push(...list.getEntries()));
  po.observe({ type: 'longtask', buffered: true });
  longtaskSupported = PerformanceObserver.supportedEntryTypes.includes('longtask');
  globalThis.__benchPo = po;
} catch {
  longtaskSupported = false;
}

/** Largest gap between consecutive setTimeout(0) callbacks (includes the ~4 ms clamp). */
function lagMeter() {
  let last = performance.now();
  let max = 0;
  let on = true;
  const tick = () => {
    const now = performance.now();
    if (now - last > max) max = now - last;
    last = now;
    if (on) setTimeout(tick, 0);
  };
  setTimeout(tick, 0);
  return () => {
    on = false;
    const now = performance.now();
    return Math.max(max, now - last);
  };
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Runs `fn` and reports its wall time, longest long task and max event-loop lag. */
async function measured(fn) {
  await sleep(20);
  const stopLag = lagMeter();
  const t0 = performance.now();
  await fn();
  const t1 = performance.now();
  const lag = stopLag();
  // Long-task entries are delivered after the task; give the observer a moment.
  await sleep(30);
  longtasks.push(...(globalThis.__benchPo?.takeRecords() ?? []));
  let longest = 0;
  let count = 0;
  for (const e of longtasks) {
    if (e.startTime < t1 && e.startTime + e.duration > t0) {
      longest = Math.max(longest, e.duration);
      count++;
    }
  }
  longtasks.length = 0;
  return { ms: t1 - t0, longtaskMs: longest, longtasks: count, lagMs: lag };
}

// --- set-up --------------------------------------------------------------------------------
let moduleReady = null;
export function initModule() {
  moduleReady ??= (async () => {
    const t0 = performance.now();
    await init({ module_or_path: '/pkg/updox_direct_bg.wasm' });
    return performance.now() - t0;
  })();
  return moduleReady;
}

export function info() {
  return {
    userAgent: navigator.userAgent,
    toBase64: typeof Uint8Array.prototype.toBase64 === 'function',
    plainEncoder: ENCODER,
    longtaskSupported,
  };
}

const files = new Map();
const floorBlobs = new Map();
let filler = null;

/** The attachment: /data/N fetched straight into a Blob (its bytes never enter the JS heap). */
export async function prepare(size, { floor = true } = {}) {
  if (!files.has(size)) {
    const res = await fetch(`/data/${size}`);
    const blob = await res.blob();
    if (blob.size !== size) throw new Error(`/data/${size} gave ${blob.size} bytes`);
    files.set(size, new File([blob], FILE_NAME, { type: MIME }));
  }
  if (floor && !floorBlobs.has(size)) floorBlobs.set(size, floorBody(size));
  return { size, bodyBytes: bodySize(message([]), FILE_NAME, MIME, size) };
}

/** A Blob of the same size as the real body, built from pieces (1 MiB of base64 text reused). */
function floorBody(size) {
  filler ??= new Uint8Array(1024 * 1024).fill(0x41);
  const total = bodySize(message([]), FILE_NAME, MIME, size);
  const head = '{"to":"x","attachments":[{"content":"';
  const tail = '"}]}';
  let left = total - head.length - tail.length;
  const parts = [head];
  while (left > 0) {
    const n = Math.min(left, filler.length);
    parts.push(n === filler.length ? filler : filler.subarray(0, n));
    left -= n;
  }
  parts.push(tail);
  const blob = new Blob(parts, { type: 'application/json' });
  if (blob.size !== total) throw new Error('floor body size mismatch');
  return blob;
}

function sender(client, size, proxyUrl) {
  const file = files.get(size);
  switch (client) {
    case 'module':
      return () =>
        sendPatientDirectMessage(message([file]), { proxyUrl, timeoutMs: 120000, limits: MODULE_LIMITS });
    case 'oneShot':
      return () => sendPlain(message([file]), { proxyUrl, timeoutMs: 120000 });
    case 'chunked':
      return () => sendPlain(message([file]), { proxyUrl, timeoutMs: 120000, chunked: true });
    case 'floor':
      return () => sendFloor(floorBlobs.get(size), { proxyUrl, timeoutMs: 120000 });
    case 'floorFromPieces':
      // Memory case: the floor builds its Blob inside the measured window.
      return () => sendFloor(floorBody(size), { proxyUrl, timeoutMs: 120000 });
    default:
      throw new Error(`unknown client ${client}`);
  }
}

function checkResult(r) {
  if (r?.responseCode !== 2000 || r.messageId == null) {
    throw new Error(`unexpected result ${JSON.stringify(r)}`);
  }
}

// --- case 1 and 3: one end-to-end send -------------------------------------------------------
/** One measured send; `verify` makes the sink check the body byte for byte. */
export async function send(client, size, { verify = false } = {}) {
  const proxyUrl = verify && client !== 'floor' ? `/sink?verify=${size}` : '/sink';
  const fn = sender(client, size, proxyUrl);
  let result;
  const m = await measured(async () => {
    result = await fn();
  });
  checkResult(result);
  return m;
}

/** A small send (text and a 1 KiB attachment) to warm a client's code paths up. */
export async function warmUp(client) {
  await prepare(1024);
  checkResult(await sender(client === 'floorFromPieces' ? 'floor' : client, 1024, '/sink')());
}

// --- case 2: encoding throughput (Blob in, base64 string out) --------------------------------
// Kinds: module (encodeAttachment), toBase64 (blob.arrayBuffer() then toBase64), toBase64Ready
// (bytes already in memory), readAsDataURL, readOnly (blob.arrayBuffer() alone: the ceiling
// for anything that starts from a Blob). The two toBase64 kinds only where the engine has it.
export function encoderKinds() {
  return ['module', ...(ENCODER === 'toBase64' ? ['toBase64', 'toBase64Ready'] : []), 'readAsDataURL', 'readOnly'];
}
export async function encode(kind, size, reps) {
  const file = files.get(size);
  const want = Math.ceil(size / 3) * 4;
  const bytes = kind === 'toBase64Ready' ? new Uint8Array(await file.arrayBuffer()) : null;
  const once = async () => {
    switch (kind) {
      case 'module':
        return (await encodeAttachment(file, { fileName: FILE_NAME })).content.length;
      case 'toBase64':
        return new Uint8Array(await file.arrayBuffer()).toBase64().length;
      case 'toBase64Ready':
        return bytes.toBase64().length;
      case 'readAsDataURL': {
        const url = await new Promise((resolve, reject) => {
          const r = new FileReader();
          r.onload = () => resolve(r.result);
          r.onerror = () => reject(r.error);
          r.readAsDataURL(file);
        });
        return url.length - url.indexOf(',') - 1;
      }
      case 'readOnly':
        // No encoding: counts as the length an encoder would have produced.
        return (await file.arrayBuffer()).byteLength === size ? want : -1;
      default:
        throw new Error(`unknown encoder ${kind}`);
    }
  };
  const t0 = performance.now();
  for (let i = 0; i < reps; i++) {
    const n = await once();
    if (n !== want) throw new Error(`${kind}: ${n} base64 chars, want ${want}`);
  }
  return { ms: performance.now() - t0, bytes: size * reps };
}

/** True when the module's encoding equals native toBase64 (checked once per size). */
export async function encodersAgree(size) {
  const file = files.get(size);
  const a = (await encodeAttachment(file, { fileName: FILE_NAME })).content;
  return a === (await base64Of(file));
}

// --- case 2b: the two base64 encoders, in wasm, on the same bytes ---------------------------
// The wasm core built with both (target/bench-encoders): `coreEncode` (base64-simd, wasm SIMD)
// and `benchEncodeScalar` (the `base64` crate). Each call copies `bytes` into wasm memory and
// encodes them into the module's buffer, as the module does with every 3 MiB slice of a file.
let encoders = null;
export async function encoderKernels(size, reps) {
  if (!encoders) {
    encoders = await import('/encoders/updox_direct.js');
    await encoders.default({ module_or_path: '/encoders/updox_direct_bg.wasm' });
  }
  const bytes = new Uint8Array(await files.get(size).arrayBuffer());
  const view = (at) => new Uint8Array(encoders.coreMemory().buffer, at, Math.ceil(bytes.length / 3) * 4);
  const simd = new TextDecoder().decode(view(encoders.coreEncode(bytes)));
  const scalar = new TextDecoder().decode(view(encoders.benchEncodeScalar(bytes)));
  const expected = await base64Of(new Blob([bytes]));
  if (simd !== expected || scalar !== expected) {
    const at = (x) => [...x].findIndex((c, i) => c !== expected[i]);
    throw new Error(`the encoders disagree at ${size} bytes: simd ${simd.length} chars (first difference ${at(simd)}), scalar ${scalar.length} (${at(scalar)}), expected ${expected.length}`);
  }
  const time = (encode) => {
    const t0 = performance.now();
    for (let i = 0; i < reps; i++) encode(bytes);
    return performance.now() - t0;
  };
  // Alternating, after a warm-up each.
  const ms = { simd: 0, scalar: 0 };
  time(encoders.coreEncode);
  time(encoders.benchEncodeScalar);
  for (let round = 0; round < 3; round++) {
    ms.simd += time(encoders.coreEncode);
    ms.scalar += time(encoders.benchEncodeScalar);
  }
  return { ms, bytes: size * reps * 3 };
}

// --- case 5: small text-only messages --------------------------------------------------------
// The module against the plain client sending the same text-only message as a string.
const SMALL = message([]);
const smallSender = (client) =>
  client === 'module' ? () => sendPatientDirectMessage(SMALL, { proxyUrl: '/sink' }) : () => sendPlain(SMALL, { proxyUrl: '/sink' });

/** `n` sequential sends; resolves their total wall time, ms. */
export async function smallSends(client, n) {
  const send = smallSender(client);
  const t0 = performance.now();
  for (let i = 0; i < n; i++) checkResult(await send());
  return performance.now() - t0;
}

/**
 * Where a send's wall time goes, seen from outside the client (the same for any client):
 * from the call until it calls fetch (reading, checking, building the body and the request),
 * from there until fetch resolves (the browser's network work and the sink), and from there
 * until the call resolves (reading and checking the answer). Mean ms per send over `n` sends.
 */
export async function smallPhases(client, n) {
  const send = smallSender(client);
  const realFetch = globalThis.fetch;
  let called;
  let answered;
  globalThis.fetch = function (...args) {
    called = performance.now();
    const p = realFetch.apply(this, args);
    p.then(() => (answered = performance.now()), () => {});
    return p;
  };
  const sum = { beforeFetch: 0, fetch: 0, answer: 0, total: 0 };
  try {
    for (let i = 0; i < n; i++) {
      const t0 = performance.now();
      checkResult(await send());
      const t1 = performance.now();
      sum.beforeFetch += called - t0;
      sum.fetch += answered - called;
      sum.answer += t1 - answered;
      sum.total += t1 - t0;
    }
  } finally {
    globalThis.fetch = realFetch;
  }
  for (const k of Object.keys(sum)) sum[k] /= n;
  return sum;
}

const ANSWER = JSON.stringify({
  successful: true,
  responseMessage: 'OK',
  responseCode: 2000,
  recipient: 'contact:227683',
  name: TO,
  directAddress: TO,
  reason: null,
  messageId: 1,
  patientDirectAddress: 'ptacct+227685@direct.updoxqa.com',
});

/**
 * The client's own cost: `n` sends with fetch answered at once by a ready Response (no
 * network, no sink), mean µs per send. What is left is the client's JavaScript, its wasm,
 * and the browser APIs it calls besides the request itself.
 */
export async function smallOverhead(client, n) {
  const send = smallSender(client);
  const realFetch = globalThis.fetch;
  const headers = { 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': String(ANSWER.length) };
  globalThis.fetch = async () => new Response(ANSWER, { headers });
  try {
    const t0 = performance.now();
    for (let i = 0; i < n; i++) checkResult(await send());
    return ((performance.now() - t0) / n) * 1000;
  } finally {
    globalThis.fetch = realFetch;
  }
}
