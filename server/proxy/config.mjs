// The proxy's options: defaults, checks, and the environment variables of the standalone
// runner. A proxy that would forward unauthenticated senders refuses to start.

import { deliveryOptionsFromEnv, resolveDeliveryConfig } from './delivery-config.mjs';
import { randomBytes } from 'node:crypto';

const KiB = 1024;
const MiB = 1024 * KiB;

export const DEFAULT_PATH = '/api/updox/PatientDirectMessageSend';
export const DEFAULT_VALIDATE_PATH = '/api/updox/DirectAddressValidate';

/** Per patient: a person never meets these by writing messages; a script does. */
export const DEFAULT_RATE_LIMITS = Object.freeze({
  send: Object.freeze({ points: 60, duration: 3600 }),
  validate: Object.freeze({ points: 600, duration: 3600 }),
  // Polling one message's delivery status with backoff asks about 65 times an hour.
  delivery: Object.freeze({ points: 1200, duration: 3600 }),
});
/** Demo mode keeps the limiter on, high enough that a demo is never throttled. */
export const DEMO_RATE_LIMITS = Object.freeze({
  send: Object.freeze({ points: 100000, duration: 60 }),
  validate: Object.freeze({ points: 100000, duration: 60 }),
  delivery: Object.freeze({ points: 100000, duration: 60 }),
});

export const DEFAULTS = Object.freeze({
  timeoutMs: 60000,
  bodyLimit: 30 * MiB,
  // A 512 MB container: about 60 MB for Node itself, 256 MiB of bodies, the rest headroom.
  maxInFlightBytes: 256 * MiB,
  // A key outlives any resend a patient or the module makes; an answer is replayed all that time.
  idempotencyTtlMs: 24 * 60 * 60 * 1000,
  idempotencyMaxEntries: 100000,
  idempotencyMaxBytes: 128 * MiB,
  maxAnswerBytes: 64 * KiB,
  maxUpstreamBytes: 8 * MiB,
  validateCacheTtlMs: 10 * 60 * 1000,
  validateCacheMaxEntries: 10000,
  validateBodyLimit: 4 * KiB,
  // One patient may hold two full bodies at once; the rest of the budget stays others'.
  maxInFlightBytesPerPatient: 60 * MiB,
  // A body that stops arriving: cut after this long without a byte, or when it averages
  // less than the minimum rate once the grace period is over.
  bodyIdleTimeoutMs: 10000,
  bodyMinBytesPerSec: 8 * KiB,
  bodyRateGraceMs: 10000,
  jwtMaxTokenAgeSec: 12 * 60 * 60,
});

/** The shortest key life accepted: a resend a day later is still answered, never re-sent. */
export const MIN_IDEMPOTENCY_TTL_MS = 24 * 60 * 60 * 1000;

const AUTH_FIELDS = ['applicationId', 'applicationPassword', 'accountId', 'userId'];

function fail(sentence) {
  throw new Error(`updox-direct/proxy: ${sentence}`);
}

const LOOPBACK_HOSTNAMES = new Set(['localhost', '[::1]', '::1']);

/** True for a URL hostname that can only be this machine. */
export function isLoopbackHostname(hostname) {
  const h = String(hostname).toLowerCase();
  return LOOPBACK_HOSTNAMES.has(h) || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h);
}

/**
 * The server secret keying every hash and seal at rest. Shared stores (Redis, a custom
 * store) outlive a process and are read by every instance, so they need the configured one;
 * the memory store dies with the process, so a random one does.
 */
function serverSecretFrom(value, shared) {
  if (value === undefined || value === null || value === '') {
    if (shared) {
      fail(
        'serverSecret is required with redisUrl or a custom store (UPDOX_PROXY_SERVER_SECRET; the same random value, ' +
          'at least 32 bytes, on every instance): without it, what the store holds could be linked to patients',
      );
    }
    return randomBytes(32);
  }
  if (typeof value !== 'string' || Buffer.byteLength(value) < 32) fail('serverSecret must be a string of at least 32 bytes');
  return Buffer.from(value);
}

