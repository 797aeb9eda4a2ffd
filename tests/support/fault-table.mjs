// The fault table: every way the proxy can misbehave, what the module must settle
// with, and a runner that drives one row through the module in a page opened by
// module-page.mjs against tests/support/fault-server.mjs. Shared by tests/module/faults.browser.test.mjs
// and the soak (scripts/soak.sh).
import { getJson } from './http.mjs';
import { validMessage } from './message.mjs';

/** Extra time a call may take beyond its timeoutMs to settle (page scheduling, teardown). */
export const SETTLE_MARGIN_MS = 1500;

const SAMPLE_REASON_4650 = 'The receiving HISP rejected the message';

/** Every Updox failure code the notes list, plus unknown ones. */
export const UPDOX_FAILURE_CODES = [4000, 4010, 4011, 4012, 4013, 4014, 4020, 4060, 4640, 4641, 4642, 4650, 4651, 4652, 5000, 5100, 5110];
export const UNKNOWN_CODES = [4999, 6001];
/** Updox's credentials codes: refused before anything was delivered, so a resend may succeed. */
const AUTH_CODES = new Set([4010, 4011, 4012, 4013, 4014]);

const row = (name, path, expect, extra = {}) => ({ name, path, expect, timeoutMs: 3000, maxPosts: 1, ...extra });

// What every failure after the request started is: its fate unknown, a resend with the same
// key safe (the proxy answers it with the first answer, or forwards it once).
const unknown = (kind, rule, more = {}) => ({ kind, rule, retryable: true, delivery: 'unknown', ...more });
const noAnswer = (kind, rule) => unknown(kind, rule, { status: null, responseCode: null });
// The proxy contract's error codes: [status, code, retryable, delivery].
const PROXY_CODES = [
  [400, 'invalid_request', false, 'not-sent'],
  [403, 'sender_mismatch', false, 'not-sent'],
  [413, 'payload_too_large', false, 'not-sent'],
  [422, 'idempotency_key_reused', false, 'not-sent'],
  [401, 'unauthorized', true, 'not-sent'],
  [429, 'rate_limited', true, 'not-sent'],
  [503, 'proxy_busy', true, 'not-sent'],
  [503, 'idempotency_unavailable', true, 'not-sent'],
  [502, 'upstream_unreachable', true, 'not-sent'],
  [409, 'request_in_progress', true, 'unknown'],
  [504, 'upstream_timeout', true, 'unknown'],
  [502, 'upstream_connection_lost', true, 'unknown'],
  [500, 'internal_error', true, 'unknown'],
];

/**
 * Rows: {name, path ('refused' = a closed loopback port), timeoutMs, expect: {ok} or
 * {kind, rule, status, responseCode, retryable, delivery, reason?}, maxPosts, minPosts?,
 * sameKey?, file?, abort?}. `abort`: {phase: 'sending'|'encoding', afterMs}: the caller
 * aborts that long after the first progress event of that phase. `file`: bytes of a File
 * attachment. Every failing row says `retryable` and `delivery`.
 */
