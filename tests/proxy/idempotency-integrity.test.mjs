// Nothing readable from a message is kept by the idempotency stores: every key and value the
// memory store and Redis hold is decoded (JSON, base64, hex, nested) and searched for every
// address, name and text of the message and of Updox's answer. A repeat still gets the
// first answer (the store's sealed copy opens with the Idempotency-Key).
import test, { before, after } from 'node:test';
import assert from 'node:assert/strict';
import { DEMO_AUTH, startMockUpdox } from '../../server/mock-updox.mjs';
import { createHash } from 'node:crypto';
import { idempotencySecrets, openAnswer, patientKeyOf, startProxy } from '../../server/proxy.mjs';
import { ANSWER_BUCKET_BYTES } from '../../server/proxy/idempotency.mjs';
import { postJson } from '../support/http.mjs';
import { validMessage } from '../support/message.mjs';
import { hasRedisServer, startRedis } from '../support/redis.mjs';

let mock;
before(async () => {
  mock = await startMockUpdox();
});
after(() => mock.close());

const KEY = 'integrity-key-Zq81';
const SERVER_SECRET = 'integrity-server-secret-0123456789abcdef';
const BODY = validMessage({
  to: 'dr.wolfenden+cardio@direct.heartclinic.example.org',
  subject: 'Palpitations after Zyrtec',
  textMessage: 'Since Monday my heart races at night, Marguerite',
  attachments: [{ content: Buffer.from('ECG strip: sinus tachycardia 128 bpm').toString('base64'), mimeType: 'text/plain', fileName: 'ecg-marguerite-ortolan.txt' }],
  patientDemographics: {
    patientId: 'pt-77120-ortolan',
    firstName: 'Marguerite',
    middleName: 'Isobel',
    lastName: 'Ortolan',
    dateOfBirth: '1961-04-17',
    gender: 'F',
    emailAddress: 'm.ortolan@mail.example.net',
  },
});

/** Every string reachable from `value` by decoding: itself, JSON inside it, base64, hex. */
function decodings(value, out = new Set(), depth = 0) {
  if (depth > 6 || value === null || value === undefined) return out;
  if (Buffer.isBuffer(value) || value instanceof Uint8Array) return decodings(Buffer.from(value).toString('latin1'), out, depth + 1);
  if (typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      decodings(k, out, depth + 1);
      decodings(v, out, depth + 1);
    }
    return out;
  }
  const text = String(value);
  if (out.has(text)) return out;
  out.add(text);
  try {
    decodings(JSON.parse(text), out, depth + 1);
  } catch {
    // not JSON
  }
  for (const m of text.match(/[A-Za-z0-9+/=_-]{8,}/g) ?? []) {
    const b64 = Buffer.from(m.replace(/-/g, '+').replace(/_/g, '/'), 'base64').toString('latin1');
    if (b64.length) decodings(b64, out, depth + 1);
    if (/^(?:[0-9a-f]{2})+$/i.test(m)) decodings(Buffer.from(m, 'hex').toString('latin1'), out, depth + 1);
  }
  return out;
}

/** What must not be found: the message's texts, names, addresses, the key, and Updox's echo of them. */
function secretsOf(answer) {
  const d = BODY.patientDemographics;
  const a = BODY.attachments[0];
  return [
    BODY.to, 'wolfenden', 'heartclinic', BODY.subject, 'Zyrtec', BODY.textMessage, 'races at night',
    a.fileName, 'sinus tachycardia', a.content, d.patientId, d.firstName, d.middleName, d.lastName,
    d.emailAddress, KEY, answer.patientDirectAddress, answer.directAddress, answer.name, answer.recipient,
  ].map((s) => s.toLowerCase());
}

function assertNothingReadable(stored, answer) {
  assert.ok(stored.length > 0, 'the store holds something to search');
  const texts = [...decodings(stored)].map((t) => t.toLowerCase());
  const leaks = secretsOf(answer).filter((secret) => texts.some((t) => t.includes(secret)));
  assert.deepEqual(leaks, [], 'readable from the store');
}

async function sendTwice(p) {
  const first = await postJson(p.routeUrl, BODY, { 'Idempotency-Key': KEY });
  assert.equal(first.status, 200, first.text);
  const again = await postJson(p.routeUrl, BODY, { 'Idempotency-Key': KEY });
  assert.equal(again.headers['idempotent-replayed'], 'true');
  assert.equal(again.text, first.text, 'the sealed answer opens with the key');
  return first.json();
}

test('the memory store holds nothing readable from the message or its answer', async () => {
  const p = await startProxy({ env: {}, baseUrl: mock.baseUrl, auth: DEMO_AUTH, demo: true, quiet: true });
  try {
    const answer = await sendTwice(p);
    const store = await p.handler.store();
    assert.equal(store.kind, 'memory');
    assertNothingReadable(store.dump(), answer);
  } finally {
    await p.close();
  }
});

