// updox-direct/proxy: the server side of updox-direct, as a Web-standard fetch handler
// `(request: Request) => Promise<Response>` with a Node `(req, res, next?)` adapter.
//
//   POST <path>          (default /api/updox/PatientDirectMessageSend)  a patient's message
//   POST <validatePath>  (default /api/updox/DirectAddressValidate)     {"recipient": address}
//   POST <deliveryPath>  (default /api/updox/MdnStatusList)             {"messageId": n}
//   POST <webhookPath><token> (when webhookToken is set)               Updox's inbound_mdn
//
// For each request, in order: Host allow-list (421), origin / CORS (403; OPTIONS answered),
// method (405), media type (415), patient authentication (401), rate limit (429), then the
// route: a send's Idempotency-Key (400), body within the limits (413, 503 proxy_busy), JSON
// (400), sender bound to the patient (403), idempotency (422, 409, 503), and Updox. No other
// Updox method is reachable. Logs: one line per request, never content, names, addresses,
// credentials or keys.
import { createAuthenticator } from './authenticate.mjs';
import { InFlightBudget, contentLength, readBody } from './body.mjs';
import { DEFAULT_PATH, DEFAULT_VALIDATE_PATH, optionsFromEnv, resolveConfig } from './config.mjs';
import { ERRORS, errorAnswer } from './errors.mjs';
import { hostAllowed, isSameOrigin } from './hosts.mjs';
import { fingerprint, idempotencySecrets, openAnswer, sealAnswer } from './idempotency.mjs';
import { createMemoryIdempotencyStore } from './idempotency-memory.mjs';
import { acceptedMessageId, createDelivery, deliveryLogPath, deliveryRouteOf } from './delivery.mjs';
import { BodyShapeError, readSendBody, senderIs, withServerAuth } from './message.mjs';
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
  const budget = new InFlightBudget(config.maxInFlightBytes);
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
  };
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
  if (origin !== null && !listed && !isSameOrigin(origin, host)) return { answer: errorAnswer('origin_not_allowed') };
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
  const principal = await state.authenticate(ex.request, ex.context);
  if (!principal) return { answer: errorAnswer('unauthorized') };
  let limited;
  try {
    limited = await state.limits[route](principal.patientId ?? 'demo');
  } catch {
    return { answer: errorAnswer('proxy_busy', { 'Retry-After': '1' }) };
  }
  if (limited) return { answer: errorAnswer('rate_limited', { 'Retry-After': String(limited.retryAfterSec) }) };
  return { principal };
}

// ---- Updox --------------------------------------------------------------------------------

/** Forwards and turns the outcome into an answer; `remember` says whether a retry must not resend. */
async function callUpdox(config, target, segments, idempotencyKey) {
  const result = await postToUpdox(target, segments, {
    timeoutMs: config.timeoutMs,
    maxAnswerBytes: config.maxUpstreamBytes,
    idempotencyKey,
  });
  switch (result.kind) {
    case 'answer':
      return { answer: result.answer, remember: true };
    case 'unreachable':
      return { answer: errorAnswer('upstream_unreachable'), remember: false };
    case 'timeout':
      return { answer: errorAnswer('upstream_timeout'), remember: result.connected };
    case 'too_large':
      return { answer: errorAnswer('upstream_response_too_large'), remember: true };
    default:
      return { answer: errorAnswer('upstream_connection_lost'), remember: true };
  }
}

/** Forwards a send; a message Updox accepted is recorded for its delivery status. */
async function forwardSend(config, state, segments, key, scope) {
  const result = await callUpdox(config, config.sendTarget, segments, key);
  await state.delivery.recordAccepted(acceptedMessageId(result.answer), scope);
  return result;
}

/**
 * Sends a keyed request at most once: the first request for (scope, key) goes to Updox,
 * repeats get its answer. A repeat that finds the key in flight waits up to
 * idempotencyWaitMs for the answer, then gets 409 `request_in_progress`; if the claim goes
 * away meanwhile (released, or expired because its instance died) the repeat claims the key.
 */
