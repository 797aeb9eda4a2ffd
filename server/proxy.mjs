// Reference proxy: what a patient portal's backend does for the updox-direct page.
//
//   POST /api/updox/PatientDirectMessageSend   (path configurable)
//     1. only `application/json`, body up to 30 MiB (413 above), a JSON object (400 otherwise)
//     2. drops any `auth` block the browser sent and adds the server's credentials
//     3. forwards to UPDOX_BASE_URL + '/PatientDirectMessageSend'; Updox's answer (status and
//        body) passes through unchanged; 504 on timeout, 502 when Updox cannot be reached
//     4. Idempotency-Key: the first request for a key goes to Updox, repeats get the first
//        answer (header `Idempotent-Replayed: true`), concurrent repeats wait for it; the
//        key with another body -> 422. A key is released (a retry may go through) only when
//        the first attempt provably never reached Updox (no connection was made).
//
// Errors of the proxy itself are JSON: {"error": "<code>", "message": "<plain English>"}.
// Logs: one line per request with method, path, status, sizes and duration; never bodies,
// names, addresses, credentials or idempotency keys.
//
// A real portal must also authenticate the patient, bind `from`/`patientId` to the
// logged-in patient (see `keyScope` for scoping idempotency keys to a session) and
// rate-limit. Environment variables (options override them):
//   UPDOX_BASE_URL               e.g. https://updoxqa.com/api/io (required unless baseUrl given)
//   UPDOX_APPLICATION_ID, UPDOX_APPLICATION_PASSWORD, UPDOX_ACCOUNT_ID, UPDOX_USER_ID
//                                (default: the mock's demo credentials)
//   UPDOX_UPSTREAM_TIMEOUT_MS    default 60000
//   UPDOX_PROXY_CORS_ORIGINS     comma-separated allowed origins (default: same-origin only)
//   UPDOX_IDEMPOTENCY_REDIS_URL  shared idempotency store for several instances (see
//                                idempotency-redis.mjs); default: in memory
//   UPDOX_IDEMPOTENCY_TTL_MS     how long a key's answer is remembered, default 600000
import http from 'node:http';
import https from 'node:https';
import { createHash } from 'node:crypto';
import { pathToFileURL } from 'node:url';
import { createMemoryIdempotencyStore } from './idempotency-memory.mjs';
import { DEMO_AUTH } from './mock-updox.mjs';

export const DEFAULT_PATH = '/api/updox/PatientDirectMessageSend';
const KiB = 1024;
const MiB = 1024 * KiB;


export const CORS_ALLOWED_HEADERS = 'Content-Type, Idempotency-Key, X-CSRF-Token, X-Requested-With, Accept';

/** Messages of the proxy's own JSON errors, by machine code. */
export const ERRORS = Object.freeze({
  method_not_allowed: [405, 'Only POST is accepted here.'],
  origin_not_allowed: [403, 'This origin is not allowed to call the proxy.'],
  unsupported_media_type: [415, 'The request body must be JSON (Content-Type: application/json).'],
  payload_too_large: [413, 'The request is too large.'],
  invalid_json: [400, 'The request body must be a JSON object.'],
  invalid_idempotency_key: [400, 'The Idempotency-Key header must be 1 to 255 visible ASCII characters.'],
  idempotency_key_required: [400, 'An Idempotency-Key header is required.'],
  idempotency_key_reused: [422, 'This Idempotency-Key was already used with a different request.'],
  request_in_progress: [409, 'A request with this Idempotency-Key is still being processed; try again shortly.'],
  idempotency_store_full: [503, 'The proxy is busy; try again shortly.'],
  idempotency_unavailable: [503, 'The proxy cannot guarantee single delivery right now; nothing was sent. Try again shortly.'],
  upstream_unreachable: [502, 'Updox could not be reached; nothing was sent.'],
  upstream_connection_lost: [502, 'The connection to Updox was lost after the message was sent; it may or may not have been delivered.'],
  upstream_response_too_large: [502, 'Updox sent an answer too large to relay.'],
  upstream_timeout: [504, 'Updox did not answer in time; the message may or may not have been delivered.'],
  answer_not_replayable: [502, 'The first request with this Idempotency-Key reached Updox, but its answer was too large to keep.'],
  internal_error: [500, 'The proxy failed unexpectedly.'],
});

