// Several proxy instances share one Redis idempotency store: a key sent to two instances at
// once still makes one Updox message; Redis down means 503 (never an unguarded send).
import test, { before, after, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import { createRedisIdempotencyStore } from '../../server/proxy/idempotency-redis.mjs';
import { DEMO_AUTH, startMockUpdox } from '../../server/mock-updox.mjs';
import { fingerprint, idempotencySecrets, startProxy } from '../../server/proxy.mjs';
import { freePort, postJson, sleep } from '../support/http.mjs';
import { validMessage } from '../support/message.mjs';
import { hasRedisServer, startRedis } from '../support/redis.mjs';

if (!hasRedisServer()) {
  throw new Error('redis-server not found: run scripts/setup.sh (apt-get install -y redis-server)');
}

let redis;
let mock;
let keyCounter = 0;
const newKey = () => `redis-key-${process.pid}-${Date.now()}-${++keyCounter}`;
const sendPosts = () => mock.requests().filter((r) => r.method === 'POST').length;

before(async () => {
  redis = await startRedis();
  mock = await startMockUpdox();
});
after(async () => {
  await mock.close();
  await redis.stop();
});
beforeEach(() => mock.reset());

/** A proxy instance using the shared Redis (the way UPDOX_IDEMPOTENCY_REDIS_URL selects it). */
const SERVER_SECRET = 'redis-test-server-secret-0123456789abcdef';
const instance = (env = {}, options = {}) =>
  startProxy({ env: { UPDOX_IDEMPOTENCY_REDIS_URL: redis.url, UPDOX_PROXY_SERVER_SECRET: SERVER_SECRET, ...env }, ...demo, ...options });
/** The store's secrets for a key sent in demo mode (no patient). */
const secretsOf = (key) => idempotencySecrets(Buffer.from(SERVER_SECRET), 'demo', key);
const demo = { baseUrl: undefined, auth: DEMO_AUTH, demo: true, quiet: true };
Object.defineProperty(demo, 'baseUrl', { get: () => mock.baseUrl, enumerable: true });

test('two instances, one key sent to both at once: one message, the same answer for both', async () => {
  const [a, b] = await Promise.all([instance(), instance()]);
  try {
    assert.equal((await a.handler.store()).kind, 'redis');
    const key = newKey();
    const body = validMessage({ to: 'slow-150@direct.example.org' });
    const [ra, rb] = await Promise.all([
      postJson(a.routeUrl, body, { 'Idempotency-Key': key }),
      postJson(b.routeUrl, body, { 'Idempotency-Key': key }),
    ]);
    assert.equal(ra.status, 200);
    assert.equal(rb.status, 200);
    assert.equal(ra.text, rb.text);
    assert.equal(ra.json().successful, true);
    assert.equal([ra, rb].filter((r) => r.headers['idempotent-replayed'] === 'true').length, 1);
    assert.equal(mock.messages().length, 1);

    // Later, to either instance: still one.
    for (const p of [a, b]) {
      const again = await postJson(p.routeUrl, body, { 'Idempotency-Key': key });
      assert.equal(again.text, ra.text);
      assert.equal(again.headers['idempotent-replayed'], 'true');
    }
    const other = await postJson(b.routeUrl, validMessage({ subject: 'changed' }), { 'Idempotency-Key': key });
    assert.equal(other.status, 422);
    assert.equal(mock.messages().length, 1);
    assert.equal(sendPosts(), 1);
  } finally {
    await a.close();
    await b.close();
  }
});

test('a first attempt that never reached Updox is released across instances', async () => {
  const port = await freePort();
  const dead = await instance({}, { baseUrl: `http://127.0.0.1:${port}/api/io` });
  const live = await instance();
  try {
    const key = newKey();
    assert.equal((await postJson(dead.routeUrl, validMessage(), { 'Idempotency-Key': key })).status, 502);
    const retry = await postJson(live.routeUrl, validMessage(), { 'Idempotency-Key': key });
    assert.equal(retry.status, 200);
    assert.equal(retry.headers['idempotent-replayed'], undefined);
    assert.equal(mock.messages().length, 1);
  } finally {
    await dead.close();
    await live.close();
  }
});

test('an abandoned claim (instance died mid-request): a repeat waits, gets 409 while it lives, then outcome_unknown: never sent', async () => {
  const key = newKey();
  const body = validMessage();
  const raw = Buffer.from(JSON.stringify(body));
  const secrets = secretsOf(key);
  // The "dead" instance claimed the key and never completed it.
  const deadStore = createRedisIdempotencyStore({ url: redis.url, inFlightTtlMs: 600 });
  try {
    assert.equal((await deadStore.claim(secrets.storeKey, fingerprint(secrets, raw))).state, 'claimed');
  } finally {
    await deadStore.close();
  }

  const p = await instance({}, { idempotencyWaitMs: 150, timeoutMs: 500, idempotencyInFlightTtlMs: 600 });
  try {
    const started = Date.now();
    const blocked = await postJson(p.routeUrl, body, { 'Idempotency-Key': key });
    assert.equal(blocked.status, 409);
    assert.equal(blocked.json().error, 'request_in_progress');
    assert.ok(Date.now() - started >= 140, 'it waited idempotencyWaitMs for the answer first');
    assert.equal(sendPosts(), 0);
    await sleep(600);
    const after = await postJson(p.routeUrl, body, { 'Idempotency-Key': key });
    assert.equal(after.status, 409);
    assert.equal(after.json().error, 'outcome_unknown', 'whether the dead instance reached Updox is unknown');
    assert.equal(sendPosts(), 0);
  } finally {
    await p.close();
  }
});

test('Redis unavailable at start: 503 for keyed requests, nothing forwarded; recovers when Redis comes', async () => {
  const port = await freePort();
  const p = await startProxy({ env: { UPDOX_IDEMPOTENCY_REDIS_URL: `redis://127.0.0.1:${port}`, UPDOX_PROXY_SERVER_SECRET: SERVER_SECRET }, ...demo });
  let late;
  try {
    const key = newKey();
    const res = await postJson(p.routeUrl, validMessage(), { 'Idempotency-Key': key });
    assert.equal(res.status, 503);
    assert.equal(res.json().error, 'idempotency_unavailable');
    assert.equal(sendPosts(), 0, 'not forwarded unguarded');

    late = await startRedis({ port });
    let status = 0;
    for (let i = 0; i < 60 && status !== 200; i++) {
      await sleep(50);
      status = (await postJson(p.routeUrl, validMessage(), { 'Idempotency-Key': key })).status;
    }
    assert.equal(status, 200, 'recovered once Redis is there');
    assert.equal(mock.messages().length, 1);
  } finally {
    await p.close();
    await late?.stop();
  }
});

test('Redis going away mid-run: 503, then recovery when it returns', async () => {
  const own = await startRedis();
  const p = await startProxy({ env: { UPDOX_IDEMPOTENCY_REDIS_URL: own.url, UPDOX_PROXY_SERVER_SECRET: SERVER_SECRET }, ...demo });
  let again;
  try {
    assert.equal((await postJson(p.routeUrl, validMessage(), { 'Idempotency-Key': newKey() })).status, 200);
    await own.stop();
    const down = await postJson(p.routeUrl, validMessage(), { 'Idempotency-Key': newKey() });
    assert.equal(down.status, 503);
    assert.equal(down.json().error, 'idempotency_unavailable');
    assert.equal(mock.messages().length, 1);

    again = await startRedis({ port: own.port });
    const key = newKey();
    let status = 0;
    for (let i = 0; i < 60 && status !== 200; i++) {
      await sleep(50);
      status = (await postJson(p.routeUrl, validMessage(), { 'Idempotency-Key': key })).status;
    }
    assert.equal(status, 200);
    assert.equal(mock.messages().length, 2);
  } finally {
    await p.close();
    await again?.stop();
  }
});

test('Redis: a stale claim reads as unknown and is never claimed again; only its owner completes it', async () => {
  const store = createRedisIdempotencyStore({ url: redis.url, inFlightTtlMs: 150 });
  try {
    const key = `fence-${newKey()}`;
    const owner = await store.claim(key, 'fp');
    assert.equal(owner.state, 'claimed');
    await sleep(200); // the owner hung past its in-flight life
    assert.deepEqual(await store.claim(key, 'fp'), { state: 'unknown' });
    assert.deepEqual(await store.peek(key), { state: 'unknown', fingerprint: 'fp' });
    assert.equal(await store.complete(key, 'another-token', 'forged'), false);
    assert.equal(await store.release(key, 'another-token'), false);
    assert.equal(await store.complete(key, owner.token, 'late-answer'), true, "the owner's retried complete() lands");
    assert.deepEqual(await store.claim(key, 'fp'), { state: 'completed', answer: 'late-answer' });
    assert.equal(await store.complete(key, owner.token, 'again'), false);
    // A claim Redis lost (restarted without persistence) is completed from the fingerprint.
    const lost = `lost-${newKey()}`;
    assert.equal(await store.complete(lost, 'gone-token', 'kept', 'fp2'), true);
    assert.deepEqual(await store.claim(lost, 'fp2'), { state: 'completed', answer: 'kept' });
  } finally {
    await store.close();
  }
});

test('stored answers live for UPDOX_IDEMPOTENCY_TTL_MS (at least 24 h) under a keyed hash', async () => {
  const { createClient } = await import('redis');
  const p = await instance({ UPDOX_IDEMPOTENCY_TTL_MS: String(48 * 3600 * 1000) });
  const client = createClient({ url: redis.url });
  await client.connect();
  try {
    const key = newKey();
    await postJson(p.routeUrl, validMessage(), { 'Idempotency-Key': key });
    const redisKey = `updox-direct:idem:${secretsOf(key).storeKey}`;
    assert.ok(await client.get(redisKey), 'the answer is stored under the hashed key');
    assert.ok(!(await client.keys('*')).some((k) => k.includes(key)), 'keys are hashed');
    const ttl = await client.pTTL(redisKey);
    assert.ok(ttl > 47 * 3600 * 1000 && ttl <= 48 * 3600 * 1000, `TTL ${ttl}`);
  } finally {
    client.destroy();
    await p.close();
  }
});

test('Redis stopped mid-send and restarted empty, two instances: one Updox message; the resend gets the answer or unknown', async () => {
  const own = await startRedis();
  const options = { env: { UPDOX_IDEMPOTENCY_REDIS_URL: own.url, UPDOX_PROXY_SERVER_SECRET: SERVER_SECRET }, ...demo };
  const [a, b] = [await startProxy(options), await startProxy(options)];
  let again;
  try {
    const key = newKey();
    const body = validMessage({ to: 'slow-1500@direct.example.org' });
    const first = postJson(a.routeUrl, body, { 'Idempotency-Key': key });
    await sleep(300);
    await own.stop(); // mid-send: Updox has the message, the store is gone
    await sleep(300);
    again = await startRedis({ port: own.port }); // back, without what it held
    const answered = await first;
    assert.equal(answered.status, 200, 'the first attempt gets Updox\'s answer');
    const resent = await postJson(b.routeUrl, body, { 'Idempotency-Key': key });
    if (resent.status === 200) {
      assert.equal(resent.headers['idempotent-replayed'], 'true');
      assert.equal(resent.text, answered.text);
    } else {
      assert.equal(resent.status, 409, resent.text);
      assert.equal(resent.json().error, 'outcome_unknown');
    }
    assert.equal(mock.messages().length, 1, 'one Updox message');
  } finally {
    await a.close();
    await b.close();
    await own.stop();
    await again?.stop();
  }
});

test('Redis: a claim applied whose reply was lost is read back by its token, not guessed', async () => {
  const { createClient } = await import('redis');
  const real = createClient({ url: redis.url });
  await real.connect();
  let loseNextClaimReply = true;
  // The connection answers normally, except that the first claim's reply is lost after Redis applied it.
  const client = {
    async eval(script, options) {
      const reply = await real.eval(script, options);
      if (loseNextClaimReply && /redis\.call\('SET'[^\n]*in_flight/.test(script)) {
        loseNextClaimReply = false;
        throw new Error('connection reset: reply lost');
      }
      return reply;
    },
  };
  const store = createRedisIdempotencyStore({ redis: { client, ready: Promise.resolve() } });
  try {
    const key = `lost-reply-${newKey()}`;
    const claim = await store.claim(key, 'fp');
    assert.equal(claim.state, 'claimed', 'the claim Redis applied is the caller\'s');
    assert.equal(loseNextClaimReply, false, 'the reply was lost');
    assert.deepEqual(await store.claim(key, 'fp'), { state: 'in_flight' }, 'and nobody else gets it');
    assert.equal(await store.complete(key, claim.token, 'answer'), true, 'its token completes it');
    assert.deepEqual(await store.claim(key, 'fp'), { state: 'completed', answer: 'answer' });
  } finally {
    await store.close();
    real.destroy();
  }
});
