// Reading a request body within bounds: the body limit (413 `payload_too_large` as soon as it
// is passed, or at once when Content-Length says so), the bytes all requests and each patient
// may hold at the same time (503 `proxy_busy` before reading on), and time (408
// `body_timeout` when no byte arrives for `idleMs`, or when, after `graceMs`, the body has
// averaged less than `minBytesPerSec`): a body that stops arriving gives its reservation back.

/** The bytes in flight across all requests of one proxy, and per patient. */
export class InFlightBudget {
  constructor(max, perPatient = max) {
    this.max = max;
    this.perPatient = perPatient;
    this.used = 0;
    this.byPatient = new Map();
  }

  /** Takes `n` bytes for patient `who` (null: nobody is authenticated) if they fit both bounds; false otherwise. */
  take(n, who = null) {
    const mine = who === null ? 0 : (this.byPatient.get(who) ?? 0);
    if (this.used + n > this.max || (who !== null && mine + n > this.perPatient)) return false;
    this.used += n;
    if (who !== null) this.byPatient.set(who, mine + n);
    return true;
  }

  give(n, who = null) {
    if (n === 0) return;
    this.used -= n;
    if (who === null) return;
    const left = (this.byPatient.get(who) ?? 0) - n;
    if (left > 0) this.byPatient.set(who, left);
    else this.byPatient.delete(who);
  }
}

const FIRST_CAPACITY = 64 * 1024; // without Content-Length: start small, then double

/** The next chunk, or 'timeout' when the body stalls or crawls (see the file's header). */
function nextWithin(source, clock) {
  const now = Date.now();
  let wait = clock.idleMs;
  if (clock.minBytesPerSec) {
    // The moment the average rate would fall under the minimum if nothing more arrived.
    const due = clock.started + Math.max(clock.graceMs, (clock.size / clock.minBytesPerSec) * 1000);
    wait = Math.min(wait, Math.max(0, due - now));
  }
  let timer;
  const timeout = new Promise((resolve) => {
    timer = setTimeout(() => resolve('timeout'), wait);
  });
  return Promise.race([source.next(), timeout]).finally(() => clearTimeout(timer));
}

/**
 * Reads `source` ({contentLength: number|null, next(): Promise<Uint8Array|null>}).
 * With `budget`, into one Buffer: `lease` ({bytes, who}) counts what it took from `budget`
 * (the caller gives it back when the request is done). Without `budget`, holding nothing:
 * each chunk goes to `onChunk` and is dropped. Resolves {body?, size} or {refused: code,
 * size}; rejects when the client went away.
 */
export async function readBody(source, { limit, budget, lease, onChunk, idleMs = 10000, minBytesPerSec = 0, graceMs = 10000 }) {
  const declared = source.contentLength;
  if (declared !== null && declared > limit) return { refused: 'payload_too_large', size: 0 };
  const clock = { started: Date.now(), size: 0, idleMs, minBytesPerSec, graceMs };
  let capacity = 0;
  let buf = null;
  if (budget) {
    capacity = declared ?? Math.min(limit, FIRST_CAPACITY);
    if (!budget.take(capacity, lease.who)) return { refused: 'proxy_busy', size: 0 };
    lease.bytes += capacity;
    buf = Buffer.allocUnsafe(capacity);
  }
  let size = 0;
  for (;;) {
    const chunk = await nextWithin(source, clock);
    if (chunk === 'timeout') return { refused: 'body_timeout', size };
    if (chunk === null) break;
    if (size + chunk.length > limit) return { refused: 'payload_too_large', size: size + chunk.length };
    if (budget) {
      if (size + chunk.length > capacity) {
        const grown = Math.min(limit, Math.max(capacity * 2, size + chunk.length));
        if (!budget.take(grown, lease.who)) return { refused: 'proxy_busy', size: size + chunk.length };
        const bigger = Buffer.allocUnsafe(grown);
        buf.copy(bigger, 0, 0, size);
        budget.give(capacity, lease.who);
        lease.bytes += grown - capacity;
        buf = bigger;
        capacity = grown;
      }
      buf.set(chunk, size);
    } else onChunk?.(chunk);
    size += chunk.length;
    clock.size = size;
  }
  return budget ? { body: buf.subarray(0, size), size } : { size };
}

/** The Content-Length header as a number, or null when absent or not a plain number. */
export function contentLength(value) {
  return typeof value === 'string' && /^\d{1,15}$/.test(value) ? Number(value) : null;
}
