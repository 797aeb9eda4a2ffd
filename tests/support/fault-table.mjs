// The fault table (issue 5): every way the proxy can misbehave, what the module must settle
// with, and a runner that drives one row through the module in a page opened by
// module-page.mjs against tests/support/fault-server.mjs. Shared by tests/faults.test.mjs
// and the soak (scripts/soak.sh).
import { getJson } from './http.mjs';
import { validMessage } from './message.mjs';

/** Extra time a call may take beyond its timeoutMs to settle (page scheduling, teardown). */
export const SETTLE_MARGIN_MS = 1500;

const SAMPLE_REASON_4650 = 'The receiving HISP rejected the message';

/** Every Updox failure code the notes list, plus unknown ones. */
export const UPDOX_FAILURE_CODES = [4000, 4010, 4011, 4012, 4013, 4014, 4020, 4060, 4640, 4641, 4642, 4650, 4651, 4652, 5000, 5100, 5110];
export const UNKNOWN_CODES = [4999, 6001];

const row = (name, path, expect, extra = {}) => ({ name, path, expect, timeoutMs: 3000, maxPosts: 1, ...extra });

/**
 * Rows: {name, path ('refused' = a closed loopback port), timeoutMs, expect: {ok} or
 * {kind, status, responseCode, reason?}, maxPosts, minPosts?, sameKey?, file?, abort?}.
 * `abort`: {phase: 'sending'|'encoding', afterMs}: the caller aborts that long after the
 * first progress event of that phase. `file`: bytes of a File attachment.
 */
export const FAULTS = [
  row('control: documented success', '/ok', { ok: true }, { minPosts: 1 }),
  row('control: slow success inside the timeout', '/slow/300', { ok: true }, { minPosts: 1 }),
  row('connection refused', 'refused', { kind: 'network', status: null, responseCode: null }, { maxPosts: 0 }),
  row('accepts, reads the body, never answers', '/hang', { kind: 'timeout', status: null, responseCode: null }, { timeoutMs: 1000, minPosts: 1 }),
  row('answer slower than the timeout', '/slow/5000', { kind: 'timeout', status: null, responseCode: null }, { timeoutMs: 1000 }),
  row('headers, then the body stalls', '/stall-body', { kind: 'timeout', status: null, responseCode: null }, { timeoutMs: 1000, minPosts: 1 }),
  row('closes the connection mid-body', '/close-mid-body', { kind: 'network', status: null, responseCode: null }, { minPosts: 1 }),
  // The socket is destroyed before any response byte: on a reused keep-alive connection
  // Chromium resends the POST once, with the same Idempotency-Key (the proxy absorbs it:
  // see "exactly once" in tests/faults.test.mjs).
  row('connection reset before any answer byte', '/reset', { kind: 'network', status: null, responseCode: null }, { maxPosts: 2, minPosts: 1, sameKey: true }),
  row('HTTP 500 with an HTML page', '/html500', { kind: 'http', status: 500, responseCode: null }),
  row('HTTP 502', '/http/502', { kind: 'http', status: 502, responseCode: null }),
  row('HTTP 503', '/http/503', { kind: 'http', status: 503, responseCode: null, retryable: true }),
  row('HTTP 504', '/http/504', { kind: 'http', status: 504, responseCode: null, retryable: false }),
  row('HTTP 413', '/http/413', { kind: 'http', status: 413, responseCode: 4020 }),
  row('200 with an empty body', '/empty', { kind: 'protocol', status: 200, responseCode: null }),
  row('200 with a body that is not JSON', '/notjson', { kind: 'protocol', status: 200, responseCode: null }),
  row('200 with truncated JSON', '/truncated', { kind: 'protocol', status: 200, responseCode: null }),
  row('200 with JSON of the wrong shape', '/wrongshape', { kind: 'protocol', status: 200, responseCode: null }),
  row('successful:true with responseCode 4060', '/inconsistent', { kind: 'protocol', status: 200, responseCode: 4060 }),
  row('successful:false with responseCode 2000', '/reverse-inconsistent', { kind: 'protocol', status: 200, responseCode: 2000 }),
  ...UPDOX_FAILURE_CODES.map((code) =>
    row(`Updox failure ${code}`, `/updox/${code}`, {
      kind: 'updox',
      status: 200,
      responseCode: code,
      responseMessage: `Failure ${code}`,
      reason: code === 4650 ? SAMPLE_REASON_4650 : null,
    }),
  ),
  ...UNKNOWN_CODES.map((code) =>
    row(`unknown Updox code ${code}`, `/updox/${code}`, { kind: 'updox', status: 200, responseCode: code, retryable: false }),
  ),
  row('a 50 MB answer (Content-Length declared)', '/huge', { kind: 'protocol', status: 200, responseCode: null }),
  row('a 50 MB answer (chunked, no Content-Length)', '/huge-chunked', { kind: 'protocol', status: 200, responseCode: null }, { timeoutMs: 10000 }),
  row('caller aborts mid-upload (8 MB file, server not reading)', '/stall-upload', { kind: 'aborted', status: null, responseCode: null }, {
    timeoutMs: 5000,
    file: 8 * 1000 * 1000,
    abort: { phase: 'sending', afterMs: 150 },
  }),
  row('caller aborts a hanging send after the body went out', '/hang', { kind: 'aborted', status: null, responseCode: null }, {
    timeoutMs: 5000,
    file: 2 * 1000 * 1000,
    abort: { phase: 'sending', afterMs: 300 },
    minPosts: 1,
  }),
  row('caller aborts while the file is being encoded', '/ok', { kind: 'aborted', status: null, responseCode: null }, {
    timeoutMs: 5000,
    file: 8 * 1000 * 1000,
    abort: { phase: 'encoding', afterMs: 0 },
    maxPosts: 0,
  }),
];

