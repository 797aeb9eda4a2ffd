// POST <validatePath> {"recipient": "<Direct address>"}: does Updox find a trusted certificate
// for the address? Forwarded to Updox's DirectAddressValidate with the server's `auth`;
// answers are cached per scope (the authenticated patient) and recipient, so a form cannot
// make the proxy call Updox per keystroke, and one patient cannot learn from a fast answer
// which addresses another patient looked up.
import { createHash } from 'node:crypto';
import { isValidDirectAddress, normalizeDirectAddress } from './direct-address.mjs';

/** A bounded map whose entries expire; the oldest goes first when it is full. */
export class AnswerCache {
  constructor({ ttlMs, maxEntries, now = Date.now }) {
    this.ttlMs = ttlMs;
    this.maxEntries = maxEntries;
    this.now = now;
    this.entries = new Map();
  }

  get(key) {
    const entry = this.entries.get(key);
    if (!entry) return null;
    if (entry.expiresAt <= this.now()) {
      this.entries.delete(key);
      return null;
    }
    return entry.answer;
  }

  set(key, answer) {
    this.entries.delete(key);
    while (this.entries.size >= this.maxEntries) this.entries.delete(this.entries.keys().next().value);
    this.entries.set(key, { answer, expiresAt: this.now() + this.ttlMs });
  }
}

/** The recipient of a validate body, or null when the body is not exactly {"recipient": address}. */
export function recipientOf(raw) {
  let body;
  try {
    body = JSON.parse(raw.toString('utf8'));
  } catch {
    return { error: 'invalid_json' };
  }
  if (!body || typeof body !== 'object' || Array.isArray(body)) return { error: 'invalid_json' };
  const keys = Object.keys(body);
  if (keys.length !== 1 || keys[0] !== 'recipient' || !isValidDirectAddress(body.recipient)) {
    return { error: 'invalid_request' };
  }
  return { recipient: normalizeDirectAddress(body.recipient) };
}

export const cacheKey = (scope, recipient) => createHash('sha256').update(`${scope}\0${recipient}`).digest('hex');

/** True for an answer worth remembering: Updox's 200 with a yes or no (failures are retried). */
export function isCacheable(answer) {
  if (answer.status !== 200) return false;
  try {
    const json = JSON.parse(answer.body.toString('utf8'));
    return json?.successful === true && typeof json.validDirectAddress === 'boolean';
  } catch {
    return false;
  }
}