async function sendOnce(config, state, { key, scope, raw, segments }) {
  let store;
  try {
    ({ store } = await state.store);
  } catch {
    return errorAnswer('idempotency_unavailable');
  }
  const secrets = idempotencySecrets(scope, key);
  const fp = fingerprint(secrets, raw);
  const replay = (sealed) => {
    const answer = openAnswer(secrets, sealed);
    return answer ? { ...answer, replayed: true } : errorAnswer('answer_not_replayable');
  };
  const deadline = Date.now() + config.idempotencyWaitMs;
  for (let attempt = 0; attempt < 3; attempt++) {
    let claim;
    try {
      claim = await store.claim(secrets.storeKey, fp);
    } catch {
      return errorAnswer('idempotency_unavailable');
    }
    if (claim.state === 'mismatch') return errorAnswer('idempotency_key_reused');
    if (claim.state === 'full') return errorAnswer('idempotency_store_full', { 'Retry-After': '1' });
    if (claim.state === 'completed') return replay(claim.answer);
    if (claim.state === 'in_flight') {
      let waited;
      try {
        waited = await store.wait(secrets.storeKey, Math.max(0, deadline - Date.now()));
      } catch {
        return errorAnswer('idempotency_unavailable');
      }
      if (waited.state === 'completed') return replay(waited.answer);
      if (waited.state === 'gone') continue;
      return errorAnswer('request_in_progress');
    }
    // claimed: this request is the one that goes to Updox.
    const { answer, remember } = await forwardSend(config, state, segments, key, scope);
    try {
      if (!remember) await store.release(secrets.storeKey, claim.token);
      else {
        const kept = answer.body.length <= config.maxAnswerBytes ? answer : errorAnswer('answer_not_replayable');
        if (!(await store.complete(secrets.storeKey, claim.token, sealAnswer(secrets, kept)))) {
          config.log(`${new Date().toISOString()} proxy idempotency claim expired before the answer; answer not kept`);
        }
      }
    } catch {
      config.log(`${new Date().toISOString()} proxy idempotency store error (the claim will expire)`);
    }
    return answer;
  }
  return errorAnswer('request_in_progress');
}

// ---- the two routes ----------------------------------------------------------------------

async function sendRoute(config, state, ex, principal) {
  const key = ex.headers.get('idempotency-key');
  if (key === null && config.requireIdempotencyKey) return errorAnswer('idempotency_key_required');
  if (key !== null && !KEY_PATTERN.test(key)) return errorAnswer('invalid_idempotency_key');
  const lease = { bytes: 0 };
  try {
    const read = await readBody(ex.source, { limit: config.bodyLimit, budget: state.budget, lease });
    ex.note.bytesIn = read.size;
    if (read.refused) return errorAnswer(read.refused, read.refused === 'proxy_busy' ? { 'Retry-After': '1' } : undefined);
    const raw = read.body;
    let body;
    try {
      body = readSendBody(raw);
    } catch (err) {
      return errorAnswer(err instanceof BodyShapeError ? 'invalid_request' : 'invalid_json');
    }
    if (principal.patientId !== null && !senderIs(body, principal.patientId)) return errorAnswer('sender_mismatch');
    const segments = withServerAuth(raw, body, config.authJson); // browser-sent auth is never forwarded
    if (key === null) return (await forwardSend(config, state, segments, undefined, principal.scope)).answer;
    return await sendOnce(config, state, { key, scope: principal.scope, raw, segments });
  } finally {
    state.budget.give(lease.bytes);
  }
}

async function validateRoute(config, state, ex, principal) {
  const lease = { bytes: 0 };
  let read;
  try {
    read = await readBody(ex.source, { limit: config.validateBodyLimit, budget: state.budget, lease });
  } finally {
    state.budget.give(lease.bytes);
  }
  ex.note.bytesIn = read.size;
  if (read.refused) return errorAnswer(read.refused, read.refused === 'proxy_busy' ? { 'Retry-After': '1' } : undefined);
  const { recipient, error } = recipientOf(read.body);
  if (error) return errorAnswer(error);
  const ck = cacheKey(principal.scope, recipient);
  const cached = state.cache.get(ck);
  if (cached) return { ...cached, cached: true };
  let lookup = state.pending.get(ck);
  if (!lookup) {
    const payload = Buffer.from(`{"recipient":${JSON.stringify(recipient)},"auth":${config.authJson}}`);
    lookup = callUpdox(config, config.validateTarget, [payload]).then(({ answer }) => {
      if (isCacheable(answer)) state.cache.set(ck, answer);
      return answer;
    });
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
  config.log(
    `${new Date().toISOString()} proxy ${method} ${path} ${answer ? answer.status : 'aborted'} in=${ex.note.bytesIn}B ` +
      `out=${answer ? answer.body.length : 0}B ${ms.toFixed(1)}ms${flags}`,
  );
  if (!answer) return null;
  return { ...answer, headers: { ...out, ...answer.headers } };
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
    note: { bytesIn: 0 },
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
    note: { bytesIn: 0 },
  }).then((answer) => {
    source.stop();
    if (!answer) return;
    writeNode(res, answer);
    if (!req.complete && !req.destroyed) discardRest(req, config.bodyLimit);
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
