// Exactly once: the proxy forwards the first request for an Idempotency-Key to Updox and
// answers every repeat (concurrent, later, or after a dropped connection) with that answer.
import test, { before, after, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import { createMemoryIdempotencyStore } from '../server/idempotency-memory.mjs';
import { startMockUpdox } from '../server/mock-updox.mjs';
import { startProxy } from '../server/proxy.mjs';
import { freePort, postJson, postThenDrop, sleep } from './support/http.mjs';
import { validMessage } from './support/message.mjs';

let mock;
let proxy;
let keyCounter = 0;
const newKey = () => `test-key-${process.pid}-${++keyCounter}`;
const sendPosts = (m = mock) => m.requests().filter((r) => r.method === 'POST').length;

before(async () => {
  mock = await startMockUpdox();
  proxy = await startProxy({ env: {}, baseUrl: mock.baseUrl, quiet: true });
});
after(async () => {
  await proxy.close();
  await mock.close();
});
beforeEach(() => mock.reset());

// --- The in-memory store on its own -------------------------------------------------------

const answer = (n) => ({ status: 200, contentType: 'application/json', body: Buffer.from(`{"n":${n}}`) });

test('store: claim, in flight, mismatch, complete, wait and release', async () => {
  const store = createMemoryIdempotencyStore();
  assert.deepEqual(await store.claim('k', 'fp1'), { state: 'claimed' });
  assert.deepEqual(await store.claim('k', 'fp1'), { state: 'in_flight' });
  assert.deepEqual(await store.claim('k', 'fp2'), { state: 'mismatch' });
  const waiting = store.wait('k', 1000);
  await store.complete('k', answer(1));
  assert.deepEqual(await waiting, answer(1));
  assert.deepEqual(await store.claim('k', 'fp1'), { state: 'completed', answer: answer(1) });
  assert.deepEqual(await store.claim('k', 'fp2'), { state: 'mismatch' });

  assert.equal((await store.claim('r', 'fp')).state, 'claimed');
  const released = store.wait('r', 1000);
  await store.release('r');
  assert.equal(await released, null, 'waiters learn the key was released');
  assert.equal((await store.claim('r', 'fp')).state, 'claimed', 'a released key can be claimed again');
  assert.equal(await store.wait('unknown', 10), null);
  assert.equal(await store.wait('r', 20), null, 'wait gives up after its timeout');
});

test('store: entries expire after the TTL', async () => {
  let t = 0;
  const store = createMemoryIdempotencyStore({ ttlMs: 100, now: () => t });
  await store.claim('k', 'fp');
  await store.complete('k', answer(1));
  t = 99;
  assert.equal((await store.claim('k', 'fp')).state, 'completed');
  t = 100;
  assert.equal((await store.claim('k', 'other')).state, 'claimed', 'expired: the key is new again');
});

test('store: bounded entries evict expired ones first, then the oldest completed, never in-flight', async () => {
  let t = 0;
  const store = createMemoryIdempotencyStore({ ttlMs: 100, maxEntries: 3, now: () => t });
  for (const k of ['k1', 'k2', 'k3']) await store.claim(k, 'fp');
  await store.complete('k2', answer(2)); // expires at 100
  t = 50;
  await store.complete('k1', answer(1)); // expires at 150
  await store.complete('k3', answer(3));
  t = 120;
  assert.equal((await store.claim('k4', 'fp')).state, 'claimed');
  assert.equal(store.has('k2'), false, 'the expired entry went first');
  assert.equal(store.has('k1'), true, 'an older but still valid entry stayed');
  assert.equal(store.size(), 3);

  assert.equal((await store.claim('k5', 'fp')).state, 'claimed');
  assert.equal(store.has('k1'), false, 'then the oldest completed entry');
  assert.equal(store.has('k3'), true);
  assert.equal(store.size(), 3);

  // k3 is the only completed entry left; after it goes, everything is in flight: full.
  assert.equal((await store.claim('k6', 'fp')).state, 'claimed');
  assert.equal(store.has('k3'), false);
  assert.deepEqual(await store.claim('k7', 'fp'), { state: 'full' });
  assert.ok(store.has('k4') && store.has('k5') && store.has('k6'), 'in-flight entries are kept');
});

// --- Through the proxy, as a browser would see it -----------------------------------------

test('two identical concurrent requests with one key: one message, both get the same answer', async () => {
  const key = newKey();
  const body = validMessage({ to: 'slow-150@direct.example.org' });
  const [a, b] = await Promise.all([
    postJson(proxy.routeUrl, body, { 'Idempotency-Key': key }),
    postJson(proxy.routeUrl, body, { 'Idempotency-Key': key }),
  ]);
  assert.equal(a.status, 200);
  assert.equal(b.status, 200);
  assert.equal(a.text, b.text);
  assert.equal(a.json().successful, true);
  const replays = [a, b].filter((r) => r.headers['idempotent-replayed'] === 'true');
  assert.equal(replays.length, 1, 'exactly one of them is the replay');
  assert.equal(mock.messages().length, 1);
  assert.equal(sendPosts(), 1, 'Updox saw one request');
  assert.equal(mock.messages()[0].idempotencyKey, key);
});

test('a repeat later is answered from memory; without a key every request is sent', async () => {
  const key = newKey();
  const first = await postJson(proxy.routeUrl, validMessage(), { 'Idempotency-Key': key });
  await sleep(20);
  const again = await postJson(proxy.routeUrl, validMessage(), { 'Idempotency-Key': key });
  assert.equal(again.status, first.status);
  assert.equal(again.text, first.text);
  assert.equal(again.headers['idempotent-replayed'], 'true');
  assert.equal(first.headers['idempotent-replayed'], undefined);
  assert.equal(mock.messages().length, 1);

  await postJson(proxy.routeUrl, validMessage());
  await postJson(proxy.routeUrl, validMessage());
  assert.equal(mock.messages().length, 3);
});

test('a failure answer from Updox is remembered too (no second send)', async () => {
  const key = newKey();
  const body = validMessage({ to: 'fail-4650@direct.example.org' });
  const first = await postJson(proxy.routeUrl, body, { 'Idempotency-Key': key });
  const again = await postJson(proxy.routeUrl, body, { 'Idempotency-Key': key });
  assert.equal(first.json().responseCode, 4650);
  assert.equal(again.text, first.text);
  assert.equal(sendPosts(), 1);
});

test('a connection dropped before the answer, then resent with the same key: one message', async () => {
  const key = newKey();
  const body = validMessage({ to: 'slow-200@direct.example.org' });
  await postThenDrop(proxy.routeUrl, body, { 'Idempotency-Key': key }, 30);
  const resent = await postJson(proxy.routeUrl, body, { 'Idempotency-Key': key });
  assert.equal(resent.status, 200);
  assert.equal(resent.json().successful, true);
  assert.equal(resent.headers['idempotent-replayed'], 'true');
  await sleep(50);
  assert.equal(mock.messages().length, 1);
  assert.equal(resent.json().messageId, mock.messages()[0].messageId);

  // Dropped, and resent only after Updox has answered: still one.
  const key2 = newKey();
  await postThenDrop(proxy.routeUrl, validMessage({ to: 'slow-50@direct.example.org' }), { 'Idempotency-Key': key2 }, 10);
  await sleep(150);
  const late = await postJson(proxy.routeUrl, validMessage({ to: 'slow-50@direct.example.org' }), { 'Idempotency-Key': key2 });
  assert.equal(late.headers['idempotent-replayed'], 'true');
  assert.equal(mock.messages().length, 2);
  assert.equal(sendPosts(), 2);
});

test('the same key with a different body is refused with 422', async () => {
  const key = newKey();
  assert.equal((await postJson(proxy.routeUrl, validMessage(), { 'Idempotency-Key': key })).status, 200);
  const other = await postJson(proxy.routeUrl, validMessage({ subject: 'Another subject' }), { 'Idempotency-Key': key });
  assert.equal(other.status, 422);
  assert.equal(other.json().error, 'idempotency_key_reused');
  assert.equal(mock.messages().length, 1);
  assert.equal(mock.messages()[0].body.subject, 'Test subject');
});

test('malformed keys get 400 and are not forwarded', async () => {
  for (const key of ['has space', 'x'.repeat(256), 'tab\there']) {
    const res = await postJson(proxy.routeUrl, validMessage(), { 'Idempotency-Key': key });
    assert.equal(res.status, 400, JSON.stringify(key));
    assert.equal(res.json().error, 'invalid_idempotency_key');
  }
  assert.equal(sendPosts(), 0);
});

test('a first attempt that never reached Updox releases the key, so the retry is sent', async () => {
  const port = await freePort();
  const p = await startProxy({ env: {}, baseUrl: `http://127.0.0.1:${port}/api/io`, quiet: true });
  let late;
  try {
    const key = newKey();
    const refused = await postJson(p.routeUrl, validMessage(), { 'Idempotency-Key': key });
    assert.equal(refused.status, 502);
    assert.equal(refused.json().error, 'upstream_unreachable');
    late = await startMockUpdox({ port }); // Updox is back
    const retry = await postJson(p.routeUrl, validMessage(), { 'Idempotency-Key': key });
    assert.equal(retry.status, 200);
    assert.equal(retry.json().successful, true);
    assert.equal(retry.headers['idempotent-replayed'], undefined);
    assert.equal(late.messages().length, 1);
  } finally {
    await p.close();
    await late?.close();
  }
});

test('a timeout after Updox got the request is remembered: the retry does not send again', async () => {
  const m = await startMockUpdox();
  const p = await startProxy({ env: {}, baseUrl: m.baseUrl, timeoutMs: 80, quiet: true });
  try {
    const key = newKey();
    const body = validMessage({ to: 'slow-250@direct.example.org' });
    const first = await postJson(p.routeUrl, body, { 'Idempotency-Key': key });
    assert.equal(first.status, 504);
    const retry = await postJson(p.routeUrl, body, { 'Idempotency-Key': key });
    assert.equal(retry.status, 504);
    assert.equal(retry.headers['idempotent-replayed'], 'true');
    await sleep(250);
    assert.equal(m.messages().length, 1, 'Updox delivered it once');
    assert.equal(sendPosts(m), 1);
  } finally {
    await p.close();
    await m.close();
  }
});

test('bounded memory through the proxy: full store answers 503; large answers are not kept', async () => {
  const p = await startProxy({ env: {}, baseUrl: mock.baseUrl, idempotencyMaxEntries: 1, quiet: true });
  try {
    const slow = postJson(p.routeUrl, validMessage({ to: 'slow-150@direct.example.org' }), { 'Idempotency-Key': newKey() });
    await sleep(40);
    const busy = await postJson(p.routeUrl, validMessage(), { 'Idempotency-Key': newKey() });
    assert.equal(busy.status, 503);
    assert.equal(busy.json().error, 'idempotency_store_full');
    assert.equal(busy.headers['retry-after'], '1');
    assert.equal((await slow).status, 200);
    // Once the first is completed it can be evicted to make room.
    assert.equal((await postJson(p.routeUrl, validMessage(), { 'Idempotency-Key': newKey() })).status, 200);
    assert.equal(mock.messages().length, 2);
    assert.equal((await p.handler.store()).size(), 1);
  } finally {
    await p.close();
  }

  mock.reset();
  const tiny = await startProxy({ env: {}, baseUrl: mock.baseUrl, maxAnswerBytes: 10, quiet: true });
  try {
    const key = newKey();
    const first = await postJson(tiny.routeUrl, validMessage(), { 'Idempotency-Key': key });
    assert.equal(first.json().successful, true, 'the first caller gets the full answer');
    const again = await postJson(tiny.routeUrl, validMessage(), { 'Idempotency-Key': key });
    assert.equal(again.status, 502);
    assert.equal(again.json().error, 'answer_not_replayable');
    assert.equal(mock.messages().length, 1, 'and it is still not sent twice');
  } finally {
    await tiny.close();
  }
});
