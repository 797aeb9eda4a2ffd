// Exactly once: the proxy forwards the first request for an Idempotency-Key to Updox and
// answers every repeat (concurrent, later, or after a dropped connection) with that answer.
import test, { before, after, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import { createMemoryIdempotencyStore } from '../../server/proxy/idempotency-memory.mjs';
import { DEMO_AUTH, startMockUpdox } from '../../server/mock-updox.mjs';
import { startProxy } from '../../server/proxy.mjs';
import { freePort, postJson, postThenDrop, sleep } from '../support/http.mjs';
import { validMessage } from '../support/message.mjs';

let mock;
let proxy;
let keyCounter = 0;
const newKey = () => `test-key-${process.pid}-${++keyCounter}`;
const sendPosts = (m = mock) => m.requests().filter((r) => r.method === 'POST').length;

before(async () => {
  mock = await startMockUpdox();
  proxy = await startProxy({ env: {}, auth: DEMO_AUTH, demo: true, baseUrl: mock.baseUrl, quiet: true });
});
after(async () => {
  await proxy.close();
  await mock.close();
});
beforeEach(() => mock.reset());

// --- The in-memory store on its own -------------------------------------------------------

const sealed = (n) => `sealed-answer-${n}`; // the store holds opaque strings

test('store: claim, in flight, mismatch, complete, wait and release', async () => {
  const store = createMemoryIdempotencyStore();
  const first = await store.claim('k', 'fp1');
  assert.equal(first.state, 'claimed');
  assert.equal(typeof first.token, 'string');
  assert.deepEqual(await store.claim('k', 'fp1'), { state: 'in_flight' });
  assert.deepEqual(await store.claim('k', 'fp2'), { state: 'mismatch' });
  const waiting = store.wait('k', 1000);
  assert.equal(await store.complete('k', first.token, sealed(1)), true);
  assert.deepEqual(await waiting, { state: 'completed', answer: sealed(1) });
  assert.deepEqual(await store.claim('k', 'fp1'), { state: 'completed', answer: sealed(1) });
  assert.deepEqual(await store.claim('k', 'fp2'), { state: 'mismatch' });

  const r = await store.claim('r', 'fp');
  const released = store.wait('r', 1000);
  assert.equal(await store.release('r', r.token), true);
  assert.deepEqual(await released, { state: 'gone' }, 'waiters learn the key was released');
  const again = await store.claim('r', 'fp');
  assert.equal(again.state, 'claimed', 'a released key can be claimed again');
  assert.deepEqual(await store.wait('unknown', 10), { state: 'gone' });
  assert.deepEqual(await store.wait('r', 20), { state: 'in_flight' }, 'wait gives up after its timeout');
});

test('store: answers live the key\'s whole life; a claim never completed reads as unknown, never claimable', async () => {
  let t = 0;
  const store = createMemoryIdempotencyStore({ ttlMs: 1000, inFlightTtlMs: 50, now: () => t });
  const { token } = await store.claim('k', 'fp');
  await store.complete('k', token, sealed(1));
  t = 999;
  assert.equal((await store.claim('k', 'fp')).state, 'completed', 'replayed until the key\'s life ends');
  t = 1000;
  assert.equal((await store.claim('k', 'other')).state, 'claimed', 'after its life the key is new again');
  t = 1049;
  assert.equal((await store.claim('k', 'other')).state, 'in_flight');
  t = 1050; // the claim's instance died (or lost the store): what reached Updox is unknown
  assert.deepEqual(await store.claim('k', 'other'), { state: 'unknown' });
  assert.deepEqual(await store.wait('k', 10), { state: 'unknown' });
  assert.deepEqual(await store.peek('k'), { state: 'unknown', fingerprint: 'other' });
  t = 1999;
  assert.deepEqual(await store.claim('k', 'other'), { state: 'unknown' }, 'blocked for the key\'s life');
});

test('store: a stale claim stays its owner\'s: a late complete() records the answer, no other token can', async () => {
  let t = 0;
  const store = createMemoryIdempotencyStore({ inFlightTtlMs: 50, now: () => t });
  const owner = await store.claim('k', 'fp');
  t = 60; // the owner's store writes failed for a while; the key reads as unknown meanwhile
  assert.deepEqual(await store.claim('k', 'fp'), { state: 'unknown' });
  assert.equal(await store.complete('k', 'not-the-token', sealed('forged')), false);
  assert.equal(await store.release('k', 'not-the-token'), false);
  assert.equal(await store.complete('k', owner.token, sealed('late')), true, 'the owner\'s retried complete() lands');
  assert.deepEqual(await store.claim('k', 'fp'), { state: 'completed', answer: sealed('late') });
  assert.equal(await store.complete('k', owner.token, sealed('again')), false, 'and cannot overwrite it');
});

test('store: full means new keys are refused; an unexpired answer is never evicted', async () => {
  let t = 0;
  const store = createMemoryIdempotencyStore({ ttlMs: 100, maxEntries: 3, now: () => t });
  for (const k of ['k1', 'k2', 'k3']) {
    const { token } = await store.claim(k, 'fp');
    await store.complete(k, token, sealed(k));
  }
  t = 50;
  assert.deepEqual(await store.claim('k4', 'fp'), { state: 'full' });
  for (const k of ['k1', 'k2', 'k3']) {
    assert.deepEqual(await store.claim(k, 'fp'), { state: 'completed', answer: sealed(k) }, `${k} kept`);
  }
  t = 100; // now they have expired: room again
  assert.equal((await store.claim('k4', 'fp')).state, 'claimed');
  assert.equal(store.size(), 1);

  const small = createMemoryIdempotencyStore({ maxBytes: 1000 });
  const a = await small.claim('a', 'fp');
  await small.complete('a', a.token, 'x'.repeat(800));
  assert.deepEqual(await small.claim('b', 'fp'), { state: 'full' }, 'the byte bound counts answers');
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
  const p = await startProxy({ env: {}, auth: DEMO_AUTH, demo: true, baseUrl: `http://127.0.0.1:${port}/api/io`, quiet: true });
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

test('a timeout after Updox got the request blocks the key: the retry is told the outcome is unknown, not sent', async () => {
  const m = await startMockUpdox();
  const p = await startProxy({ env: {}, auth: DEMO_AUTH, demo: true, baseUrl: m.baseUrl, timeoutMs: 80, idempotencyInFlightTtlMs: 200, quiet: true });
  try {
    const key = newKey();
    const body = validMessage({ to: 'slow-250@direct.example.org' });
    const first = await postJson(p.routeUrl, body, { 'Idempotency-Key': key });
    assert.equal(first.status, 504);
    assert.equal(first.json().error, 'upstream_timeout');
    const retry = await postJson(p.routeUrl, body, { 'Idempotency-Key': key });
    assert.equal(retry.status, 409);
    assert.equal(retry.json().error, 'outcome_unknown');
    assert.match(retry.json().message, /outcome is unknown/);
    await sleep(250);
    assert.equal(m.messages().length, 1, 'Updox delivered it once');
    assert.equal(sendPosts(m), 1);
  } finally {
    await p.close();
    await m.close();
  }
});

test('a full store answers 503 idempotency_store_full and forwards nothing; large answers are not kept', async () => {
  const p = await startProxy({ env: {}, auth: DEMO_AUTH, demo: true, baseUrl: mock.baseUrl, idempotencyMaxEntries: 1, quiet: true });
  try {
    assert.equal((await postJson(p.routeUrl, validMessage(), { 'Idempotency-Key': newKey() })).status, 200);
    const busy = await postJson(p.routeUrl, validMessage({ subject: 'second' }), { 'Idempotency-Key': newKey() });
    assert.equal(busy.status, 503);
    assert.equal(busy.json().error, 'idempotency_store_full');
    assert.equal(busy.headers['retry-after'], '1');
    assert.equal(mock.messages().length, 1, 'the refused request did not reach Updox');
    assert.equal((await p.handler.store()).size(), 1, 'the first answer is kept, not evicted');
  } finally {
    await p.close();
  }

  mock.reset();
  const tiny = await startProxy({ env: {}, auth: DEMO_AUTH, demo: true, baseUrl: mock.baseUrl, maxAnswerBytes: 10, quiet: true });
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
