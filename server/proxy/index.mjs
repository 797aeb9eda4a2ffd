// updox-direct/proxy: the server side of updox-direct, as a Web-standard fetch handler
// `(request: Request) => Promise<Response>` with a Node `(req, res, next?)` adapter.
//
//   POST <path>          (default /api/updox/PatientDirectMessageSend)  a patient's message
//   POST <validatePath>  (default /api/updox/DirectAddressValidate)     {"recipient": address}
//   POST <deliveryPath>  (default /api/updox/MdnStatusList)             {"messageId": n}
//   POST <webhookPath><token> (when webhookToken is set)               Updox's inbound_mdn
//
// For each request, in order: Host allow-list (421), origin / CORS (403; OPTIONS answered),
// method (405), media type (415), patient authentication (401), then the route. A send: its
// Idempotency-Key (400); a key already known for this patient is a resend, answered from the
// store (its body hashed as it arrives and never held, no rate-limit point taken); otherwise
// the rate limit (429), the body within its limits (413, 503 proxy_busy, 408 body_timeout),
// JSON and its members (400), the sender bound to the patient (403), idempotency (422, 409,
// 503), and Updox. What the store keeps follows the one outcome rule (outcome.mjs). No other
// Updox method is reachable. Logs: one audit line per request (request id, keyed hash of the
// patient, outcome class, Updox's messageId), never content, names, addresses, credentials
// or keys.
import { randomUUID } from 'node:crypto';
import { createAuthenticator } from './authenticate.mjs';
import { InFlightBudget, contentLength, readBody } from './body.mjs';
import { DEFAULT_PATH, DEFAULT_VALIDATE_PATH, optionsFromEnv, resolveConfig } from './config.mjs';
import { ERRORS, errorAnswer } from './errors.mjs';
import { hostAllowed, isLoopbackAddress, isSameOrigin } from './hosts.mjs';
import { fingerprint, fingerprinter, idempotencySecrets, openAnswer, patientKeyOf, sealAnswer } from './idempotency.mjs';
import { createMemoryIdempotencyStore } from './idempotency-memory.mjs';
import { createDelivery, deliveryLogPath, deliveryRouteOf } from './delivery.mjs';
import { JsonLimitError } from './json-scan.mjs';
import { BodyShapeError, readSendBody, senderIs, withServerAuth } from './message.mjs';
import { outcomeOf } from './outcome.mjs';
import { createRateLimiter } from './rate-limit.mjs';
import { postToUpdox } from './upstream.mjs';
import { AnswerCache, cacheKey, isCacheable, recipientOf } from './validate-route.mjs';

export { DEFAULT_PATH, DEFAULT_VALIDATE_PATH, ERRORS, optionsFromEnv };

const KEY_PATTERN = /^[\x21-\x7e]{1,255}$/;
const CORS_ALLOWED_HEADERS = 'Content-Type, Idempotency-Key, Authorization, X-CSRF-Token, X-Requested-With, Accept';
// After answering early (413, 503, …) a Node listener discards what the client still sends,
// up to this much, so the client can read the answer before the connection closes.
const DISCARD_TIMEOUT_MS = 10000;

// ---- shared state of one proxy ---------------------------------------------------------------

