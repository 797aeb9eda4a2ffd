// In-memory idempotency store (one instance; the default).
//
// The store interface the proxy uses (the Redis store implements the same). Keys, fingerprints
// and answers are opaque strings to the store (hashes and sealed answers, see idempotency.mjs).
//   claim(key, fingerprint) -> {state}, state one of
//       'claimed'    the caller owns the key, with `token`: it must complete() or release() it
//       'in_flight'  another request with the same key and body is being processed: wait()
//       'completed'  done; `answer` is the first answer (sealed)
//       'mismatch'   the key was used with a different body
//       'full'       no room (nothing is evicted before it expires): answer 503
//   complete(key, token, answer) -> true when stored; false when the claim is no longer
//                          `token`'s (it expired and another request claimed the key)
//   release(key, token)   -> forgets the key if `token` still owns it (the attempt never
//                          reached Updox, so a retry may be sent)
//   wait(key, timeoutMs)  -> {state: 'completed', answer} | {state: 'gone'} (released or
//                          expired: claim again) | {state: 'in_flight'} (still running)
//   close()
//
// Bounds: a claim lives `inFlightTtlMs` unless completed; an answer `ttlMs` (default 10 min)
// after completion. At most `maxEntries` keys and `maxBytes` of answers; when either is
// reached, new keys are refused ('full') until entries expire: an unexpired answer is never
// evicted, since a resend after that would reach Updox a second time.
import { randomBytes } from 'node:crypto';

const ENTRY_OVERHEAD_BYTES = 256; // Map slot, object, key and fingerprint strings

export function createMemoryIdempotencyStore({
  ttlMs = 10 * 60 * 1000,
  inFlightTtlMs = 130 * 1000,
  maxEntries = 10000,
  maxBytes = 16 * 1024 * 1024,
  now = Date.now,
} = {}) {
  /** key -> {fingerprint, state, token, answer, expiresAt, waiters: Set<fn>} */
  const entries = new Map();
  let bytes = 0;

  const cost = (entry) => ENTRY_OVERHEAD_BYTES + (entry.answer?.length ?? 0);

  function drop(key, entry) {
    entries.delete(key);
    bytes -= cost(entry);
    for (const wake of entry.waiters) wake({ state: 'gone' });
  }

  function live(key) {
    const entry = entries.get(key);
    if (entry && entry.expiresAt <= now()) {
      drop(key, entry);
      return undefined;
    }
    return entry;
  }

  function purgeExpired() {
    const t = now();
    for (const [key, entry] of entries) if (entry.expiresAt <= t) drop(key, entry);
  }

  return {
    kind: 'memory',
    ttlMs,
    inFlightTtlMs,
    maxEntries,
    maxBytes,

    async claim(key, fingerprint) {
      const entry = live(key);
      if (entry) {
        if (entry.fingerprint !== fingerprint) return { state: 'mismatch' };
        return entry.state === 'completed' ? { state: 'completed', answer: entry.answer } : { state: 'in_flight' };
      }
      if (entries.size >= maxEntries || bytes + ENTRY_OVERHEAD_BYTES > maxBytes) purgeExpired();
      if (entries.size >= maxEntries || bytes + ENTRY_OVERHEAD_BYTES > maxBytes) return { state: 'full' };
      const token = randomBytes(16).toString('hex');
      const fresh = { fingerprint, state: 'in_flight', token, answer: null, expiresAt: now() + inFlightTtlMs, waiters: new Set() };
      entries.set(key, fresh);
      bytes += cost(fresh);
      return { state: 'claimed', token };
    },

    async complete(key, token, answer) {
      const entry = live(key);
      if (!entry || entry.state !== 'in_flight' || entry.token !== token) return false;
      bytes += answer.length;
      entry.state = 'completed';
      entry.answer = answer;
      entry.token = null;
      entry.expiresAt = now() + ttlMs;
      for (const wake of entry.waiters) wake({ state: 'completed', answer });
      entry.waiters.clear();
      return true;
    },

    async release(key, token) {
      const entry = live(key);
      if (!entry || entry.state !== 'in_flight' || entry.token !== token) return false;
      drop(key, entry);
      return true;
    },

    wait(key, timeoutMs = inFlightTtlMs) {
      const entry = live(key);
      if (!entry) return Promise.resolve({ state: 'gone' });
      if (entry.state === 'completed') return Promise.resolve({ state: 'completed', answer: entry.answer });
      return new Promise((resolve) => {
        // Wakes at the timeout, or when the claim itself expires, whichever is first.
        const timer = setTimeout(() => wake(live(key) === entry ? { state: 'in_flight' } : { state: 'gone' }),
          Math.max(0, Math.min(timeoutMs, entry.expiresAt - now())));
        const wake = (result) => {
          clearTimeout(timer);
          entry.waiters.delete(wake);
          resolve(result);
        };
        entry.waiters.add(wake);
      });
    },

    /** Number of keys held (for tests and metrics). */
    size() {
      return entries.size;
    },

    has(key) {
      return entries.has(key);
    },

    /** Everything the store holds, as stored (for inspection: nothing in it is readable). */
    dump() {
      return [...entries].map(([key, e]) => ({ key, fingerprint: e.fingerprint, state: e.state, answer: e.answer }));
    },

    async close() {
      for (const [key, entry] of entries) drop(key, entry);
    },
  };
}