/** An answer (what is sent to the browser and remembered for an idempotency key). */
export function errorAnswer(code, message = ERRORS[code][1]) {
  return {
    status: ERRORS[code][0],
    contentType: 'application/json; charset=utf-8',
    body: Buffer.from(JSON.stringify({ error: code, message })),
  };
}

const parseList = (text) =>
  String(text ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);

const sha256 = (data) => createHash('sha256').update(data).digest('hex');

/** What the idempotency store sees of a key: a hash, never the key itself. */
export const idempotencyStoreKey = (scope, key) => sha256(`${scope}\0${key}`);
/** What the idempotency store sees of a body: its SHA-256. */
export const bodyFingerprint = (raw) => sha256(raw);

function positiveNumber(value, fallback) {
  const n = Number(value);
  return value !== undefined && value !== '' && Number.isFinite(n) && n > 0 ? n : fallback;
}

function isSameOrigin(origin, host) {
  try {
    const o = new URL(origin);
    const defaultPort = o.protocol === 'https:' ? ':443' : ':80';
    const h = String(host ?? '').toLowerCase();
    return o.host === h || `${o.host}${defaultPort}` === h;
  } catch {
    return false;
  }
}

/** Reads the request body up to `limit` bytes; bigger bodies are drained and reported. */
function readBody(req, limit) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    let size = 0;
    let tooLarge = Number(req.headers['content-length']) > limit;
    req.on('data', (chunk) => {
      size += chunk.length;
      if (size > limit) tooLarge = true;
      if (tooLarge) chunks.length = 0;
      else chunks.push(chunk);
      if (size > 2 * limit + MiB) req.destroy(); // do not drain forever
    });
    req.on('end', () => resolve({ size, body: tooLarge ? null : Buffer.concat(chunks) }));
    req.on('close', () => {
      if (!req.complete) reject(Object.assign(new Error('client went away'), { code: 'ECONNRESET' }));
    });
    req.on('error', reject);
  });
}

/** Chooses the idempotency store: options.store, Redis when configured, else memory. */
async function openStore(options, env, timeoutMs) {
  if (options.store) return { store: options.store, owned: false };
  const ttlMs = positiveNumber(options.idempotencyTtlMs ?? env.UPDOX_IDEMPOTENCY_TTL_MS, 10 * 60 * 1000);
  const redisUrl = options.redisUrl ?? env.UPDOX_IDEMPOTENCY_REDIS_URL;
  if (redisUrl) {
    const { createRedisIdempotencyStore } = await import('./idempotency-redis.mjs');
    // A claim outlives any upstream call, then expires if its instance died.
    const inFlightTtlMs = options.idempotencyInFlightTtlMs ?? 2 * timeoutMs + 10000;
    const store = createRedisIdempotencyStore({ url: redisUrl, ttlMs, inFlightTtlMs });
    return { store, owned: true };
  }
  const store = createMemoryIdempotencyStore({ ttlMs, maxEntries: options.idempotencyMaxEntries });
  return { store, owned: true };
}

/** Resolves options and environment into the proxy's settings (validated once, at creation). */
function resolveConfig(options) {
  const env = options.env ?? process.env;
  const baseUrl = String(options.baseUrl ?? env.UPDOX_BASE_URL ?? '').replace(/\/+$/, '');
  if (!baseUrl) throw new Error('createProxy: set baseUrl or UPDOX_BASE_URL');
  const target = new URL(`${baseUrl}/PatientDirectMessageSend`);
  if (target.protocol !== 'http:' && target.protocol !== 'https:') {
    throw new Error('createProxy: the Updox base URL must be http(s)');
  }
  const timeoutMs = positiveNumber(options.timeoutMs ?? env.UPDOX_UPSTREAM_TIMEOUT_MS, 60000);
  return {
    env,
    path: options.path ?? DEFAULT_PATH,
    target,
    serverAuth: {
      applicationId: options.auth?.applicationId ?? env.UPDOX_APPLICATION_ID ?? DEMO_AUTH.applicationId,
      applicationPassword:
        options.auth?.applicationPassword ?? env.UPDOX_APPLICATION_PASSWORD ?? DEMO_AUTH.applicationPassword,
      accountId: options.auth?.accountId ?? env.UPDOX_ACCOUNT_ID ?? DEMO_AUTH.accountId,
      userId: options.auth?.userId ?? env.UPDOX_USER_ID ?? DEMO_AUTH.userId,
    },
    timeoutMs,
    bodyLimit: options.bodyLimit ?? 30 * MiB,
    corsOrigins: new Set(options.corsOrigins ?? parseList(env.UPDOX_PROXY_CORS_ORIGINS)),
    log: options.quiet ? () => {} : (options.log ?? ((line) => console.log(line))),
    maxAnswerBytes: options.maxAnswerBytes ?? 64 * KiB,
    maxUpstreamBytes: options.maxUpstreamBytes ?? 8 * MiB,
    requireIdempotencyKey: Boolean(options.requireIdempotencyKey),
    keyScope: options.keyScope ?? (() => ''),
    waitMs: options.idempotencyWaitMs ?? timeoutMs + 5000,
  };
}

