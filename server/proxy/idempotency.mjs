// What the proxy keeps at rest is keyed with the server secret, so that someone reading the
// store (or Redis) cannot link an entry to a patient, test a guessed Idempotency-Key, or open
// an answer without that secret:
//   - a patient is known by patientKey = HMAC(secret, patient ID): rate-limit keys, idempotency
//     scope, audit lines;
//   - the store key is HMAC(secret, patientKey, Idempotency-Key);
//   - the body's fingerprint is HMAC-SHA-256 of the body as received, under a key derived
//     from the secret and the Idempotency-Key;
//   - the answer is sealed with AES-256-GCM under a key derived (HKDF-SHA-256) from the secret,
//     the patient and the Idempotency-Key, and padded to a multiple of ANSWER_BUCKET_BYTES so its
//     length says nothing about names or addresses in it.
import { createCipheriv, createDecipheriv, createHmac, hkdfSync, randomBytes } from 'node:crypto';

const INFO = 'updox-direct idempotency v2';
export const ANSWER_BUCKET_BYTES = 1024;

const hmacHex = (secret, ...parts) => {
  const mac = createHmac('sha256', secret);
  for (const part of parts) mac.update(`${part}\0`);
  return mac.digest('hex');
};

/** The patient as kept at rest and logged: a keyed hash of the patient ID ('' in demo mode). */
export const patientKeyOf = (secret, patientId) => (patientId === null ? 'demo' : hmacHex(secret, 'patient', patientId));

/** What the store sees of a key: a keyed hash, never the key itself. */
export const idempotencyStoreKey = (secret, patientKey, key) => hmacHex(secret, 'store', patientKey, key);

/** The secrets of one (patient, key): {storeKey, sealKey, macKey}. */
export function idempotencySecrets(secret, patientKey, key) {
  const salt = createHmac('sha256', secret).update(`seal\0${patientKey}`).digest();
  const okm = Buffer.from(hkdfSync('sha256', Buffer.concat([secret, Buffer.from(`\0${key}`)]), salt, INFO, 64));
  return { storeKey: idempotencyStoreKey(secret, patientKey, key), sealKey: okm.subarray(0, 32), macKey: okm.subarray(32) };
}

/** An incremental fingerprint: update(chunk) as bytes arrive, digest() at the end. */
export const fingerprinter = (secrets) => createHmac('sha256', secrets.macKey);

/** The body's fingerprint: HMAC-SHA-256 of the bytes as received (one Buffer or several). */
export function fingerprint(secrets, body) {
  const mac = fingerprinter(secrets);
  for (const part of Array.isArray(body) ? body : [body]) mac.update(part);
  return mac.digest('hex');
}

/** Seals an answer {status, contentType, body} into a base64 string of a bucketed length. */
export function sealAnswer(secrets, answer) {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', secrets.sealKey, iv);
  const head = Buffer.from(JSON.stringify({ status: answer.status, contentType: answer.contentType ?? null }));
  const lengths = Buffer.alloc(8);
  lengths.writeUInt32BE(head.length, 0);
  lengths.writeUInt32BE(answer.body.length, 4);
  const used = lengths.length + head.length + answer.body.length;
  const padding = Buffer.alloc(Math.ceil(used / ANSWER_BUCKET_BYTES) * ANSWER_BUCKET_BYTES - used);
  const sealed = Buffer.concat([
    iv,
    cipher.update(lengths),
    cipher.update(head),
    cipher.update(answer.body),
    cipher.update(padding),
    cipher.final(),
    cipher.getAuthTag(),
  ]);
  return sealed.toString('base64');
}

/** Opens a sealed answer; null when it was not sealed with these secrets (or was altered). */
export function openAnswer(secrets, sealed) {
  try {
    const bytes = Buffer.from(sealed, 'base64');
    const decipher = createDecipheriv('aes-256-gcm', secrets.sealKey, bytes.subarray(0, 12));
    decipher.setAuthTag(bytes.subarray(bytes.length - 16));
    const plain = Buffer.concat([decipher.update(bytes.subarray(12, bytes.length - 16)), decipher.final()]);
    const headLength = plain.readUInt32BE(0);
    const bodyLength = plain.readUInt32BE(4);
    const head = JSON.parse(plain.subarray(8, 8 + headLength).toString('utf8'));
    const body = plain.subarray(8 + headLength, 8 + headLength + bodyLength);
    return { status: head.status, contentType: head.contentType ?? undefined, body };
  } catch {
    return null;
  }
}

/** The rate limiter's key for a patient: keyed, so a counter cannot be tied to an ID. */
export const rateLimitKeyOf = (secret, route, patientKey) => hmacHex(secret, 'rate', route, patientKey);