/** Opens what the proxy keeps between requests: Redis (when configured), store, limiters, cache. */
function openState(config) {
  const redis = config.redisUrl ? import('./redis-client.mjs').then((m) => m.openRedis(config.redisUrl)) : null;
  redis?.catch(() => {});
  let store;
  if (config.store) store = Promise.resolve({ store: config.store, owned: false });
  else if (redis) {
    store = Promise.all([redis, import('./idempotency-redis.mjs')]).then(([r, m]) => ({
      store: m.createRedisIdempotencyStore({
        redis: r,
        ttlMs: config.idempotencyTtlMs,
        inFlightTtlMs: config.idempotencyInFlightTtlMs,
      }),
      owned: true,
    }));
  } else {
    store = Promise.resolve({
      store: createMemoryIdempotencyStore({
        ttlMs: config.idempotencyTtlMs,
        inFlightTtlMs: config.idempotencyInFlightTtlMs,
        maxEntries: config.idempotencyMaxEntries,
        maxBytes: config.idempotencyMaxBytes,
      }),
      owned: true,
    });
  }
  store.catch(() => {}); // reported per request (503) and through handler.ready
  const limiter = (route) => {
    // Waits for the first connection attempt, so that a Redis that is there is used from the
    // first request (while Redis is away, an in-memory limiter stands in).
    const made = (redis ?? Promise.resolve(null))
      .then(async (r) => {
        await r?.ready;
        return r;
      })
      .catch(() => null)
      .then((r) => createRateLimiter(config.rateLimits[route], route, r));
    return async (key) => (await made)(key);
  };
  const budget = new InFlightBudget(config.maxInFlightBytes, config.maxInFlightBytesPerPatient);
  return {
    redis,
    store,
    ready: Promise.all([store, redis]).then(() => undefined),
    limits: { send: limiter('send'), validate: limiter('validate'), delivery: limiter('delivery') },
    budget,
    delivery: createDelivery(config, { redis, budget }),
    cache: new AnswerCache({ ttlMs: config.validateCacheTtlMs, maxEntries: config.validateCacheMaxEntries }),
    pending: new Map(), // validate lookups in progress, by cache key
    authenticate: createAuthenticator(config),
    // Called with {messageId, patientKey} each time Updox accepts a message (a listener's
    // failure never changes the answer).
    accepted: config.onAccepted ? [config.onAccepted] : [],
  };
}

/** Tells the listeners that Updox accepted `messageId` from the patient `patientKey`. */
function announceAccepted(config, state, messageId, patientKey) {
  for (const listener of state.accepted) {
    try {
      Promise.resolve(listener({ messageId, patientKey })).catch(() => config.log(`${new Date().toISOString()} proxy onAccepted failed`));
    } catch {
      config.log(`${new Date().toISOString()} proxy onAccepted failed`);
    }
  }
}

// ---- admission ---------------------------------------------------------------------------------

/**
 * Host, origin, preflight, method, media type, patient and rate limit. Returns {answer} when
 * the request stops here, or {principal} when its route may run. Adds CORS headers to `out`.
 */
async function admit(config, state, ex, route, out) {
  const host = ex.headers.get('host') ?? ex.urlHost;
  if (!hostAllowed(host, config.allowedHosts, ex.local)) return { answer: errorAnswer('host_not_allowed') };
  const origin = ex.headers.get('origin');
  const listed = origin !== null && config.corsOrigins.has(origin);
  if (listed) {
    out['Access-Control-Allow-Origin'] = origin;
    out['Access-Control-Expose-Headers'] = 'Idempotent-Replayed, Retry-After';
    if (config.corsCredentials) out['Access-Control-Allow-Credentials'] = 'true';
  }
  if (config.corsOrigins.size > 0) out.Vary = 'Origin';
  if (origin !== null && !listed && !isSameOrigin(origin, host, ex.local)) return { answer: errorAnswer('origin_not_allowed') };
  if (config.demo && ex.local && !isLoopbackAddress(ex.local.address)) return { answer: errorAnswer('demo_not_local') };
  if (ex.method === 'OPTIONS') {
    out.Allow = 'POST, OPTIONS';
    if (listed) {
      out['Access-Control-Allow-Methods'] = 'POST, OPTIONS';
      out['Access-Control-Allow-Headers'] = CORS_ALLOWED_HEADERS;
      out['Access-Control-Max-Age'] = '600';
    }
    return { answer: { status: 204, body: Buffer.alloc(0) } };
  }
  if (ex.method !== 'POST') {
    out.Allow = 'POST, OPTIONS';
    return { answer: errorAnswer('method_not_allowed') };
  }
  const mediaType = String(ex.headers.get('content-type') ?? '').split(';')[0].trim().toLowerCase();
  if (mediaType !== 'application/json') return { answer: errorAnswer('unsupported_media_type') };
  const authenticated = await state.authenticate(ex.request, ex.context);
  if (!authenticated) return { answer: errorAnswer('unauthorized') };
  const principal = { ...authenticated, patientKey: patientKeyOf(config.serverSecret, authenticated.patientId) };
  ex.note.patientKey = principal.patientKey;
  return { principal };
}

