// Redis idempotency store, so several proxy instances behind a load balancer share one memory
// of Idempotency-Keys. Same interface as idempotency-memory.mjs.
//
// One Redis string per key, `updox-direct:idem:<keyed hash of patient and key>`, holding JSON
//   {"state":"in_flight","fp":"<HMAC of the body>","owner":"<token>","at":<Redis time, ms>}
//   {"state":"completed","fp":"…","answer":"<sealed, padded answer>"}
// both with the key's life (PX ttlMs). Nothing readable without the server secret: keyed
// hashes, an HMAC and an AES-GCM-sealed answer (see idempotency.mjs).
//
// - Claims are atomic (a Lua script: SET if absent, stamped with Redis's own clock). A claim
//   older than `inFlightTtlMs` that was never completed is 'unknown': the key stays blocked.
// - A claim whose reply is lost (timeout, broken connection) is read back by its token
//   rather than guessed: it is the caller's if Redis holds the caller's token.
// - complete() and release() act only while the claim is still the caller's (a Lua
//   compare-and-set on the owner token).
// - Waiters on any instance poll every `pollMs`.
// - Redis down or slow (commands time out after `commandTimeoutMs`): calls reject, and the
//   proxy answers keyed requests with 503 `idempotency_unavailable` without forwarding.
import { randomBytes } from 'node:crypto';
import { openRedis } from './redis-client.mjs';

const NOW_MS = `local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)`;

// KEYS[1]; ARGV: fingerprint, token, ttlMs. Returns {existing value or '', now}.
const CLAIM = `${NOW_MS}
local v = redis.call('GET', KEYS[1])
if v then return {v, tostring(now)} end
redis.call('SET', KEYS[1], cjson.encode({state = 'in_flight', fp = ARGV[1], owner = ARGV[2], at = now}), 'PX', ARGV[3])
return {'', tostring(now)}`;

// KEYS[1]. Returns {value or '', now}.
const PEEK = `${NOW_MS}
local v = redis.call('GET', KEYS[1])
return {v or '', tostring(now)}`;

// A claim lost with Redis's memory (a restart without persistence) is completed all the
// same: the answer is what proves the outcome, and without it a resend would be forwarded.
const COMPLETE_IF_OWNER = `
local v = redis.call('GET', KEYS[1])
if not v then
  if ARGV[4] == '' then return 0 end
  redis.call('SET', KEYS[1], cjson.encode({state = 'completed', fp = ARGV[4], answer = ARGV[2]}), 'PX', ARGV[3])
  return 1
end
local e = cjson.decode(v)
if e.state ~= 'in_flight' or e.owner ~= ARGV[1] then return 0 end
redis.call('SET', KEYS[1], cjson.encode({state = 'completed', fp = e.fp, answer = ARGV[2]}), 'PX', ARGV[3])
return 1`;

const RELEASE_IF_OWNER = `
local v = redis.call('GET', KEYS[1])
if not v then return 0 end
local e = cjson.decode(v)
if e.state ~= 'in_flight' or e.owner ~= ARGV[1] then return 0 end
return redis.call('DEL', KEYS[1])`;

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Options: redis ({client, ready} from openRedis, shared) or url (opens its own), ttlMs
 * (24 h), inFlightTtlMs (130 s), prefix ('updox-direct:idem:'), pollMs (25),
 * commandTimeoutMs (2000).
 */
export function createRedisIdempotencyStore({
  redis,
  url,
  ttlMs = 24 * 60 * 60 * 1000,
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
    command.catch(() => {});
    return Promise.race([command, deadline]).finally(() => clearTimeout(timer));
  }

  /** An entry as {entry, now}: entry null when absent. */
  const parse = ([value, now]) => ({ entry: value === '' ? null : JSON.parse(value), now: Number(now) });

  const read = async (key) => parse(await run((r) => r.eval(PEEK, { keys: [prefix + key] })));

  const stateOf = (entry, now) =>
    entry.state === 'completed' ? 'completed' : now - entry.at >= inFlightTtlMs ? 'unknown' : 'in_flight';

  function existing(entry, now, fingerprint) {
    if (entry.fp !== fingerprint) return { state: 'mismatch' };
    const state = stateOf(entry, now);
    return state === 'completed' ? { state, answer: entry.answer } : { state };
  }

  return {
    kind: 'redis',
    ttlMs,
    inFlightTtlMs,
    prefix,
    ready: connection.then((c) => c.ready),

    async claim(key, fingerprint) {
      const token = randomBytes(16).toString('hex');
      let result;
      try {
        result = parse(
          await run((r) => r.eval(CLAIM, { keys: [prefix + key], arguments: [fingerprint, token, String(ttlMs)] })),
        );
      } catch (err) {
        // The script may have run with its reply lost: read back whether the key is ours.
        for (let attempt = 0; attempt < 3; attempt++) {
          await sleep(50 * 2 ** attempt);
          let back;
          try {
            back = await read(key);
          } catch {
            continue;
          }
          if (back.entry?.owner === token) return { state: 'claimed', token };
          if (back.entry) return existing(back.entry, back.now, fingerprint);
          throw err; // not applied: nothing to undo
        }
        throw Object.assign(err, { claimToken: token }); // unknown: the caller releases it later
      }
      if (result.entry === null) return { state: 'claimed', token };
      return existing(result.entry, result.now, fingerprint);
    },

    async complete(key, token, answer, fingerprint = '') {
      const done = await run((r) =>
        r.eval(COMPLETE_IF_OWNER, { keys: [prefix + key], arguments: [token, answer, String(ttlMs), fingerprint] }),
      );
      return done === 1;
    },

    async release(key, token) {
      const done = await run((r) => r.eval(RELEASE_IF_OWNER, { keys: [prefix + key], arguments: [token] }));
      return done === 1;
    },

    async peek(key) {
      const { entry, now } = await read(key);
      if (!entry) return null;
      const state = stateOf(entry, now);
      return { state, fingerprint: entry.fp, ...(state === 'completed' ? { answer: entry.answer } : {}) };
    },

    async wait(key, timeoutMs = inFlightTtlMs) {
      const end = Date.now() + timeoutMs;
      for (;;) {
        const { entry, now } = await read(key);
        if (!entry) return { state: 'gone' };
        const state = stateOf(entry, now);
        if (state === 'completed') return { state, answer: entry.answer };
        if (state === 'unknown') return { state };
        const left = end - Date.now();
        if (left <= 0) return { state: 'in_flight' };
        await sleep(Math.min(pollMs, left));
      }
    },

    async close() {
      if (closed) return;
      closed = true;
      if (!redis) await (await connection.catch(() => null))?.close();
    },
  };
}