/** Runs one row in `page`; returns {result, posts, keys, elapsedMs, failures: [..]}. */
export async function runFault(page, faultUrl, f, { message = validMessage() } = {}) {
  let proxyUrl;
  if (f.path === 'refused') {
    const { port } = await getJson(`${faultUrl}/closed-port`);
    proxyUrl = `http://127.0.0.1:${port}/PatientDirectMessageSend`;
  } else proxyUrl = faultUrl + f.path;
  const before = (await getJson(`${faultUrl}/count`)).posts;
  const result = await page.evaluate(
    async ({ proxyUrl, message, timeoutMs, file, abort }) => {
      const ctl = new AbortController();
      const seen = {};
      const onProgress = (p) => {
        if (seen[p.phase]) return;
        seen[p.phase] = performance.now();
        if (abort && abort.phase === p.phase) setTimeout(() => ctl.abort(), abort.afterMs);
      };
      const msg = { ...message };
      if (file) msg.attachments = [new File([new Uint8Array(file).fill(65)], 'scan.pdf', { type: 'application/pdf' })];
      const r = await window.settle(
        window.updox.sendPatientDirectMessage(msg, { proxyUrl, timeoutMs, signal: ctl.signal, onProgress }),
      );
      r.sendingStartedMs = seen.sending ? seen.sending : null;
      if (r.ok) r.value = { responseCode: r.value.responseCode, messageId: r.value.messageId };
      return r;
    },
    { proxyUrl, message, timeoutMs: f.timeoutMs, file: f.file ?? 0, abort: f.abort ?? null },
  );
  // Let anything the browser still has in flight for this call arrive before counting.
  await new Promise((r) => setTimeout(r, 50));
  const after = (await getJson(`${faultUrl}/count`)).posts;
  const posts = after - before;
  const log = posts > 0 ? (await getJson(`${faultUrl}/posts`)).slice(-posts) : [];
  const keys = [...new Set(log.map((p) => p.idempotencyKey))];

  const failures = [];
  const e = f.expect;
  if (e.ok) {
    if (!result.ok) failures.push(`expected success, got ${JSON.stringify(result.error)}`);
  } else if (result.ok) {
    failures.push(`expected ${e.kind}, but the call resolved`);
  } else {
    const err = result.error;
    if (!err.isUpdoxError) failures.push(`not an UpdoxError: ${err.type} ${err.name} ${err.message}`);
    for (const field of ['kind', 'status', 'responseCode', 'reason', 'responseMessage', 'retryable']) {
      if (field in e && err[field] !== e[field]) failures.push(`${field}: expected ${JSON.stringify(e[field])}, got ${JSON.stringify(err[field])}`);
    }
    if (!err.message || err.message === 'undefined') failures.push('no error message');
  }
  if (result.ms > f.timeoutMs + SETTLE_MARGIN_MS) failures.push(`settled after ${Math.round(result.ms)} ms (timeoutMs ${f.timeoutMs} + ${SETTLE_MARGIN_MS})`);
  if (!e.ok && e.kind === 'timeout' && result.ms < f.timeoutMs - 50) failures.push(`timed out early: ${Math.round(result.ms)} ms`);
  if (posts > f.maxPosts) failures.push(`${posts} POSTs reached the server (at most ${f.maxPosts})`);
  if (f.minPosts && posts < f.minPosts) failures.push(`${posts} POSTs reached the server (expected at least ${f.minPosts})`);
  if (keys.length > 1) failures.push(`the POSTs for one call carried ${keys.length} different Idempotency-Keys`);
  for (const k of keys) if (!/^[0-9a-f]{32}$/.test(String(k))) failures.push(`bad Idempotency-Key ${JSON.stringify(k)}`);
  return { result, posts, keys, failures };
}
