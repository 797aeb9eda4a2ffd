// Reading a request body into one Buffer, held once, within two bounds: the body limit
// (413 `payload_too_large` as soon as it is passed, or at once when Content-Length says so)
// and the bytes all requests may hold at the same time (503 `proxy_busy` before reading on).

/** The bytes in flight across all requests of one proxy. */
export class InFlightBudget {
  constructor(max) {
    this.max = max;
    this.used = 0;
  }

  /** Takes `n` bytes if they fit; false otherwise. */
  take(n) {
    if (this.used + n > this.max) return false;
    this.used += n;
    return true;
  }

  give(n) {
    this.used -= n;
  }
}

const FIRST_CAPACITY = 64 * 1024; // without Content-Length: start small, then double

/**
 * Reads `source` ({contentLength: number|null, next(): Promise<Uint8Array|null>}) into one
 * Buffer. `lease.bytes` counts what it took from `budget` (the caller gives it back when the
 * request is done). Resolves {body, size} or {refused: code, size}; rejects when the client
 * went away.
 */
export async function readBody(source, { limit, budget, lease }) {
  const declared = source.contentLength;
  if (declared !== null && declared > limit) return { refused: 'payload_too_large', size: 0 };
  let capacity = declared ?? Math.min(limit, FIRST_CAPACITY);
  if (!budget.take(capacity)) return { refused: 'proxy_busy', size: 0 };
  lease.bytes += capacity;
  let buf = Buffer.allocUnsafe(capacity);
  let size = 0;
  for (;;) {
    const chunk = await source.next();
    if (chunk === null) break;
    if (size + chunk.length > limit) return { refused: 'payload_too_large', size: size + chunk.length };
    if (size + chunk.length > capacity) {
      const grown = Math.min(limit, Math.max(capacity * 2, size + chunk.length));
      if (!budget.take(grown)) return { refused: 'proxy_busy', size: size + chunk.length };
      const bigger = Buffer.allocUnsafe(grown);
      buf.copy(bigger, 0, 0, size);
      budget.give(capacity);
      lease.bytes += grown - capacity;
      buf = bigger;
      capacity = grown;
    }
    buf.set(chunk, size);
    size += chunk.length;
  }
  return { body: buf.subarray(0, size), size };
}

/** The Content-Length header as a number, or null when absent or not a plain number. */
export function contentLength(value) {
  return typeof value === 'string' && /^\d{1,15}$/.test(value) ? Number(value) : null;
}
