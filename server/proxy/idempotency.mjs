// Idempotency: the first request for (scope, Idempotency-Key) goes to Updox, repeats get its
// answer. What a store holds is unreadable without the Idempotency-Key, which it never sees:
//   - the store key is SHA-256(scope, key);
//   - the body's fingerprint is HMAC-SHA-256 of the body as received, keyed from the key;
//   - the answer is sealed with AES-256-GCM under a key derived from the Idempotency-Key
//     and the scope (HKDF-SHA-256).
import { createCipheriv, createDecipheriv, createHash, createHmac, hkdfSync, randomBytes } from 'node:crypto';

const INFO = 'updox-direct idempotency v1';

/** What the store sees of a key: a hash, never the key itself. */
export const idempotencyStoreKey = (scope, key) => createHash('sha256').update(`${scope}\0${key}`).digest('hex');

/** The secrets of one (scope, key): {storeKey, sealKey, macKey}. */
export function idempotencySecrets(scope, key) {
  const okm = Buffer.from(hkdfSync('sha256', key, `scope:${scope}`, INFO, 64));
  return { storeKey: idempotencyStoreKey(scope, key), sealKey: okm.subarray(0, 32), macKey: okm.subarray(32) };
}

/** The body's fingerprint: HMAC-SHA-256 of the bytes as received (one Buffer or several). */
export function fingerprint(secrets, body) {
  const mac = createHmac('sha256', secrets.macKey);
  for (const part of Array.isArray(body) ? body : [body]) mac.update(part);
  return mac.digest('hex');
}

/** Seals an answer {status, contentType, body} into a base64 string. */
export function sealAnswer(secrets, answer) {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', secrets.sealKey, iv);
  const head = Buffer.from(JSON.stringify({ status: answer.status, contentType: answer.contentType ?? null }));
  const len = Buffer.alloc(4);
  len.writeUInt32BE(head.length);
  const sealed = Buffer.concat([iv, cipher.update(len), cipher.update(head), cipher.update(answer.body), cipher.final(), cipher.getAuthTag()]);
  return sealed.toString('base64');
}

/** Opens a sealed answer; null when it was not sealed with these secrets (or was altered). */
export function openAnswer(secrets, sealed) {
  try {
    const bytes = Buffer.from(sealed, 'base64');
    const decipher = createDecipheriv('aes-256-gcm', secrets.sealKey, bytes.subarray(0, 12));
    decipher.setAuthTag(bytes.subarray(bytes.length - 16));
    const plain = Buffer.concat([decipher.update(bytes.subarray(12, bytes.length - 16)), decipher.final()]);
    const len = plain.readUInt32BE(0);
    const head = JSON.parse(plain.subarray(4, 4 + len).toString('utf8'));
    return { status: head.status, contentType: head.contentType ?? undefined, body: plain.subarray(4 + len) };
  } catch {
    return null;
  }
}
