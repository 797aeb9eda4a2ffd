// Where the proxy keeps what delivery status needs, in memory or in Redis (so that any
// instance answers, and a webhook received by one is seen by all). Per message, under a key
// the caller derives (a keyed hash of the messageId):
//   record   {patient: keyed hash of the authenticated patient, sentAt (ms)}, kept retentionMs
//   events   MDN status -> first time seen (ms), kept as long as the record
//   answer   the last normalised answer, kept cacheTtlMs, dropped when an MDN arrives
// Nothing readable: hashes, statuses and times.
import { redisCommand } from './redis-client.mjs';

const DAY = 24 * 60 * 60 * 1000;

/** Memory store. Options: retentionMs (7 days), cacheTtlMs (30 s), maxEntries (100000), now. */
export function createMemoryDeliveryStore({ retentionMs = 7 * DAY, cacheTtlMs = 30000, maxEntries = 100000, now = Date.now } = {}) {
  const messages = new Map(); // key -> {patient, sentAt, expiresAt, events: Map, answer, answerExpiresAt}
  const live = (key) => {
    const entry = messages.get(key);
    if (entry && entry.expiresAt <= now()) {
      messages.delete(key);
      return null;
    }
    return entry ?? null;
  };
  return {
    kind: 'memory',
    async record(key, patient, sentAt) {
      if (live(key)) return false;
      while (messages.size >= maxEntries) messages.delete(messages.keys().next().value);
      messages.set(key, { patient, sentAt, expiresAt: now() + retentionMs, events: new Map(), answer: null, answerExpiresAt: 0 });
      return true;
    },
    async lookup(key) {
      const entry = live(key);
      return entry ? { patient: entry.patient, sentAt: entry.sentAt } : null;
    },
    async addEvents(key, events) {
      const entry = live(key);
      if (!entry) return 0;
      let added = 0;
      for (const { status, at } of events) {
        if (!entry.events.has(status)) {
          entry.events.set(status, at);
          added++;
        }
      }
      return added;
    },
    async events(key) {
      const entry = live(key);
      return entry ? [...entry.events].map(([status, at]) => ({ status, at })) : [];
    },
    async cached(key) {
      const entry = live(key);
      return entry?.answer && entry.answerExpiresAt > now() ? entry.answer : null;
    },
    async cache(key, answer) {
      const entry = live(key);
      if (!entry) return;
      entry.answer = answer;
      entry.answerExpiresAt = now() + cacheTtlMs;
    },
    async invalidate(key) {
      const entry = live(key);
      if (entry) entry.answer = null;
    },
    async close() {
      messages.clear();
    },
  };
}

/**
 * Redis store on the proxy's connection ({client, ready} from openRedis). Options:
 * retentionMs, cacheTtlMs, prefix ('updox-direct:dlv:'), commandTimeoutMs (2000).
 */
export function createRedisDeliveryStore({
  redis,
  retentionMs = 7 * DAY,
  cacheTtlMs = 30000,
  prefix = 'updox-direct:dlv:',
  commandTimeoutMs = 2000,
}) {
  let closed = false;
  const run = (fn) => (closed ? Promise.reject(new Error('store closed')) : redisCommand(redis, fn, commandTimeoutMs));
  const rec = (key) => `${prefix}rec:${key}`;
  const ev = (key) => `${prefix}ev:${key}`;
  const ans = (key) => `${prefix}ans:${key}`;
  const px = (ms) => ({ expiration: { type: 'PX', value: Math.max(1, Math.round(ms)) } });

  return {
    kind: 'redis',
    async record(key, patient, sentAt) {
      const value = JSON.stringify({ patient, sentAt });
      const set = await run((r) => r.set(rec(key), value, { condition: 'NX', ...px(retentionMs) }));
      return set === 'OK';
    },
    async lookup(key) {
      const raw = await run((r) => r.get(rec(key)));
      if (raw === null) return null;
      const entry = JSON.parse(raw);
      return { patient: entry.patient, sentAt: entry.sentAt };
    },
    async addEvents(key, events) {
      if (events.length === 0) return 0;
      const ttl = await run((r) => r.pTTL(rec(key)));
      if (!(ttl > 0)) return 0;
      let added = 0;
      for (const { status, at } of events) {
        if (await run((r) => r.hSetNX(ev(key), status, String(at)))) added++;
      }
      await run((r) => r.pExpire(ev(key), ttl));
      return added;
    },
    async events(key) {
      const all = await run((r) => r.hGetAll(ev(key)));
      return Object.entries(all ?? {}).map(([status, at]) => ({ status, at: Number(at) }));
    },
    async cached(key) {
      const raw = await run((r) => r.get(ans(key)));
      return raw === null ? null : JSON.parse(raw);
    },
    async cache(key, answer) {
      await run((r) => r.set(ans(key), JSON.stringify(answer), px(cacheTtlMs)));
    },
    async invalidate(key) {
      await run((r) => r.del(ans(key)));
    },
    async close() {
      closed = true;
    },
  };
}