function positive(name, value, fallback) {
  if (value === undefined || value === null) return fallback;
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) fail(`${name} must be a positive number`);
  return n;
}

function limitsFrom(name, given, fallback) {
  if (given === undefined) return fallback;
  const points = positive(`${name}.points`, given?.points, NaN);
  const duration = positive(`${name}.duration`, given?.duration, NaN);
  if (!Number.isInteger(points) || !Number.isInteger(duration)) fail(`${name} needs whole numbers of points and seconds`);
  return { points, duration };
}

/** Resolves the options; throws an Error with a sentence saying what is wrong. */
export function resolveConfig(options = {}) {
  const baseUrl = String(options.baseUrl ?? '').replace(/\/+$/, '');
  if (!baseUrl) fail('set baseUrl, the Updox API base URL (e.g. https://updoxqa.com/api/io)');
  let sendTarget;
  let validateTarget;
  try {
    sendTarget = new URL(`${baseUrl}/PatientDirectMessageSend`);
    validateTarget = new URL(`${baseUrl}/DirectAddressValidate`);
  } catch {
    fail('baseUrl is not a URL');
  }
  if (sendTarget.protocol !== 'http:' && sendTarget.protocol !== 'https:') fail('baseUrl must be http(s)');
  const upstreamIsLocal = isLoopbackHostname(sendTarget.hostname);
  if (sendTarget.protocol === 'http:' && !upstreamIsLocal) {
    fail(`baseUrl must be https: ${sendTarget.host} would receive messages and Updox credentials in clear text (plain http only on a loopback address)`);
  }
  const auth = options.auth;
  if (!auth || !AUTH_FIELDS.every((f) => typeof auth[f] === 'string' && auth[f] !== '')) {
    fail('auth needs the Updox credentials: applicationId, applicationPassword, accountId and userId (the package has none built in)');
  }
  const jwt = options.jwt ?? null;
  if (jwt) {
    const hasSecret = jwt.secret !== undefined;
    if (hasSecret === (jwt.jwksUrl !== undefined)) fail('jwt needs exactly one of secret (HS256) or jwksUrl (RS256/ES256)');
    if (hasSecret && (typeof jwt.secret !== 'string' || Buffer.byteLength(jwt.secret) < 32)) {
      fail('jwt.secret must be at least 32 bytes (256 bits) for HS256');
    }
    if (!hasSecret) {
      let jwks;
      try {
        jwks = new URL(jwt.jwksUrl);
      } catch {
        fail('jwt.jwksUrl is not a URL');
      }
      if (jwks.protocol !== 'https:' && !(jwks.protocol === 'http:' && isLoopbackHostname(jwks.hostname))) {
        fail('jwt.jwksUrl must be https (plain http only on a loopback address): keys fetched in clear text can be replaced');
      }
      if (typeof jwt.issuer !== 'string' || jwt.issuer === '') {
        fail('jwt.issuer is required with jwt.jwksUrl: without it, a token from any issuer using the same keys is accepted');
      }
    }
    const audiences = Array.isArray(jwt.audience) ? jwt.audience : [jwt.audience];
    if (!audiences.length || !audiences.every((a) => typeof a === 'string' && a !== '')) {
      fail('jwt.audience is required (the `aud` your identity provider puts in tokens for this portal): without it, a token minted for another application is accepted');
    }
    if (jwt.maxTokenAgeSec !== undefined) positive('jwt.maxTokenAgeSec', jwt.maxTokenAgeSec, 0);
  }
  if (options.authorize !== undefined && typeof options.authorize !== 'function') fail('authorize must be a function');
  if (options.authorize && jwt) fail('pass either authorize or jwt, not both');
  const authenticated = Boolean(options.authorize || jwt);
  const demo = options.demo === true && !authenticated;
  if (demo && !upstreamIsLocal) {
    fail(
      `refusing demo mode with baseUrl on ${sendTarget.host}: demo mode forwards unauthenticated senders, so it only runs ` +
        'against the mock Updox or another loopback upstream; configure authorize or jwt for a real Updox',
    );
  }
  if (!authenticated && options.demo !== true) {
    fail(
      'refusing to start without patient authentication: pass authorize(request) (or jwt: {secret} / {jwksUrl}; ' +
        'standalone: UPDOX_PROXY_JWT_SECRET or UPDOX_PROXY_JWKS_URL), or demo: true (UPDOX_PROXY_DEMO=1) for a demo ' +
        'in which any page can send as any patient',
    );
  }
  const timeoutMs = positive('timeoutMs', options.timeoutMs, DEFAULTS.timeoutMs);
  const idempotencyTtlMs = positive('idempotencyTtlMs', options.idempotencyTtlMs, DEFAULTS.idempotencyTtlMs);
  if (idempotencyTtlMs < MIN_IDEMPOTENCY_TTL_MS) {
    fail(`idempotencyTtlMs must be at least ${MIN_IDEMPOTENCY_TTL_MS} (24 hours): a key forgotten sooner lets a late resend reach Updox again`);
  }
  // A claim older than this whose answer never came is an unknown outcome: it must outlive the upstream call.
  const idempotencyInFlightTtlMs = positive('idempotencyInFlightTtlMs', options.idempotencyInFlightTtlMs, 2 * timeoutMs + 10000);
  if (idempotencyInFlightTtlMs < timeoutMs) {
    fail(`idempotencyInFlightTtlMs (${idempotencyInFlightTtlMs}) must be at least timeoutMs (${timeoutMs}): a claim must outlive the upstream call it guards`);
  }
  const serverSecret = serverSecretFrom(options.serverSecret, Boolean(options.redisUrl || options.store));
  if (options.onAccepted !== undefined && typeof options.onAccepted !== 'function') fail('onAccepted must be a function');
  const log = options.quiet ? () => {} : (options.log ?? ((line) => console.log(line)));
  const warn = options.quiet ? () => {} : (options.log ?? ((line) => console.warn(line)));
  const path = options.path ?? DEFAULT_PATH;
  const validatePath = options.validatePath ?? DEFAULT_VALIDATE_PATH;
  if (!path.startsWith('/') || !validatePath.startsWith('/') || path === validatePath) fail('path and validatePath must be two different paths');
  const allowedHosts = options.allowedHosts == null ? null : [...options.allowedHosts].map(String);
  const baseLimits = demo ? DEMO_RATE_LIMITS : DEFAULT_RATE_LIMITS;
  const delivery = resolveDeliveryConfig(options, [path, validatePath], { positive, fail });
  return {
    ...delivery,
    sendTarget,
    validateTarget,
    authJson: JSON.stringify(Object.fromEntries(AUTH_FIELDS.map((f) => [f, auth[f]]))),
    authorize: options.authorize ?? null,
    jwt,
    demo,
    path,
    validatePath,
    timeoutMs,
    bodyLimit: positive('bodyLimit', options.bodyLimit, DEFAULTS.bodyLimit),
    maxInFlightBytes: positive('maxInFlightBytes', options.maxInFlightBytes, DEFAULTS.maxInFlightBytes),
    allowedHosts,
    corsOrigins: new Set(options.corsOrigins ?? []),
    corsCredentials: options.corsCredentials !== false,
    rateLimits: {
      send: limitsFrom('rateLimit.send', options.rateLimit?.send, baseLimits.send),
      validate: limitsFrom('rateLimit.validate', options.rateLimit?.validate, baseLimits.validate),
      delivery: limitsFrom('rateLimit.delivery', options.rateLimit?.delivery, baseLimits.delivery),
    },
    redisUrl: options.redisUrl || null,
    store: options.store ?? null,
    requireIdempotencyKey: Boolean(options.requireIdempotencyKey),
    idempotencyTtlMs,
    idempotencyInFlightTtlMs,
    idempotencyWaitMs: positive('idempotencyWaitMs', options.idempotencyWaitMs, timeoutMs + 5000),
    idempotencyMaxEntries: positive('idempotencyMaxEntries', options.idempotencyMaxEntries, DEFAULTS.idempotencyMaxEntries),
    idempotencyMaxBytes: positive('idempotencyMaxBytes', options.idempotencyMaxBytes, DEFAULTS.idempotencyMaxBytes),
    maxAnswerBytes: positive('maxAnswerBytes', options.maxAnswerBytes, DEFAULTS.maxAnswerBytes),
    maxUpstreamBytes: positive('maxUpstreamBytes', options.maxUpstreamBytes, DEFAULTS.maxUpstreamBytes),
    validateCacheTtlMs: positive('validateCacheTtlMs', options.validateCacheTtlMs, DEFAULTS.validateCacheTtlMs),
    validateCacheMaxEntries: DEFAULTS.validateCacheMaxEntries,
    validateBodyLimit: DEFAULTS.validateBodyLimit,
    maxInFlightBytesPerPatient: positive('maxInFlightBytesPerPatient', options.maxInFlightBytesPerPatient, DEFAULTS.maxInFlightBytesPerPatient),
    bodyIdleTimeoutMs: positive('bodyIdleTimeoutMs', options.bodyIdleTimeoutMs, DEFAULTS.bodyIdleTimeoutMs),
    bodyMinBytesPerSec: positive('bodyMinBytesPerSec', options.bodyMinBytesPerSec, DEFAULTS.bodyMinBytesPerSec),
    bodyRateGraceMs: DEFAULTS.bodyRateGraceMs,
    serverSecret,
    onAccepted: options.onAccepted ?? null,
    jwtMaxTokenAgeSec: DEFAULTS.jwtMaxTokenAgeSec,
    log,
    warn,
  };
}

