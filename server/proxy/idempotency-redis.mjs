// Redis idempotency store, so several proxy instances behind a load balancer share one memory
// of Idempotency-Keys. Same interface as idempotency-memory.mjs.
//
// One Redis string per key, `updox-direct:idem:<SHA-256 of scope and key>`, holding JSON
//   {"state":"in_flight","fp":"<HMAC of the body>","owner":"<token>"}   (SET NX PX inFlightTtlMs)
//   {"state":"completed","fp":"…","answer":"<sealed answer>"}          (PX ttlMs)
// Nothing readable: hashes, an HMAC and an AES-GCM-sealed answer (see idempotency.mjs).
//
// - Claims are atomic (SET NX). complete() and release() act only while the claim is still
//   the caller's (a Lua compare-and-set on the owner token), so an instance whose claim
//   expired cannot overwrite the answer of the request that claimed the key after it.
// - Waiters on any instance poll every `pollMs`.
// - A claim whose instance died mid-request is never completed: it expires after
//   `inFlightTtlMs` (default twice the upstream timeout plus 10 s).
// - Redis down or slow (commands time out after `commandTimeoutMs`): calls reject, and the
//   proxy answers keyed requests with 503 `idempotency_unavailable` without forwarding.
import { randomBytes } from 'node:crypto';
import { openRedis } from './redis-client.mjs';

const COMPLETE_IF_OWNER = `
local v = redis.call('GET', KEYS[1])
if not v then return 0 end
local e = cjson.decode(v)
if e.state ~= 'in_flight' or e.owner ~= ARGV[1] then return 0 end
redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])
return 1`;

const RELEASE_IF_OWNER = `
local v = redis.call('GET', KEYS[1])
if not v then return 0 end
local e = cjson.decode(v)
if e.state ~= 'in_flight' or e.owner ~= ARGV[1] then return 0 end
return redis.call('DEL', KEYS[1])`;

/**
 * Options: redis ({client, ready} from openRedis, shared) or url (opens its own), ttlMs
 * (10 min), inFlightTtlMs (130 s), prefix ('updox-direct:idem:'), pollMs (25),
 * commandTimeoutMs (2000).
 */
export function createRedisIdempotencyStore({
  redis,
  url,
  ttlMs = 10 * 60 * 1000,
  inFlightTtlMs = 130 * 1000,
  prefix = 'updox-direct:idem:',
  pollMs = 25,
  commandTimeoutMs = 2000,
} = {}) {
  const connection = redis ? Promise.resolve(redis) : openRedis(url);
  connection.catch(() => {});
  let closed = false;

  /** Runs a Redis command with a deadline. */
  function run(fn) {
    if (closed) return Promise.reject(new Error('store closed'));
    let timer;
    const deadline = new Promise((_, reject) => {
      timer = setTimeout(() => reject(new Error('redis command timed out')), commandTimeoutMs);
    });
    const command = connection.then(async (c) => {
      await c.ready;
      return fn(c.client);
    });
    return Promise.race([command, deadline]).finally(() => clearTimeout(timer));
  }

  async function read(key) {
    const raw = await run((r) => r.get(prefix + key));
    return raw === null ? null : JSON.parse(raw);
  }

  return {
    kind: 'redis',
    ttlMs,
    inFlightTtlMs,
    prefix,
    ready: connection.then((c) => c.ready),

    async claim(key, fingerprint) {
      for (let attempt = 0; attempt < 3; attempt++) {
        const token = randomBytes(16).toString('hex');
        const value = JSON.stringify({ state: 'in_flight', fp: fingerprint, owner: token });
        const set = await run((r) =>
          r.set(prefix + key, value, { condition: 'NX', expiration: { type: 'PX', value: inFlightTtlMs } }),
        );
        if (set === 'OK') return { state: 'claimed', token };
        const entry = await read(key);
        if (!entry) continue; // expired or released in between: try again
        if (entry.fp !== fingerprint) return { state: 'mismatch' };
        if (entry.state === 'completed') return { state: 'completed', answer: entry.answer };
        return { state: 'in_flight' };
      }
      return { state: 'in_flight' };
    },

    async complete(key, token, answer) {
      const entry = await read(key);
      if (!entry || entry.owner !== token) return false;
      const value = JSON.stringify({ state: 'completed', fp: entry.fp, answer });
      const done = await run((r) =>
        r.eval(COMPLETE_IF_OWNER, { keys: [prefix + key], arguments: [token, value, String(ttlMs)] }),
      );
      return done === 1;
    },

    async release(key, token) {
      const done = await run((r) => r.eval(RELEASE_IF_OWNER, { keys: [prefix + key], arguments: [token] }));
      return done === 1;
    },

    async wait(key, timeoutMs = inFlightTtlMs) {
      const end = Date.now() + timeoutMs;
      for (;;) {
        const entry = await read(key);
        if (!entry) return { state: 'gone' };
        if (entry.state === 'completed') return { state: 'completed', answer: entry.answer };
        const left = end - Date.now();
        if (left <= 0) return { state: 'in_flight' };
        await new Promise((resolve) => setTimeout(resolve, Math.min(pollMs, left)));
      }
    },

    async close() {
      if (closed) return;
      closed = true;
      if (!redis) await (await connection.catch(() => null))?.close();
    },
  };
}