export const FAULTS = [
  row('control: documented success', '/ok', { ok: true }, { minPosts: 1 }),
  row('control: slow success inside the timeout', '/slow/300', { ok: true }, { minPosts: 1 }),
  // fetch had the request: that nothing left cannot be told from a refused connection.
  row('connection refused', 'refused', noAnswer('network', 'network.failed'), { maxPosts: 0 }),
  row('accepts, reads the body, never answers', '/hang', noAnswer('timeout', 'timeout'), { timeoutMs: 1000, minPosts: 1 }),
  row('answer slower than the timeout', '/slow/5000', noAnswer('timeout', 'timeout'), { timeoutMs: 1000 }),
  row('headers, then the body stalls', '/stall-body', noAnswer('timeout', 'timeout'), { timeoutMs: 1000, minPosts: 1 }),
  row('closes the connection mid-body', '/close-mid-body', noAnswer('network', 'network.failed'), { minPosts: 1 }),
  // The socket is destroyed before any response byte: on a reused keep-alive connection
  // Chromium resends the POST once, with the same Idempotency-Key (the proxy absorbs it:
  // see "exactly once" in tests/module/faults.browser.test.mjs).
  row('connection reset before any answer byte', '/reset', noAnswer('network', 'network.failed'), { maxPosts: 2, minPosts: 1, sameKey: true }),
  row('HTTP 500 with an HTML page', '/html500', unknown('http', 'http.5xx', { status: 500, responseCode: null })),
  // Without a code of the proxy contract, a status may be anything's on the way (Updox's
  // own 503 or 429 passed through): whether the message went is unknown.
  row('HTTP 502', '/http/502', unknown('http', 'http.502', { status: 502, responseCode: null })),
  row('HTTP 503', '/http/503', unknown('http', 'http.503', { status: 503, responseCode: null })),
  row('HTTP 504', '/http/504', unknown('http', 'http.504', { status: 504, responseCode: null })),
  row('HTTP 429 passed through', '/http/429', unknown('http', 'http.429', { status: 429, responseCode: null })),
  row('HTTP 413', '/http/413', unknown('http', 'http.413', { status: 413, responseCode: 4020, retryable: false })),
  row('HTTP 422 without a code of the proxy', '/http/422', unknown('http', 'http.4xx', { status: 422, responseCode: null, retryable: false })),
  ...PROXY_CODES.map(([status, code, retryable, delivery]) =>
    row(`proxy ${status} ${code}`, `/proxy/${status}/${code}`, {
      kind: 'http',
      rule: `proxy.${code}`,
      status,
      responseCode: status === 413 ? 4020 : null,
      responseMessage: `Proxy ${code}`,
      retryable,
      delivery,
    }),
  ),
  row('200 with an empty body', '/empty', unknown('protocol', 'protocol.unreadable', { status: 200, responseCode: null })),
  row('200 with a body that is not JSON', '/notjson', unknown('protocol', 'protocol.unreadable', { status: 200, responseCode: null })),
  row('200 with truncated JSON', '/truncated', unknown('protocol', 'protocol.unreadable', { status: 200, responseCode: null })),
  row('200 with JSON of the wrong shape', '/wrongshape', unknown('protocol', 'protocol.unreadable', { status: 200, responseCode: null })),
  row('successful:true with responseCode 4060', '/inconsistent', unknown('protocol', 'protocol.inconsistent', { status: 200, responseCode: 4060 })),
  row('successful:false with responseCode 2000', '/reverse-inconsistent', unknown('protocol', 'protocol.inconsistent', { status: 200, responseCode: 2000 })),
  ...UPDOX_FAILURE_CODES.map((code) =>
    row(`Updox failure ${code}`, `/updox/${code}`, {
      kind: 'updox',
      status: 200,
      responseCode: code,
      responseMessage: `Failure ${code}`,
      reason: code === 4650 ? SAMPLE_REASON_4650 : null,
      retryable: AUTH_CODES.has(code),
      delivery: 'failed',
    }),
  ),
  ...UNKNOWN_CODES.map((code) =>
    row(`unknown Updox code ${code}`, `/updox/${code}`, { kind: 'updox', rule: 'updox.other', status: 200, responseCode: code, retryable: false, delivery: 'failed' }),
  ),
  row('a 50 MB answer (Content-Length declared)', '/huge', unknown('protocol', 'protocol.unreadable', { status: 200, responseCode: null })),
  row('a 50 MB answer (chunked, no Content-Length)', '/huge-chunked', unknown('protocol', 'protocol.unreadable', { status: 200, responseCode: null }), { timeoutMs: 10000 }),
  row('a success answer padded to 50 MB, gzipped to a small Content-Length', '/huge-gzip', unknown('protocol', 'protocol.unreadable', { status: 200, responseCode: null }), { timeoutMs: 10000 }),
  // Once fetch has the request, a cancelled send may still arrive: it says so.
  row('caller aborts mid-upload (8 MB file, server not reading)', '/stall-upload', noAnswer('aborted', 'aborted.after_sending'), {
    timeoutMs: 5000,
    file: 8 * 1000 * 1000,
    abort: { phase: 'sending', afterMs: 150 },
  }),
  row('caller aborts a hanging send after the body went out', '/hang', noAnswer('aborted', 'aborted.after_sending'), {
    timeoutMs: 5000,
    file: 2 * 1000 * 1000,
    abort: { phase: 'sending', afterMs: 300 },
    minPosts: 1,
  }),
  row(
    'caller aborts while the file is being encoded',
    '/ok',
    { kind: 'aborted', rule: 'aborted', status: null, responseCode: null, retryable: true, delivery: 'not-sent' },
    { timeoutMs: 5000, file: 8 * 1000 * 1000, abort: { phase: 'encoding', afterMs: 0 }, maxPosts: 0 },
  ),
];

/** The English sentence of an outcome says what `delivery` says. */
export function sentenceMatchesDelivery(message, delivery) {
  const maybe = /may or may not/.test(message);
  return delivery === 'unknown' ? maybe : !maybe && /not|cannot/.test(message);
}

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
      if (r.ok) r.value = { responseCode: r.value.responseCode, messageId: r.value.messageId, idempotencyKey: r.value.idempotencyKey };
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
    else if (result.value.idempotencyKey !== keys[0]) failures.push('the result does not carry the Idempotency-Key it was sent with');
  } else if (result.ok) {
    failures.push(`expected ${e.kind}, but the call resolved`);
  } else {
    const err = result.error;
    if (!err.isUpdoxError) failures.push(`not an UpdoxError: ${err.type} ${err.name} ${err.message}`);
    for (const field of ['kind', 'rule', 'status', 'responseCode', 'reason', 'responseMessage', 'retryable', 'delivery']) {
      if (field in e && err[field] !== e[field]) failures.push(`${field}: expected ${JSON.stringify(e[field])}, got ${JSON.stringify(err[field])}`);
    }
    if (!err.message || err.message === 'undefined') failures.push('no error message');
    else if (!sentenceMatchesDelivery(err.message, err.delivery)) failures.push(`the sentence does not say what delivery ${err.delivery} says: ${err.message}`);
    // The request was built: the error names its key, the one the server saw.
    if (typeof err.idempotencyKey !== 'string' || (keys.length && err.idempotencyKey !== keys[0])) {
      failures.push(`idempotencyKey ${JSON.stringify(err.idempotencyKey)}, the server saw ${JSON.stringify(keys[0])}`);
    }
  }
  if (result.ms > f.timeoutMs + SETTLE_MARGIN_MS) failures.push(`settled after ${Math.round(result.ms)} ms (timeoutMs ${f.timeoutMs} + ${SETTLE_MARGIN_MS})`);
  if (!e.ok && e.kind === 'timeout' && result.ms < f.timeoutMs - 50) failures.push(`timed out early: ${Math.round(result.ms)} ms`);
  if (posts > f.maxPosts) failures.push(`${posts} POSTs reached the server (at most ${f.maxPosts})`);
  if (f.minPosts && posts < f.minPosts) failures.push(`${posts} POSTs reached the server (expected at least ${f.minPosts})`);
  if (keys.length > 1) failures.push(`the POSTs for one call carried ${keys.length} different Idempotency-Keys`);
  for (const k of keys) if (!/^[0-9a-f]{32}$/.test(String(k))) failures.push(`bad Idempotency-Key ${JSON.stringify(k)}`);
  return { result, posts, keys, failures };
}