const list = (text) =>
  String(text)
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);

function rate(name, text) {
  const m = /^\s*(\d+)\s*\/\s*(\d+)\s*$/.exec(text);
  if (!m) fail(`${name} must look like POINTS/SECONDS, e.g. 60/3600`);
  return { points: Number(m[1]), duration: Number(m[2]) };
}

/**
 * The options the standalone runner reads from the environment (only those set):
 * UPDOX_BASE_URL, UPDOX_APPLICATION_ID, UPDOX_APPLICATION_PASSWORD, UPDOX_ACCOUNT_ID,
 * UPDOX_USER_ID, UPDOX_UPSTREAM_TIMEOUT_MS, UPDOX_PROXY_JWT_SECRET, UPDOX_PROXY_JWKS_URL,
 * UPDOX_PROXY_JWT_ISSUER, UPDOX_PROXY_JWT_AUDIENCE, UPDOX_PROXY_DEMO, UPDOX_PROXY_ALLOWED_HOSTS,
 * UPDOX_PROXY_CORS_ORIGINS, UPDOX_PROXY_CORS_CREDENTIALS, UPDOX_PROXY_MAX_IN_FLIGHT_BYTES,
 * UPDOX_PROXY_RATE_LIMIT, UPDOX_PROXY_VALIDATE_RATE_LIMIT, UPDOX_PROXY_VALIDATE_CACHE_TTL_MS,
 * UPDOX_IDEMPOTENCY_TTL_MS, UPDOX_IDEMPOTENCY_REDIS_URL, UPDOX_PROXY_SERVER_SECRET,
 * UPDOX_PROXY_JWT_MAX_TOKEN_AGE_SEC, and the delivery ones (deliveryOptionsFromEnv in
 * delivery-config.mjs).
 */
