// In-memory idempotency store (one instance; the default).
//
// The store interface the proxy uses (the Redis store implements the same). Keys, fingerprints
// and answers are opaque strings to the store (keyed hashes and sealed answers, see
// idempotency.mjs).
//   claim(key, fingerprint) -> {state}, state one of
//       'claimed'    the caller owns the key, with `token`: it must complete() or release() it
//       'in_flight'  another request with the same key and body is being processed: wait()
//       'completed'  done; `answer` is the answer to replay (sealed)
//       'unknown'    a claim older than inFlightTtlMs was never completed nor released (its
//                    instance died, or could not reach the store): whether Updox got the
//                    request is unknown, so the key is never forwarded again
//       'mismatch'   the key was used with a different body
//       'full'       no room (nothing is evicted before it expires): answer 503
//   complete(key, token, answer, fingerprint?) -> true when stored; false when the claim is
//                          not `token`'s (with `fingerprint`, an entry lost meanwhile, e.g.
//                          with a store's restart, is recreated as completed)
//   release(key, token)   -> forgets the key if `token` still owns it (nothing reached Updox,
//                          or what reached it proves it was not processed)
//   wait(key, timeoutMs)  -> {state: 'completed', answer} | {state: 'gone'} (released: claim
//                          again) | {state: 'unknown'} | {state: 'in_flight'} (still running)
//   peek(key)             -> null | {state: 'in_flight' | 'unknown' | 'completed', fingerprint, answer?}
//   close()
//
// Lifetimes: every entry, claim or answer, lives `ttlMs` (the key's life, ≥ 24 h) from when
// it was made or completed, so a claim whose answer was lost blocks its key rather than
// letting it be forwarded again. At most `maxEntries` keys and `maxBytes` of answers; when
// either is reached new keys are refused ('full') until entries expire: nothing unexpired is
// evicted, since a resend after that would reach Updox a second time.
import { randomBytes } from 'node:crypto';

const ENTRY_OVERHEAD_BYTES = 256; // Map slot, object, key and fingerprint strings

export function createMemoryIdempotencyStore({
  ttlMs = 24 * 60 * 60 * 1000,
  inFlightTtlMs = 130 * 1000,
  maxEntries = 100000,
  maxBytes = 128 * 1024 * 1024,
  now = Date.now,
} = {}) {
  /** key -> {fingerprint, state, token, answer, claimedAt, expiresAt, waiters: Set<fn>} */
  const entries = new Map();
  let bytes = 0;

  const cost = (entry) => ENTRY_OVERHEAD_BYTES + (entry.answer?.length ?? 0);
  const stale = (entry) => entry.state === 'in_flight' && now() - entry.claimedAt >= inFlightTtlMs;

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

  const stateOf = (entry) => (entry.state === 'completed' ? 'completed' : stale(entry) ? 'unknown' : 'in_flight');

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
        const state = stateOf(entry);
        return state === 'completed' ? { state, answer: entry.answer } : { state };
      }
      if (entries.size >= maxEntries || bytes + ENTRY_OVERHEAD_BYTES > maxBytes) purgeExpired();
      if (entries.size >= maxEntries || bytes + ENTRY_OVERHEAD_BYTES > maxBytes) return { state: 'full' };
      const token = randomBytes(16).toString('hex');
      const t = now();
      const fresh = { fingerprint, state: 'in_flight', token, answer: null, claimedAt: t, expiresAt: t + ttlMs, waiters: new Set() };
      entries.set(key, fresh);
      bytes += cost(fresh);
      return { state: 'claimed', token };
    },

    async complete(key, token, answer, fingerprint) {
      const entry = live(key);
      if (!entry && fingerprint !== undefined) {
        const t = now();
        const made = { fingerprint, state: 'completed', token: null, answer, claimedAt: t, expiresAt: t + ttlMs, waiters: new Set() };
        entries.set(key, made);
        bytes += cost(made);
        return true;
      }
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

    async peek(key) {
      const entry = live(key);
      if (!entry) return null;
      const state = stateOf(entry);
      return { state, fingerprint: entry.fingerprint, ...(state === 'completed' ? { answer: entry.answer } : {}) };
    },

    wait(key, timeoutMs = inFlightTtlMs) {
      const entry = live(key);
      if (!entry) return Promise.resolve({ state: 'gone' });
      const state = stateOf(entry);
      if (state === 'completed') return Promise.resolve({ state, answer: entry.answer });
      if (state === 'unknown') return Promise.resolve({ state });
      return new Promise((resolve) => {
        // Wakes at the timeout, or when the claim becomes stale, whichever is first.
        const timer = setTimeout(
          () => {
            const current = live(key);
            wake(current !== entry ? { state: 'gone' } : { state: stateOf(entry) });
          },
          Math.max(0, Math.min(timeoutMs, entry.claimedAt + inFlightTtlMs - now())),
        );
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