/** Takes a rate-limit point: null when allowed, else the refusal to answer. */
async function rateLimit(state, route, principal) {
  let limited;
  try {
    limited = await state.limits[route](principal.patientKey);
  } catch {
    return errorAnswer('proxy_busy', { 'Retry-After': '1' });
  }
  return limited ? errorAnswer('rate_limited', { 'Retry-After': String(limited.retryAfterSec) }) : null;
}

// ---- Updox --------------------------------------------------------------------------------

/** The answer for postToUpdox's result. */
function answerOf(result) {
  switch (result.kind) {
    case 'answer':
      return result.answer;
    case 'unreachable':
      return errorAnswer('upstream_unreachable');
    case 'timeout':
      return errorAnswer('upstream_timeout');
    case 'too_large':
      return errorAnswer('upstream_response_too_large');
    default:
      return errorAnswer('upstream_connection_lost');
  }
}

/** Forwards a send; resolves {answer, outcome} and notes the outcome for the audit line. */
async function forwardSend(config, state, ex, segments, idempotencyKey, patientKey) {
  const result = await postToUpdox(config.sendTarget, segments, {
    timeoutMs: config.timeoutMs,
    maxAnswerBytes: config.maxUpstreamBytes,
    idempotencyKey,
  });
  const { outcome, envelope } = outcomeOf(result);
  ex.note.outcome = `forwarded-${outcome.replace('_', '-')}`;
  if (envelope?.messageId) ex.note.messageId = envelope.messageId;
  if (envelope?.successful && envelope.messageId) {
    // Recorded before the patient hears of the send, so a status question right after it finds it.
    await state.delivery.recordAccepted(envelope.messageId, patientKey);
    announceAccepted(config, state, envelope.messageId, patientKey);
  }
  return { answer: answerOf(result), outcome };
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const COMPLETE_RETRY_MS = [100, 300, 1000, 2000, 4000];

/** Runs a store write, retried with backoff; resolves its result, or `failed` after the last try. */
async function retried(write, failed, delays = [50, 250, 1000]) {
  for (let attempt = 0; ; attempt++) {
    try {
      return await write();
    } catch {
      if (attempt >= delays.length) return failed;
      await sleep(delays[attempt]);
    }
  }
}

/** The answer to a resend, from what the store holds for its key. */
function replayOf(config, secrets, held, ex) {
  if (held.state === 'unknown') {
    ex.note.outcome = 'blocked';
    return errorAnswer('outcome_unknown');
  }
  const answer = openAnswer(secrets, held.answer);
  ex.note.outcome = 'replayed';
  if (!answer) return errorAnswer('answer_not_replayable');
  if (answer.status === ERRORS.outcome_unknown[0] && answer.body.includes('"outcome_unknown"')) ex.note.outcome = 'blocked';
  return { ...answer, replayed: true };
}

/** Waits for the request that holds the key; the waiter holds no body. */
async function waitForHolder(config, store, secrets, ex) {
  let waited;
  try {
    waited = await store.wait(secrets.storeKey, config.idempotencyWaitMs);
  } catch {
    return errorAnswer('idempotency_unavailable');
  }
  if (waited.state === 'completed' || waited.state === 'unknown') return replayOf(config, secrets, waited, ex);
  // Still running, or released meanwhile (this resend's body was not kept): ask again later.
  ex.note.outcome = 'in-progress';
  return errorAnswer('request_in_progress');
}

/**
 * A resend: the key is known for this patient. Its body is only hashed (to tell a resend from
 * another message under the same key), never held, and it is answered from the store.
 */
async function resend(config, store, secrets, held, ex) {
  const mac = fingerprinter(secrets);
  const read = await readBody(ex.source, {
    limit: config.bodyLimit,
    onChunk: (chunk) => mac.update(chunk),
    idleMs: config.bodyIdleTimeoutMs,
    minBytesPerSec: config.bodyMinBytesPerSec,
    graceMs: config.bodyRateGraceMs,
  });
  ex.note.bytesIn = read.size;
  if (read.refused) return refusal(read.refused);
  if (mac.digest('hex') !== held.fingerprint) return errorAnswer('idempotency_key_reused');
  if (held.state === 'in_flight') return waitForHolder(config, store, secrets, ex);
  return replayOf(config, secrets, held, ex);
}

/** A body refusal as an answer (busy: retry shortly; too slow: the connection is closed). */
function refusal(code) {
  if (code === 'proxy_busy') return errorAnswer(code, { 'Retry-After': '1' });
  const answer = errorAnswer(code);
  if (code === 'body_timeout') answer.closeConnection = true;
  return answer;
}

/**
 * Sends a keyed request at most once, by the one outcome rule: the first request for
 * (patient, key) goes to Updox; a final answer is kept and replayed for the key's life; an
 * answer proving nothing was processed is not kept (the resend is forwarded); an unknown
 * outcome blocks the key (409 `outcome_unknown`). A repeat that finds the key in flight
 * gives back its body and waits up to idempotencyWaitMs.
 */
async function sendOnce(config, state, store, { key, secrets, raw, segments, dropBody, patientKey }, ex) {
  const fp = fingerprint(secrets, raw);
  for (let attempt = 0; attempt < 3; attempt++) {
    let claim;
    try {
      claim = await store.claim(secrets.storeKey, fp);
    } catch (err) {
      if (err?.claimToken) releaseLater(config, store, secrets.storeKey, err.claimToken);
      return errorAnswer('idempotency_unavailable');
    }
    if (claim.state === 'mismatch') return errorAnswer('idempotency_key_reused');
    if (claim.state === 'full') return errorAnswer('idempotency_store_full', { 'Retry-After': '1' });
    if (claim.state === 'completed' || claim.state === 'unknown') return replayOf(config, secrets, claim, ex);
    if (claim.state === 'in_flight') {
      dropBody();
      return waitForHolder(config, store, secrets, ex);
    }
    // claimed: this request is the one that goes to Updox.
    const { answer, outcome } = await forwardSend(config, state, ex, segments, key, patientKey);
    dropBody();
    if (outcome === 'not_processed') {
      const released = await retried(() => store.release(secrets.storeKey, claim.token), null);
      if (released === null) config.log(`${new Date().toISOString()} proxy idempotency store error: key not released (it will read as unknown)`);
      return answer;
    }
    let kept = outcome === 'unknown' ? errorAnswer('outcome_unknown') : answer;
    if (kept.body.length > config.maxAnswerBytes) kept = errorAnswer('answer_not_replayable');
    const sealed = sealAnswer(secrets, kept);
    // Retried for several seconds (a store restarting): until it is kept, the outcome is not proven.
    const stored = await retried(() => store.complete(secrets.storeKey, claim.token, sealed, fp), null, COMPLETE_RETRY_MS);
    if (stored === null) {
      // The claim stays, for the key's life: resends are told the outcome is unknown.
      config.log(`${new Date().toISOString()} proxy idempotency store error: answer not kept (the key reads as unknown)`);
    } else if (stored === false) {
      config.log(`${new Date().toISOString()} proxy idempotency claim lost before the answer; answer not kept`);
    }
    return answer;
  }
  return errorAnswer('request_in_progress');
}

/** A claim whose outcome the store could not confirm: give it back when the store answers again. */
function releaseLater(config, store, storeKey, token) {
  retried(() => store.release(storeKey, token), null, [500, 2000, 8000, 30000]).then((released) => {
    if (released === null) config.log(`${new Date().toISOString()} proxy idempotency store error: an unconfirmed claim was not released`);
  });
}

// ---- the two routes ----------------------------------------------------------------------

async function sendRoute(config, state, ex, principal) {
  const key = ex.headers.get('idempotency-key');
  if (key === null && config.requireIdempotencyKey) return errorAnswer('idempotency_key_required');
  if (key !== null && !KEY_PATTERN.test(key)) return errorAnswer('invalid_idempotency_key');
  let store = null;
  let secrets = null;
  if (key !== null) {
    try {
      ({ store } = await state.store);
    } catch {
      return errorAnswer('idempotency_unavailable');
    }
    secrets = idempotencySecrets(config.serverSecret, principal.patientKey, key);
    let held;
    try {
      held = await store.peek(secrets.storeKey);
    } catch {
      return errorAnswer('idempotency_unavailable');
    }
    if (held) return resend(config, store, secrets, held, ex);
  }
  const limited = await rateLimit(state, 'send', principal);
  if (limited) return limited;
  const who = principal.patientId === null ? null : principal.patientKey;
  const lease = { bytes: 0, who };
  const dropBody = () => {
    state.budget.give(lease.bytes, who);
    lease.bytes = 0;
  };
  try {
    const read = await readBody(ex.source, {
      limit: config.bodyLimit,
      budget: state.budget,
      lease,
      idleMs: config.bodyIdleTimeoutMs,
      minBytesPerSec: config.bodyMinBytesPerSec,
      graceMs: config.bodyRateGraceMs,
    });
    ex.note.bytesIn = read.size;
    if (read.refused) return refusal(read.refused);
    const raw = read.body;
    let body;
    try {
      body = readSendBody(raw);
    } catch (err) {
      if (err instanceof BodyShapeError) return errorAnswer('invalid_request', undefined, err.path);
      return errorAnswer(err instanceof JsonLimitError ? 'invalid_request' : 'invalid_json');
    }
    if (principal.patientId !== null && !senderIs(body, principal.patientId)) return errorAnswer('sender_mismatch');
    const segments = withServerAuth(raw, body, config.authJson); // browser-sent auth is never forwarded
    if (key === null) return (await forwardSend(config, state, ex, segments, undefined, principal.patientKey)).answer;
    return await sendOnce(config, state, store, { key, secrets, raw, segments, dropBody, patientKey: principal.patientKey }, ex);
  } finally {
    dropBody();
  }
}

async function validateRoute(config, state, ex, principal) {
  const limited = await rateLimit(state, 'validate', principal);
  if (limited) return limited;
  const lease = { bytes: 0, who: null };
  let read;
  try {
    read = await readBody(ex.source, {
      limit: config.validateBodyLimit,
      budget: state.budget,
      lease,
      idleMs: config.bodyIdleTimeoutMs,
    });
  } finally {
    state.budget.give(lease.bytes, null);
  }
  ex.note.bytesIn = read.size;
  if (read.refused) return refusal(read.refused);
  const { recipient, error } = recipientOf(read.body);
  if (error) return errorAnswer(error);
  const ck = cacheKey(principal.patientKey, recipient);
  const cached = state.cache.get(ck);
  if (cached) return { ...cached, cached: true };
  let lookup = state.pending.get(ck);
  if (!lookup) {
    const payload = Buffer.from(`{"recipient":${JSON.stringify(recipient)},"auth":${config.authJson}}`);
    lookup = postToUpdox(config.validateTarget, [payload], { timeoutMs: config.timeoutMs, maxAnswerBytes: config.maxUpstreamBytes }).then(
      (result) => {
        const answer = answerOf(result);
        if (isCacheable(answer)) state.cache.set(ck, answer);
        return answer;
      },
    );
    state.pending.set(ck, lookup);
    lookup.finally(() => state.pending.delete(ck)).catch(() => {});
  }
  return lookup;
}

// ---- one exchange, whatever the server ---------------------------------------------------------

/** Which route a path is, or null. */
const routeOf = (config, pathname) =>
  pathname === config.path ? 'send' : pathname === config.validatePath ? 'validate' : deliveryRouteOf(config, pathname);

/**
 * Runs one exchange `ex` ({method, pathname, route, headers, urlHost, request, context,
 * local, source, note}); resolves the answer with its extra headers, or null when the
 * client went away.
 */
async function run(config, state, ex) {
  const out = {};
  const started = process.hrtime.bigint();
  let answer;
  try {
    const admitted = ex.route === 'webhook' ? {} : await admit(config, state, ex, ex.route, out);
    answer =
      admitted.answer ??
      (ex.route === 'send'
        ? await sendRoute(config, state, ex, admitted.principal)
        : ex.route === 'validate'
          ? await validateRoute(config, state, ex, admitted.principal)
          : ex.route === 'delivery'
            ? await state.delivery.statusRoute(ex, admitted.principal)
            : await state.delivery.webhookRoute(ex));
  } catch (err) {
    if (err?.code === 'ECONNRESET' || err?.name === 'AbortError') answer = null;
    else {
      config.log(`${new Date().toISOString()} proxy internal error (${err?.name ?? 'unknown'})`);
      answer = errorAnswer('internal_error');
    }
  }
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  const method = /^[A-Z]{1,10}$/.test(ex.method) ? ex.method : 'OTHER';
  const path = ex.route === 'send' ? config.path : ex.route === 'validate' ? config.validatePath : deliveryLogPath(config, ex.route);
  const flags = `${answer?.replayed ? ' replayed' : ''}${answer?.cached ? ' cached' : ''}`;
  const outcome = ex.note.outcome ?? (answer === null ? 'aborted' : ex.route === 'send' ? 'refused' : 'lookup');
  // The audit line: who (a keyed hash), what happened, and Updox's messageId; no PHI.
  config.log(
    `${new Date().toISOString()} proxy ${method} ${path} ${answer ? answer.status : 'aborted'} id=${ex.note.requestId} ` +
      `patient=${ex.note.patientKey ? ex.note.patientKey.slice(0, 16) : '-'} outcome=${outcome} ` +
      `messageId=${ex.note.messageId ?? '-'} in=${ex.note.bytesIn}B out=${answer ? answer.body.length : 0}B ${ms.toFixed(1)}ms${flags}`,
  );
  if (!answer) return null;
  return { ...answer, headers: { ...out, 'X-Request-Id': ex.note.requestId, ...answer.headers } };
}

/** The response headers of an answer. */
function headersOf(answer) {
  const headers = { 'Cache-Control': 'no-store', 'X-Content-Type-Options': 'nosniff', ...answer.headers };
  if (answer.contentType) headers['Content-Type'] = answer.contentType;
  if (answer.replayed) headers['Idempotent-Replayed'] = 'true';
  return headers;
}

// ---- fetch handler -----------------------------------------------------------------------------

function webBodySource(request) {
  const reader = request.body ? request.body.getReader() : null;
  return {
    contentLength: contentLength(request.headers.get('content-length') ?? undefined),
    async next() {
      if (!reader) return null;
      const { done, value } = await reader.read();
      return done ? null : value;
    },
    stop() {
      try {
        reader?.releaseLock();
      } catch {
        // a read is pending: the client went away
      }
    },
  };
}

async function fetchHandler(config, state, request, context) {
  const url = new URL(request.url);
  const route = routeOf(config, url.pathname);
  const toResponse = (answer) =>
    new Response(answer.status === 204 ? null : answer.body, { status: answer.status, headers: headersOf(answer) });
  if (!route) return toResponse(errorAnswer('not_found'));
  const source = webBodySource(request);
  const answer = await run(config, state, {
    method: request.method,
    pathname: url.pathname,
    route,
    headers: request.headers,
    urlHost: url.host,
    // authorize() sees the method, URL and headers; the body is the proxy's to read.
    request: new Request(request.url, { method: request.method, headers: request.headers, signal: request.signal }),
    context,
    local: context?.local ?? null,
    source,
    note: { bytesIn: 0, requestId: randomUUID() },
  });
  source.stop();
  return toResponse(answer ?? errorAnswer('internal_error'));
}

// ---- Node adapter ------------------------------------------------------------------------------

function nodeBodySource(req) {
  const queue = [];
  let ended = false;
  let failure = null;
  let wake = null;
  const poke = () => {
    const w = wake;
    wake = null;
    w?.();
  };
  const onData = (chunk) => {
    queue.push(chunk);
    req.pause();
    poke();
  };
  const onEnd = () => {
    ended = true;
    poke();
  };
  const onGone = () => {
    if (!ended) failure = Object.assign(new Error('client went away'), { code: 'ECONNRESET' });
    poke();
  };
  req.on('data', onData);
  req.on('end', onEnd);
  req.on('error', onGone);
  req.on('close', onGone);
  return {
    contentLength: contentLength(req.headers['content-length']),
    async next() {
      for (;;) {
        if (queue.length) return queue.shift();
        if (ended) return null;
        if (failure) throw failure;
        req.resume();
        await new Promise((resolve) => {
          wake = resolve;
        });
      }
    },
    stop() {
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onGone);
      req.off('close', onGone);
    },
  };
}