/** Sends `payload` to Updox; resolves {kind: 'answer'|'unreachable'|'timeout'|'lost'|'too_large'}. */
function forward(config, payload, key) {
  const { target, timeoutMs, maxUpstreamBytes } = config;
  return new Promise((resolve) => {
    let connected = false;
    let settled = false;
    const settle = (result) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(result);
    };
    const headers = {
      'Content-Type': 'application/json',
      'Content-Length': Buffer.byteLength(payload),
      Accept: 'application/json',
    };
    if (key) headers['Idempotency-Key'] = key;
    const transport = target.protocol === 'https:' ? https : http;
    // agent: false = a fresh connection per send, so a stale keep-alive socket can never
    // make "did Updox get it?" ambiguous.
    const upstream = transport.request(target, { method: 'POST', headers, agent: false }, (upRes) => {
      const chunks = [];
      let size = 0;
      upRes.on('data', (chunk) => {
        size += chunk.length;
        if (size > maxUpstreamBytes) {
          upstream.destroy();
          settle({ kind: 'too_large' });
        } else chunks.push(chunk);
      });
      upRes.on('end', () =>
        settle({
          kind: 'answer',
          answer: { status: upRes.statusCode, contentType: upRes.headers['content-type'], body: Buffer.concat(chunks) },
        }),
      );
      upRes.on('aborted', () => settle({ kind: 'lost' }));
      upRes.on('error', () => settle({ kind: 'lost' }));
    });
    upstream.on('socket', (socket) => {
      socket.once(target.protocol === 'https:' ? 'secureConnect' : 'connect', () => {
        connected = true;
      });
    });
    const timer = setTimeout(() => {
      settle({ kind: 'timeout', connected });
      upstream.destroy();
    }, timeoutMs);
    upstream.on('error', () => settle({ kind: connected ? 'lost' : 'unreachable' }));
    upstream.on('close', () => settle({ kind: connected ? 'lost' : 'unreachable' }));
    upstream.end(payload);
  });
}