test('Redis holds nothing readable from the message or its answer (every key and value)', { skip: !hasRedisServer() && 'no redis-server' }, async () => {
  const redis = await startRedis();
  const p = await startProxy({ env: {}, baseUrl: mock.baseUrl, auth: DEMO_AUTH, demo: true, quiet: true, redisUrl: redis.url, serverSecret: SERVER_SECRET });
  const { createClient } = await import('redis');
  const client = createClient({ url: redis.url });
  await client.connect();
  try {
    const answer = await sendTwice(p);
    const stored = [];
    for (const key of await client.keys('*')) {
      const type = await client.type(key);
      const value =
        type === 'string' ? await client.get(key)
          : type === 'hash' ? await client.hGetAll(key)
            : type === 'list' ? await client.lRange(key, 0, -1)
              : type === 'set' ? await client.sMembers(key)
                : type === 'zset' ? await client.zRange(key, 0, -1)
                  : `unknown type ${type}`;
      stored.push({ key, type, value });
    }
    assert.ok(stored.some((s) => s.key.startsWith('updox-direct:idem:')), 'the answer is in Redis');
    assertNothingReadable(stored, answer);
  } finally {
    client.destroy();
    await p.close();
    await redis.stop();
  }
});

test('Redis holds nothing from which a patient ID, a short key or an answer is recovered without the server secret (the attacker tries)', { skip: !hasRedisServer() && 'no redis-server' }, async () => {
  const redis = await startRedis();
  const PATIENT_ID = '4816023'; // a 7-digit ID: 10 million candidates, a few seconds of SHA-256
  const SHORT_KEY = 'k7';
  const p = await startProxy({
    env: {},
    baseUrl: mock.baseUrl,
    auth: DEMO_AUTH,
    quiet: true,
    redisUrl: redis.url,
    serverSecret: SERVER_SECRET,
    authorize: (request) => ({ patientId: request.headers.get('x-patient') }),
  });
  const { createClient } = await import('redis');
  const client = createClient({ url: redis.url });
  await client.connect();
  try {
    const body = { ...BODY, patientDemographics: { ...BODY.patientDemographics, patientId: PATIENT_ID } };
    const first = await postJson(p.routeUrl, body, { 'Idempotency-Key': SHORT_KEY, 'X-Patient': PATIENT_ID });
    assert.equal(first.status, 200, first.text);
    const keys = await client.keys('*');
    const idem = keys.filter((k) => k.startsWith('updox-direct:idem:'));
    assert.equal(idem.length, 1);
    const stored = JSON.parse(await client.get(idem[0]));

    // The attacker enumerates IDs around the real one (a whole 7-digit space works the same),
    // and every key of up to two characters, under the schemes one can compute without the secret.
    const sha = (text) => createHash('sha256').update(text).digest('hex');
    const alphabet = 'abcdefghijklmnopqrstuvwxyz0123456789';
    const shortKeys = [...alphabet].flatMap((x) => [x, ...[...alphabet].map((y) => x + y)]);
    const found = [];
    for (let n = 4815000; n < 4817000; n++) {
      const id = String(n);
      const guesses = [sha(`updox-direct rate limit\0${id}`), sha(id), patientKeyOf(Buffer.alloc(32), id)];
      if (keys.some((k) => guesses.some((g) => k.includes(g)))) found.push(`patient ${id}`);
    }
    for (const k of shortKeys) {
      for (const scope of [PATIENT_ID, patientKeyOf(Buffer.alloc(32), PATIENT_ID)]) {
        if (idem[0].endsWith(sha(`${scope}\0${k}`))) found.push(`key ${k}`);
        const opened = openAnswer(idempotencySecrets(Buffer.alloc(32), scope, k), stored.answer);
        if (opened) found.push(`answer with ${k}`);
      }
    }
    assert.deepEqual(found, [], 'recovered without the server secret');
    // With the secret (the proxy's own view) the answer opens: the attempt above could have succeeded.
    const own = idempotencySecrets(Buffer.from(SERVER_SECRET), patientKeyOf(Buffer.from(SERVER_SECRET), PATIENT_ID), SHORT_KEY);
    assert.equal(openAnswer(own, stored.answer)?.body.toString(), first.text);
    // Stored lengths say nothing about the recipient's name: one bucket for short and long names.
    const sealedLength = (answer) => Buffer.from(answer, 'base64').length - 12 - 16;
    assert.equal(sealedLength(stored.answer) % ANSWER_BUCKET_BYTES, 0);
    const longName = await postJson(
      p.routeUrl,
      { ...body, to: `${'a-very-long-recipient-name'.repeat(10)}@direct.example.org` },
      { 'Idempotency-Key': 'k8', 'X-Patient': PATIENT_ID },
    );
    assert.equal(longName.status, 200);
    const lengths = new Set();
    for (const k of (await client.keys('updox-direct:idem:*'))) lengths.add(sealedLength(JSON.parse(await client.get(k)).answer));
    assert.equal(lengths.size, 1, `stored lengths ${[...lengths]}`);
  } finally {
    client.destroy();
    await p.close();
    await redis.stop();
  }
});