/** After an early answer: discard (never hold) what the client still sends, then close. */
function discardRest(req, maxBytes) {
  let discarded = 0;
  const close = () => req.socket?.destroy();
  const timer = setTimeout(close, DISCARD_TIMEOUT_MS);
  timer.unref?.();
  req.on('data', (chunk) => {
    discarded += chunk.length;
    if (discarded > maxBytes) {
      clearTimeout(timer);
      close();
    }
  });
  req.once('end', () => clearTimeout(timer));
  req.once('close', () => clearTimeout(timer));
  req.resume();
}

function writeNode(res, answer) {
  if (res.destroyed || res.headersSent) return;
  const headers = headersOf(answer);
  headers['Content-Length'] = answer.body.length;
  if (answer.closeConnection) headers.Connection = 'close';
  res.writeHead(answer.status, headers);
  res.end(answer.body);
}

function nodeHandler(config, state, req, res, next) {
  let pathname = null;
  try {
    pathname = new URL(req.originalUrl ?? req.url, 'http://proxy.invalid').pathname;
  } catch {
    // not a path: not ours
  }
  const route = routeOf(config, pathname);
  if (!route) {
    if (typeof next === 'function') next();
    else {
      req.resume();
      writeNode(res, errorAnswer('not_found'));
    }
    return false;
  }
  if (req.readableEnded) {
    // A body parser mounted before the proxy has consumed the body.
    config.log(`${new Date().toISOString()} proxy: the request body was already read; mount the proxy before any body parser`);
    writeNode(res, errorAnswer('internal_error'));
    return true;
  }
  const host = req.headers.host;
  let request;
  try {
    const headers = new Headers();
    for (const [name, value] of Object.entries(req.headers)) {
      if (value !== undefined) headers.set(name, Array.isArray(value) ? value.join(', ') : value);
    }
    const base = /^[a-z0-9.:[\]-]+$/i.test(host ?? '') ? `http://${host}` : 'http://invalid.invalid';
    request = new Request(new URL(req.url, base), { method: req.method, headers });
  } catch {
    req.resume();
    writeNode(res, errorAnswer('invalid_request'));
    return true;
  }
  const source = nodeBodySource(req);
  const socket = req.socket;
  run(config, state, {
    method: req.method,
    pathname,
    route,
    headers: request.headers,
    urlHost: null,
    request,
    context: { req, res },
    local: socket?.localAddress
      ? { address: socket.localAddress, port: socket.localPort, defaultPort: socket.encrypted ? 443 : 80 }
      : null,
    source,
    note: { bytesIn: 0, requestId: randomUUID() },
  }).then((answer) => {
    source.stop();
    if (!answer) return;
    writeNode(res, answer);
    // A body that stopped arriving is not waited for: the connection is closed once answered.
    if (answer.closeConnection) res.once('finish', () => req.socket?.destroy());
    else if (!req.complete && !req.destroyed) discardRest(req, config.bodyLimit);
  });
  return true;
}

