// Redis idempotency store for the reference proxy, so several proxy instances behind a load
// balancer share one memory of Idempotency-Keys. Same interface as idempotency-memory.mjs.
// Chosen by the proxy when UPDOX_IDEMPOTENCY_REDIS_URL is set (e.g. redis://127.0.0.1:6379).
//
// One Redis string per key, `updox-direct:idem:<sha256 of scope and key>`, holding JSON
//   {"state":"in_flight","fp":"<sha256 of body>","owner":"<random>"}   (SET NX PX inFlightTtlMs)
//   {"state":"completed","fp":"…","answer":{"status","contentType","body":"<base64>"}}  (PX ttlMs)
// Nothing from the message is stored: only hashes and Updox's answer for repeats.
//
// - Claims are atomic (SET NX). Waiters on any instance poll every `pollMs` until the answer
//   is there, the key is released or gone, or their timeout passes.
// - A claim whose instance died mid-request is never completed: it expires after
//   `inFlightTtlMs` (default twice the upstream timeout plus 10 s). Until then a repeat
//   waits and gets 409 `request_in_progress`; after it, the repeat is sent to Updox (if the
//   dead instance had reached Updox, that is a second message: the price of not blocking
//   the key forever).
// - Redis down or slow (commands time out after `commandTimeoutMs`): every call rejects, and
//   the proxy answers keyed requests with 503 `idempotency_unavailable` without forwarding.
//   The client reconnects in the background; the proxy recovers when Redis is back.
import { randomBytes } from 'node:crypto';
import { createClient } from 'redis';

const RELEASE_IF_OWNER = `
local v = redis.call('GET', KEYS[1])
if v and string.find(v, ARGV[1], 1, true) then return redis.call('DEL', KEYS[1]) end
return 0`;

const encode = (answer) => ({
  status: answer.status,
  contentType: answer.contentType ?? null,
  body: Buffer.from(answer.body).toString('base64'),
});
const decode = (stored) => ({
  status: stored.status,
  contentType: stored.contentType ?? undefined,
  body: Buffer.from(stored.body, 'base64'),
});

/**
 * Options: url (required unless client given), client (an unconnected node-redis client),
 * ttlMs (10 min), inFlightTtlMs (130 s), prefix ('updox-direct:idem:'), pollMs (25),
 * commandTimeoutMs (2000).
 */
export function createRedisIdempotencyStore({
  url,
  client,
  ttlMs = 10 * 60 * 1000,
  inFlightTtlMs = 130 * 1000,
  prefix = 'updox-direct:idem:',
  pollMs = 25,
  commandTimeoutMs = 2000,
} = {}) {
  const redis =
    client ??
    createClient({
      url,
      disableOfflineQueue: true, // fail fast while disconnected instead of queueing
      socket: { connectTimeout: 1000, reconnectStrategy: (retries) => Math.min(50 * (retries + 1), 1000) },
    });
  redis.on('error', () => {}); // connection errors surface as rejected commands (503)
  let closed = false;
  // Settles at the first connection or the first failure to connect, whichever comes first:
  // commands wait for it once, then fail fast while Redis is away.
  const firstAttempt = new Promise((resolve) => {
    redis.once('ready', resolve);
    redis.once('error', resolve);
  });
  const connecting = redis.connect().catch(() => {});
  redis.unref(); // an idle connection must not keep the process alive
  const owned = new Map(); // key -> {fp, owner} for claims this instance holds

  /** Runs a Redis command with a deadline. */
  function run(fn) {
    if (closed) return Promise.reject(new Error('store closed'));
    let timer;
    const deadline = new Promise((_, reject) => {
      timer = setTimeout(() => reject(new Error('redis command timed out')), commandTimeoutMs);
    });
    const command = firstAttempt.then(fn);
    return Promise.race([command, deadline]).finally(() => clearTimeout(timer));
  }

  async function read(key) {
    const raw = await run(() => redis.get(prefix + key));
    return raw === null ? null : JSON.parse(raw);
  }

  return {
    kind: 'redis',
    ttlMs,
    inFlightTtlMs,
    ready: connecting,

    async claim(key, fingerprint) {
      for (let attempt = 0; attempt < 3; attempt++) {
        const owner = randomBytes(12).toString('hex');
        const value = JSON.stringify({ state: 'in_flight', fp: fingerprint, owner });
        const set = await run(() =>
          redis.set(prefix + key, value, { condition: 'NX', expiration: { type: 'PX', value: inFlightTtlMs } }),
        );
        if (set === 'OK') {
          owned.set(key, { fp: fingerprint, owner });
          return { state: 'claimed' };
        }
        const entry = await read(key);
        if (!entry) continue; // expired or released in between: try again
        if (entry.fp !== fingerprint) return { state: 'mismatch' };
        if (entry.state === 'completed') return { state: 'completed', answer: decode(entry.answer) };
        return { state: 'in_flight' };
      }
      return { state: 'in_flight' };
    },

    async complete(key, answer) {
      const mine = owned.get(key);
      owned.delete(key);
      const fp = mine?.fp ?? (await read(key))?.fp;
      if (!fp) return;
      const value = JSON.stringify({ state: 'completed', fp, answer: encode(answer) });
      await run(() => redis.set(prefix + key, value, { expiration: { type: 'PX', value: ttlMs } }));
    },

    async release(key) {
      const mine = owned.get(key);
      owned.delete(key);
      if (!mine) return;
      await run(() => redis.eval(RELEASE_IF_OWNER, { keys: [prefix + key], arguments: [mine.owner] }));
    },

    async wait(key, timeoutMs = inFlightTtlMs) {
      const end = Date.now() + timeoutMs;
      for (;;) {
        const entry = await read(key);
        if (!entry) return null;
        if (entry.state === 'completed') return decode(entry.answer);
        if (Date.now() + pollMs > end) return null;
        await new Promise((resolve) => setTimeout(resolve, pollMs));
      }
    },

    async close() {
      if (closed) return;
      closed = true;
      redis.destroy();
      await connecting;
    },
  };
}
