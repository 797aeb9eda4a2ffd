// In-memory idempotency store for the reference proxy (one instance; the default).
//
// The store interface the proxy uses (a Redis store implements the same):
//   claim(key, fingerprint) -> Promise<{state}> where state is
//       'claimed'    the caller owns the key and must complete() or release() it
//       'in_flight'  another request with the same key and body is being processed: wait()
//       'completed'  done; `answer` holds the first answer to replay
//       'mismatch'   the key was used with a different body (fingerprint)
//       'full'       no room: every entry is in flight (answer 503)
//   complete(key, answer)  stores {status, contentType, body: Buffer} and wakes waiters
//   release(key)           forgets the key (the first attempt never reached Updox)
//   wait(key, timeoutMs)   -> Promise<answer | null>: the answer once completed; null when
//                             released, expired or not answered within timeoutMs
//   close()
//
// Bounds: entries live `ttlMs` (default 10 min) after their claim or completion; at most
// `maxEntries` (default 10000). When full, expired entries go first, then the oldest
// completed ones; in-flight entries are never evicted. Per-answer size is bounded by the
// proxy (maxAnswerBytes) before complete(). Nothing is stored but the key, a SHA-256
// fingerprint of the body and Updox's answer.

export function createMemoryIdempotencyStore({ ttlMs = 10 * 60 * 1000, maxEntries = 10000, now = Date.now } = {}) {
  /** key -> {fingerprint, state, answer, expiresAt, waiters: Set<fn>} in claim order. */
  const entries = new Map();

  function drop(key, entry) {
    entries.delete(key);
    for (const wake of entry.waiters) wake(null);
  }

  function purgeExpired() {
    const t = now();
    for (const [key, entry] of entries) if (entry.expiresAt <= t) drop(key, entry);
  }

  function makeRoom() {
    purgeExpired();
    for (const [key, entry] of entries) {
      if (entries.size < maxEntries) break;
      if (entry.state === 'completed') drop(key, entry);
    }
    return entries.size < maxEntries;
  }

  return {
    kind: 'memory',
    ttlMs,
    maxEntries,

    async claim(key, fingerprint) {
      let entry = entries.get(key);
      if (entry && entry.expiresAt <= now()) {
        drop(key, entry);
        entry = undefined;
      }
      if (entry) {
        if (entry.fingerprint !== fingerprint) return { state: 'mismatch' };
        return entry.state === 'completed' ? { state: 'completed', answer: entry.answer } : { state: 'in_flight' };
      }
      if (!makeRoom()) return { state: 'full' };
      entries.set(key, { fingerprint, state: 'in_flight', answer: null, expiresAt: now() + ttlMs, waiters: new Set() });
      return { state: 'claimed' };
    },

    async complete(key, answer) {
      const entry = entries.get(key);
      if (!entry) return;
      entry.state = 'completed';
      entry.answer = answer;
      entry.expiresAt = now() + ttlMs;
      for (const wake of entry.waiters) wake(answer);
      entry.waiters.clear();
    },

    async release(key) {
      const entry = entries.get(key);
      if (entry) drop(key, entry);
    },

    wait(key, timeoutMs = ttlMs) {
      const entry = entries.get(key);
      if (!entry) return Promise.resolve(null);
      if (entry.state === 'completed') return Promise.resolve(entry.answer);
      return new Promise((resolve) => {
        const timer = setTimeout(() => wake(null), timeoutMs);
        const wake = (answer) => {
          clearTimeout(timer);
          entry.waiters.delete(wake);
          resolve(answer);
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

    async close() {
      for (const [key, entry] of entries) drop(key, entry);
    },
  };
}