// ---- the public entry --------------------------------------------------------------------------

/**
 * Creates the proxy. Returns `handler(request, context?) -> Promise<Response>` (a fetch
 * handler) with `handler.node(req, res, next?)` for Node's http, Express and Fastify
 * (`reply.raw`), `handler.ready` (resolves when the stores are open; rejects with why not),
 * `handler.close()`, `handler.paths` {send, validate}, `handler.targets` and
 * `handler.store()` (the idempotency store). Throws, with a sentence saying why, when the
 * options would make an unsafe proxy (see resolveConfig).
 */
export function createUpdoxProxy(options = {}) {
  const config = resolveConfig(options);
  const state = openState(config);
  if (config.demo) {
    config.warn(
      'updox-direct proxy: DEMO MODE: no patient authentication, so senders are not bound to a patient ' +
        '(any page can send as any patient). Never use demo mode with real patients or Updox credentials.',
    );
  }
  const handler = (request, context) => fetchHandler(config, state, request, context);
  handler.node = (req, res, next) => nodeHandler(config, state, req, res, next);
  handler.ready = state.ready;
  handler.ready.catch(() => {});
  handler.paths = Object.freeze({ send: config.path, validate: config.validatePath, delivery: config.deliveryPath });
  // The path to register as Updox's inbound_mdn webhook (it holds the token: a secret), or null.
  handler.webhookPath = config.webhookToken ? config.webhookPath + config.webhookToken : null;
  handler.targets = Object.freeze({ send: config.sendTarget.href, validate: config.validateTarget.href });
  handler.demo = config.demo;
  handler.store = () => state.store.then((s) => s.store);
  // Listeners told {messageId, patientKey} when Updox accepts a message (delivery tracking).
  handler.onAccepted = (listener) => state.accepted.push(listener);
  handler.patientKey = (patientId) => patientKeyOf(config.serverSecret, patientId);
  handler.close = async () => {
    await state.delivery.close();
    const opened = await state.store.catch(() => null);
    if (opened?.owned) await opened.store.close();
    const redis = await state.redis?.catch(() => null);
    await redis?.close();
  };
  return handler;
}

/**
 * The Node adapter `(req, res, next?)` of a proxy made by createUpdoxProxy (or of any fetch
 * handler: the request is then converted, and its response written back).
 */
export function toNodeHandler(handler) {
  if (typeof handler?.node === 'function') return handler.node;
  return (req, res, next) => {
    const headers = new Headers();
    for (const [name, value] of Object.entries(req.headers)) {
      if (value !== undefined) headers.set(name, Array.isArray(value) ? value.join(', ') : value);
    }
    const hasBody = req.method !== 'GET' && req.method !== 'HEAD';
    const request = new Request(new URL(req.url, `http://${req.headers.host ?? 'localhost'}`), {
      method: req.method,
      headers,
      body: hasBody ? req : undefined,
      duplex: 'half',
    });
    Promise.resolve(handler(request, { req, res }))
      .then(async (response) => {
        res.writeHead(response.status, Object.fromEntries(response.headers));
        res.end(Buffer.from(await response.arrayBuffer()));
      })
      .catch((err) => (typeof next === 'function' ? next(err) : res.destroy(err)));
  };
}