/** Forwards and turns the outcome into an answer; `remember` says whether a retry must not resend. */
async function callUpdox(config, payload, key) {
  const result = await forward(config, payload, key);
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

/**
 * The checks before a request may be read: origin, preflight, method, media type. Returns an
 * answer when the request stops here, or null when the body may be read.
 */
function admit(config, req, res) {
  const { corsOrigins } = config;
  const origin = req.headers.origin;
  const allowed = origin !== undefined && corsOrigins.has(origin);
  if (allowed) {
    res.setHeader('Access-Control-Allow-Origin', origin);
    res.setHeader('Access-Control-Expose-Headers', 'Idempotent-Replayed');
  }
  if (corsOrigins.size > 0) res.setHeader('Vary', 'Origin');
  if (origin !== undefined && !allowed && !isSameOrigin(origin, req.headers.host)) {
    return errorAnswer('origin_not_allowed');
  }
  if (req.method === 'OPTIONS') {
    res.setHeader('Allow', 'POST, OPTIONS');
    if (allowed) {
      res.setHeader('Access-Control-Allow-Methods', 'POST, OPTIONS');
      res.setHeader('Access-Control-Allow-Headers', CORS_ALLOWED_HEADERS);
      res.setHeader('Access-Control-Max-Age', '600');
    }
    return { status: 204, body: Buffer.alloc(0) };
  }
  if (req.method !== 'POST') {
    res.setHeader('Allow', 'POST, OPTIONS');
    return errorAnswer('method_not_allowed');
  }
  const mediaType = String(req.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
  if (mediaType !== 'application/json') return errorAnswer('unsupported_media_type');
  return null;
}

/**
 * Sends a keyed request at most once: the first request for (scope, key) goes to Updox,
 * repeats get its answer. Returns the answer for this request.
 */
async function sendOnce(config, storeReady, { storeKey, fingerprint, payload, key }, res) {
  const { log, maxAnswerBytes, waitMs } = config;
  let store;
  try {
    ({ store } = await storeReady);
  } catch {
    return errorAnswer('idempotency_unavailable');
  }
  for (let attempt = 0; attempt < 3; attempt++) {
    let claim;
    try {
      claim = await store.claim(storeKey, fingerprint);
    } catch {
      return errorAnswer('idempotency_unavailable');
    }
    if (claim.state === 'mismatch') return errorAnswer('idempotency_key_reused');
    if (claim.state === 'full') {
      res.setHeader('Retry-After', '1');
      return errorAnswer('idempotency_store_full');
    }
    if (claim.state === 'completed') return { ...claim.answer, replayed: true };
    if (claim.state === 'in_flight') {
      const answer = await store.wait(storeKey, waitMs).catch(() => null);
      if (answer) return { ...answer, replayed: true };
      continue; // released or expired: try to claim again
    }
    // claimed: this request is the one that goes to Updox.
    const { answer, remember } = await callUpdox(config, payload, key);
    try {
      if (!remember) await store.release(storeKey);
      else await store.complete(storeKey, answer.body.length <= maxAnswerBytes ? answer : errorAnswer('answer_not_replayable'));
    } catch {
      log(`${new Date().toISOString()} proxy idempotency store error (the claim will expire)`);
    }
    return answer;
  }
  return errorAnswer('request_in_progress');
}

/** One request on the route, from admission to the answer (not yet written). */
async function handle(config, storeReady, req, res, note) {
  const refused = admit(config, req, res);
  if (refused) {
    req.resume();
    return refused;
  }
  const { size, body: raw } = await readBody(req, config.bodyLimit);
  note.bytesIn = size;
  if (raw === null) return errorAnswer('payload_too_large');
  let parsed;
  try {
    parsed = JSON.parse(raw.toString('utf8'));
  } catch {
    parsed = null;
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) return errorAnswer('invalid_json');
  const { auth: _browserAuth, ...message } = parsed; // never forward browser-sent credentials
  const payload = JSON.stringify({ ...message, auth: config.serverAuth });

  const key = req.headers['idempotency-key'];
  if (key === undefined) {
    if (config.requireIdempotencyKey) return errorAnswer('idempotency_key_required');
    return (await callUpdox(config, payload)).answer;
  }
  if (!/^[\x21-\x7e]{1,255}$/.test(key)) return errorAnswer('invalid_idempotency_key');
  // The store sees a hash of (scope, key) and a hash of the body: nothing from the message.
  const storeKey = idempotencyStoreKey(config.keyScope(req), key);
  return sendOnce(config, storeReady, { storeKey, fingerprint: bodyFingerprint(raw), payload, key }, res);
}

function respond(res, answer, note) {
  if (res.destroyed || res.headersSent) return;
  note.bytesOut = answer.body.length;
  const headers = { 'Cache-Control': 'no-store', 'X-Content-Type-Options': 'nosniff' };
  if (answer.contentType) headers['Content-Type'] = answer.contentType;
  if (answer.replayed) headers['Idempotent-Replayed'] = 'true';
  headers['Content-Length'] = answer.body.length;
  res.writeHead(answer.status, headers);
  res.end(answer.body);
}

/** Logs one line when the exchange ends: method, path, status, sizes, duration; never content. */
function logWhenDone(config, req, res, note) {
  const started = process.hrtime.bigint();
  res.once('close', () => {
    const ms = Number(process.hrtime.bigint() - started) / 1e6;
    const method = /^[A-Z]{1,10}$/.test(req.method) ? req.method : 'OTHER';
    const status = res.writableFinished ? res.statusCode : 'aborted';
    config.log(
      `${new Date().toISOString()} proxy ${method} ${config.path} ${status} in=${note.bytesIn}B out=${note.bytesOut}B ` +
        `${ms.toFixed(1)}ms${note.replayed ? ' replayed' : ''}`,
    );
  });
}

/**
 * Creates the proxy's request handler: `handler(req, res, next?)` returns true when it took
 * the request, or false (after calling `next()` if given) when the path is not its route.
 * Options: path, baseUrl, auth {applicationId, applicationPassword, accountId, userId},
 * timeoutMs, bodyLimit (30 MiB), corsOrigins [], env (process.env), quiet, log(line),
 * store, redisUrl, idempotencyTtlMs (10 min; env UPDOX_IDEMPOTENCY_TTL_MS), idempotencyMaxEntries (10000),
 * maxAnswerBytes (64 KiB, the largest answer remembered), maxUpstreamBytes (8 MiB),
 * requireIdempotencyKey (false), keyScope(req) -> string (e.g. the portal session's user),
 * idempotencyWaitMs (how long a repeat waits for the first; timeoutMs + 5 s),
 * idempotencyInFlightTtlMs (Redis only: when an abandoned claim expires; 2 x timeoutMs + 10 s).
 * `handler.close()` closes the idempotency store it opened.
 */
export function createProxy(options = {}) {
  const config = resolveConfig(options);
  const storeReady = openStore(options, config.env, config.timeoutMs);
  storeReady.catch(() => {}); // reported per request

  function handler(req, res, next) {
    let pathname;
    try {
      pathname = new URL(req.url, 'http://proxy.invalid').pathname;
    } catch {
      pathname = null;
    }
    if (pathname !== config.path) {
      if (typeof next === 'function') next();
      return false;
    }
    const note = { bytesIn: 0, bytesOut: 0, replayed: false };
    logWhenDone(config, req, res, note);
    handle(config, storeReady, req, res, note)
      .catch((err) => (err?.code === 'ECONNRESET' ? null : errorAnswer('internal_error')))
      .then((answer) => {
        if (!answer) return;
        note.replayed = Boolean(answer.replayed);
        respond(res, answer, note);
      });
    return true;
  }

  handler.path = config.path;
  handler.target = config.target.href;
  handler.store = () => storeReady.then((s) => s.store);
  handler.close = async () => {
    const { store, owned } = await storeReady.catch(() => ({}));
    if (owned) await store.close();
  };
  return handler;
}

/**
 * Starts the proxy on its own server (tests, or `node server/proxy.mjs`). Without baseUrl
 * and UPDOX_BASE_URL it also starts the mock Updox and forwards to it.
 * Resolves {url, routeUrl, server, handler, mock?, close()}.
 */
export async function startProxy({ port = 0, host = '127.0.0.1', ...options } = {}) {
  const env = options.env ?? process.env;
  let mock;
  if (!options.baseUrl && !env.UPDOX_BASE_URL) {
    const { startMockUpdox } = await import('./mock-updox.mjs');
    mock = await startMockUpdox();
    options = { ...options, baseUrl: mock.baseUrl };
  }
  const handler = createProxy(options);
  const server = http.createServer((req, res) => {
    if (!handler(req, res)) {
      req.resume();
      res.writeHead(404, { 'Content-Type': 'application/json; charset=utf-8' });
      res.end(JSON.stringify({ error: 'not_found', message: 'No such route.' }));
    }
  });
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, resolve);
  });
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${server.address().port}`;
  return {
    url,
    routeUrl: url + handler.path,
    server,
    handler,
    mock,
    close: async () => {
      await new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      await handler.close();
      if (mock) await mock.close();
    },
  };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  let proxy;
  const stop = () => (proxy ? proxy.close() : Promise.resolve()).then(() => process.exit(0));
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  proxy = await startProxy({ port: Number(process.env.PORT ?? 8081), host: process.env.HOST || '127.0.0.1' });
  console.log(`updox-direct proxy: ${proxy.routeUrl} -> ${proxy.handler.target}`);
}