export function optionsFromEnv(env = process.env) {
  const o = {};
  const set = (name) => env[name] !== undefined && env[name] !== '';
  if (set('UPDOX_BASE_URL')) o.baseUrl = env.UPDOX_BASE_URL;
  const authVars = AUTH_FIELDS.map((field) => [field, `UPDOX_${field.replace(/[A-Z]/g, (c) => `_${c}`).toUpperCase()}`]);
  if (authVars.some(([, name]) => set(name))) {
    o.auth = Object.fromEntries(authVars.map(([field, name]) => [field, env[name] ?? '']));
  }
  if (set('UPDOX_UPSTREAM_TIMEOUT_MS')) o.timeoutMs = Number(env.UPDOX_UPSTREAM_TIMEOUT_MS);
  if (set('UPDOX_PROXY_JWT_SECRET') || set('UPDOX_PROXY_JWKS_URL')) {
    o.jwt = {};
    if (set('UPDOX_PROXY_JWT_SECRET')) o.jwt.secret = env.UPDOX_PROXY_JWT_SECRET;
    if (set('UPDOX_PROXY_JWKS_URL')) o.jwt.jwksUrl = env.UPDOX_PROXY_JWKS_URL;
    if (set('UPDOX_PROXY_JWT_ISSUER')) o.jwt.issuer = env.UPDOX_PROXY_JWT_ISSUER;
    if (set('UPDOX_PROXY_JWT_AUDIENCE')) o.jwt.audience = env.UPDOX_PROXY_JWT_AUDIENCE;
  }
  if (set('UPDOX_PROXY_DEMO')) o.demo = env.UPDOX_PROXY_DEMO === '1' || env.UPDOX_PROXY_DEMO === 'true';
  if (set('UPDOX_PROXY_ALLOWED_HOSTS')) o.allowedHosts = list(env.UPDOX_PROXY_ALLOWED_HOSTS);
  if (set('UPDOX_PROXY_CORS_ORIGINS')) o.corsOrigins = list(env.UPDOX_PROXY_CORS_ORIGINS);
  if (set('UPDOX_PROXY_CORS_CREDENTIALS')) o.corsCredentials = env.UPDOX_PROXY_CORS_CREDENTIALS !== '0';
  if (set('UPDOX_PROXY_MAX_IN_FLIGHT_BYTES')) o.maxInFlightBytes = Number(env.UPDOX_PROXY_MAX_IN_FLIGHT_BYTES);
  if (set('UPDOX_PROXY_RATE_LIMIT') || set('UPDOX_PROXY_VALIDATE_RATE_LIMIT')) {
    o.rateLimit = {};
    if (set('UPDOX_PROXY_RATE_LIMIT')) o.rateLimit.send = rate('UPDOX_PROXY_RATE_LIMIT', env.UPDOX_PROXY_RATE_LIMIT);
    if (set('UPDOX_PROXY_VALIDATE_RATE_LIMIT')) {
      o.rateLimit.validate = rate('UPDOX_PROXY_VALIDATE_RATE_LIMIT', env.UPDOX_PROXY_VALIDATE_RATE_LIMIT);
    }
  }
  if (set('UPDOX_PROXY_VALIDATE_CACHE_TTL_MS')) o.validateCacheTtlMs = Number(env.UPDOX_PROXY_VALIDATE_CACHE_TTL_MS);
  if (set('UPDOX_IDEMPOTENCY_TTL_MS')) o.idempotencyTtlMs = Number(env.UPDOX_IDEMPOTENCY_TTL_MS);
  if (set('UPDOX_IDEMPOTENCY_REDIS_URL')) o.redisUrl = env.UPDOX_IDEMPOTENCY_REDIS_URL;
  Object.assign(o, deliveryOptionsFromEnv(env));
  if (set('UPDOX_PROXY_SERVER_SECRET')) o.serverSecret = env.UPDOX_PROXY_SERVER_SECRET;
  if (set('UPDOX_PROXY_JWT_MAX_TOKEN_AGE_SEC') && o.jwt) o.jwt.maxTokenAgeSec = Number(env.UPDOX_PROXY_JWT_MAX_TOKEN_AGE_SEC);
  return o;
}
