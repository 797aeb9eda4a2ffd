// The one outcome rule at the seams between the module, the proxy and the store, driven over
// HTTP: a delivered message is never forwarded twice, whatever refuses or fails around its
// resend (a rate limit, a busy proxy, a new session, a store fault, the store's own clock), and
// what the store keeps is exactly what proves an outcome.
import test, { before, after, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { createMemoryIdempotencyStore } from '../../server/proxy/idempotency-memory.mjs';
import { DEMO_AUTH, startMockUpdox } from '../../server/mock-updox.mjs';
import { startProxy } from '../../server/proxy.mjs';
import { postJson, sleep } from '../support/http.mjs';
import { validDemographics, validMessage } from '../support/message.mjs';

const SERVER_SECRET = 'outcome-test-server-secret-0123456789';
const PATIENT = '100030'; // the sample's patientId

let mock;
let keyCounter = 0;
const newKey = () => `outcome-${process.pid}-${++keyCounter}-${'x'.repeat(8)}`;
const sendPosts = () => mock.requests().filter((r) => r.method === 'POST' && r.path.endsWith('/PatientDirectMessageSend')).length;

before(async () => {
  mock = await startMockUpdox();
});
after(() => mock.close());
beforeEach(() => mock.reset());

/** Patients sign in with `X-Patient` (and a session id in `X-Session`, which must not matter). */
const authorize = (request) => {
  const patientId = request.headers.get('x-patient');
  return patientId ? { patientId, scope: request.headers.get('x-session') ?? undefined } : null;
};
const as = (patientId, session = 's1') => ({ 'X-Patient': patientId, 'X-Session': session });
const proxyWith = (options = {}) => startProxy({ env: {}, baseUrl: mock.baseUrl, auth: DEMO_AUTH, authorize, quiet: true, ...options });
const message = (patientId = PATIENT, overrides = {}) => validMessage({ patientDemographics: validDemographics({ patientId }), ...overrides });

// ---- replay rules, per answer class ----------------------------------------------------------

test('what is stored per answer class: final answers replayed; 4010-4014, 429 and 5xx pages forwarded again; unknown blocked', async () => {
  const p = await proxyWith();
  try {
    const cases = [
      { to: 'ok@direct.example.org', stored: true, status: 200 },
      { to: 'fail-4650@direct.example.org', stored: true, status: 200 },
      { to: 'fail-5000@direct.example.org', stored: true, status: 200 },
      ...[4010, 4011, 4012, 4013, 4014].map((code) => ({ to: `fail-${code}@direct.example.org`, stored: false, status: 200 })),
      { to: 'http-429@direct.example.org', stored: false, status: 429 },
      { to: 'http-503@direct.example.org', stored: false, status: 503 },
      { to: 'http-502@direct.example.org', stored: false, status: 502 },
      { to: 'malformed@direct.example.org', blocked: true, status: 200 },
    ];
    for (const c of cases) {
      mock.reset();
      const key = newKey();
      const body = message(PATIENT, { to: c.to });
      const first = await postJson(p.routeUrl, body, { ...as(PATIENT), 'Idempotency-Key': key });
      assert.equal(first.status, c.status, `${c.to}: ${first.text}`);
      const again = await postJson(p.routeUrl, body, { ...as(PATIENT), 'Idempotency-Key': key });
      if (c.blocked) {
        assert.equal(again.status, 409, c.to);
        assert.equal(again.json().error, 'outcome_unknown', c.to);
        assert.equal(sendPosts(), 1, `${c.to}: not forwarded again`);
      } else if (c.stored) {
        assert.equal(again.headers['idempotent-replayed'], 'true', c.to);
        assert.equal(again.text, first.text, c.to);
        assert.equal(sendPosts(), 1, `${c.to}: replayed, not forwarded`);
      } else {
        assert.equal(again.headers['idempotent-replayed'], undefined, c.to);
        assert.equal(sendPosts(), 2, `${c.to}: proves nothing was processed, so the resend is forwarded`);
      }
    }
  } finally {
    await p.close();
  }
});

// ---- the resend refused before forwarding, after a delivered first attempt ---------------------

test('a delivered first attempt, then resends the proxy would refuse: the key still answers, Updox holds one message', async () => {
  const p = await proxyWith({ rateLimit: { send: { points: 1, duration: 3600 } } });
  try {
    const key = newKey();
    const body = message();
    const first = await postJson(p.routeUrl, body, { ...as(PATIENT), 'Idempotency-Key': key });
    assert.equal(first.status, 200);
    assert.equal(first.json().successful, true);

    // The patient's one point is spent: a new message is refused, the resend of the delivered one is answered.
    const other = await postJson(p.routeUrl, message(PATIENT, { subject: 'another' }), { ...as(PATIENT), 'Idempotency-Key': newKey() });
    assert.equal(other.status, 429);
    assert.equal(other.json().error, 'rate_limited');
    const limited = await postJson(p.routeUrl, body, { ...as(PATIENT), 'Idempotency-Key': key });
    assert.equal(limited.status, 200, limited.text);
    assert.equal(limited.headers['idempotent-replayed'], 'true');

    // Signed out: refused (the module cannot know the first arrived: it reports unknown).
    const signedOut = await postJson(p.routeUrl, body, { 'Idempotency-Key': key });
    assert.equal(signedOut.status, 401);
    assert.deepEqual(Object.keys(signedOut.json()), ['error', 'message']);

    // The same key with another body: refused, nothing sent.
    const reused = await postJson(p.routeUrl, message(PATIENT, { subject: 'edited' }), { ...as(PATIENT), 'Idempotency-Key': key });
    assert.equal(reused.status, 422);
    assert.equal(reused.json().error, 'idempotency_key_reused');
    assert.equal(mock.messages().length, 1, 'Updox holds one message');
  } finally {
    await p.close();
  }
});

test('a delivered first attempt, then Updox unreachable from the instance that gets the resend: the answer, not upstream_unreachable', async () => {
  const store = createMemoryIdempotencyStore();
  const up = await proxyWith({ store, serverSecret: SERVER_SECRET });
  const cut = await proxyWith({ store, serverSecret: SERVER_SECRET, baseUrl: 'http://127.0.0.1:9/api/io' });
  try {
    const key = newKey();
    const body = message();
    const first = await postJson(up.routeUrl, body, { ...as(PATIENT), 'Idempotency-Key': key });
    assert.equal(first.status, 200);
    const resent = await postJson(cut.routeUrl, body, { ...as(PATIENT), 'Idempotency-Key': key });
    assert.equal(resent.status, 200, resent.text);
    assert.equal(resent.text, first.text);
    const fresh = await postJson(cut.routeUrl, message(PATIENT, { subject: 'new' }), { ...as(PATIENT), 'Idempotency-Key': newKey() });
    assert.equal(fresh.json().error, 'upstream_unreachable', 'a new message is refused, not the resend');
    assert.equal(mock.messages().length, 1, 'Updox holds one message');
  } finally {
    await up.close();
    await cut.close();
  }
});

test('a resend while the proxy is busy holds no body and gets the answer (in-flight budget full)', async () => {
  const body = message();
  const size = Buffer.byteLength(JSON.stringify(body));
  const p = await proxyWith({ maxInFlightBytes: 64 * 1024, maxInFlightBytesPerPatient: 64 * 1024 });
  const stalled = [];
  try {
    const key = newKey();
    assert.equal((await postJson(p.routeUrl, body, { ...as(PATIENT), 'Idempotency-Key': key })).status, 200);
    // Another patient declares a body that takes the whole budget, and stalls.
    stalled.push(stall(p.routeUrl, 64 * 1024, as('222')));
    await sleep(200);
    const busy = await postJson(p.routeUrl, message(PATIENT, { subject: 'new' }), { ...as(PATIENT), 'Idempotency-Key': newKey() });
    assert.equal(busy.status, 503, 'a new message is refused while the budget is taken');
    assert.equal(busy.json().error, 'proxy_busy');
    const resent = await postJson(p.routeUrl, body, { ...as(PATIENT), 'Idempotency-Key': key });
    assert.equal(resent.status, 200, resent.text);
    assert.equal(resent.headers['idempotent-replayed'], 'true');
    assert.ok(size < 64 * 1024);
    assert.equal(mock.messages().length, 1);
  } finally {
    for (const s of stalled) s.destroy();
    await p.close();
  }
});

test('signing in again between the attempt and the resend (a new session) finds the key', async () => {
  const p = await proxyWith();
  try {
    const key = newKey();
    const body = message();
    const first = await postJson(p.routeUrl, body, { ...as(PATIENT, 'session-before'), 'Idempotency-Key': key });
    assert.equal(first.status, 200);
    const resent = await postJson(p.routeUrl, body, { ...as(PATIENT, 'session-after'), 'Idempotency-Key': key });
    assert.equal(resent.headers['idempotent-replayed'], 'true');
    assert.equal(resent.text, first.text);
    assert.equal(mock.messages().length, 1);
    // Keys stay per patient: another patient's identical key is another message.
    const other = await postJson(p.routeUrl, message('777'), { ...as('777'), 'Idempotency-Key': key });
    assert.equal(other.headers['idempotent-replayed'], undefined);
    assert.equal(mock.messages().length, 2);
  } finally {
    await p.close();
  }
});

// ---- the store's clock and the store's faults -----------------------------------------------

test('expiry on a fake clock: a delivered key is replayed for its whole life (24 h), never re-forwarded', async () => {
  let now = Date.now();
  const store = createMemoryIdempotencyStore({ now: () => now }); // its default key life
  const p = await proxyWith({ store, serverSecret: SERVER_SECRET });
  try {
    const key = newKey();
    const body = message();
    const first = await postJson(p.routeUrl, body, { ...as(PATIENT), 'Idempotency-Key': key });
    const sentAt = now;
    for (const later of [11 * 60 * 1000, 3600 * 1000, 12 * 3600 * 1000, 24 * 3600 * 1000 - 1000]) {
      now = sentAt + later;
      const again = await postJson(p.routeUrl, body, { ...as(PATIENT), 'Idempotency-Key': key });
      assert.equal(again.headers['idempotent-replayed'], 'true', `after ${later} ms`);
      assert.equal(again.text, first.text);
    }
    assert.equal(mock.messages().length, 1);
  } finally {
    await p.close();
  }
});

test('a claim never completed (its instance died) is blocked on a fake clock: 409 outcome_unknown, never forwarded', async () => {
  let now = Date.now();
  const store = createMemoryIdempotencyStore({ inFlightTtlMs: 130000, now: () => now });
  const p = await proxyWith({ store, serverSecret: SERVER_SECRET, idempotencyWaitMs: 50 });
  try {
    const key = newKey();
    const body = message(PATIENT, { to: 'slow-400@direct.example.org' });
    const first = postJson(p.routeUrl, body, { ...as(PATIENT), 'Idempotency-Key': key });
    await sleep(150);
    const waiting = await postJson(p.routeUrl, body, { ...as(PATIENT), 'Idempotency-Key': key });
    assert.equal(waiting.status, 409);
    assert.equal(waiting.json().error, 'request_in_progress');
    now += 131000;
    const blocked = await postJson(p.routeUrl, body, { ...as(PATIENT), 'Idempotency-Key': key });
    assert.equal(blocked.status, 409);
    assert.equal(blocked.json().error, 'outcome_unknown');
    assert.match(blocked.json().message, /not sent again/);
    assert.equal((await first).status, 200);
    assert.equal(sendPosts(), 1);
  } finally {
    await p.close();
  }
});

/** A memory store whose writes fail while `failing.on`, as a store in trouble does. */
function faultyStore(failing) {
  const inner = createMemoryIdempotencyStore({ inFlightTtlMs: 1000 });
  const guard = (fn) => (...args) => (failing.on ? Promise.reject(new Error('store down')) : fn(...args));
  return { ...inner, complete: guard(inner.complete), release: guard(inner.release) };
}

test('complete() failing after Updox accepted: one message; the resend is told unknown, never forwarded', async () => {
  const failing = { on: false };
  const p = await proxyWith({ store: faultyStore(failing), serverSecret: SERVER_SECRET, timeoutMs: 1000, idempotencyInFlightTtlMs: 1000, idempotencyWaitMs: 50 });
  try {
    const key = newKey();
    const body = message();
    failing.on = true;
    const first = await postJson(p.routeUrl, body, { ...as(PATIENT), 'Idempotency-Key': key });
    assert.equal(first.status, 200, 'the patient gets Updox\'s answer');
    failing.on = false;
    await sleep(1100); // past the claim's in-flight life
    const resent = await postJson(p.routeUrl, body, { ...as(PATIENT), 'Idempotency-Key': key });
    assert.equal(resent.status, 409);
    assert.equal(resent.json().error, 'outcome_unknown');
    assert.equal(mock.messages().length, 1);
    assert.equal(sendPosts(), 1);
  } finally {
    await p.close();
  }
});

test('complete() failing for a moment is retried: the answer is kept and replayed', async () => {
  const failing = { on: false };
  const p = await proxyWith({ store: faultyStore(failing), serverSecret: SERVER_SECRET });
  try {
    const key = newKey();
    const body = message();
    failing.on = true;
    setTimeout(() => {
      failing.on = false;
    }, 300);
    const first = await postJson(p.routeUrl, body, { ...as(PATIENT), 'Idempotency-Key': key });
    const resent = await postJson(p.routeUrl, body, { ...as(PATIENT), 'Idempotency-Key': key });
    assert.equal(resent.headers['idempotent-replayed'], 'true');
    assert.equal(resent.text, first.text);
    assert.equal(mock.messages().length, 1);
  } finally {
    await p.close();
  }
});

// ---- bodies that stop arriving -----------------------------------------------------------------

/** Declares `declared` bytes, sends a few, and stalls; returns the request (destroy() to end it). */
function stall(url, declared, headers = {}) {
  const req = http.request(url, {
    method: 'POST',
    agent: false,
    headers: { 'Content-Type': 'application/json', 'Content-Length': declared, ...headers },
  });
  req.on('error', () => {});
  req.on('response', (res) => res.resume());
  req.write('{"to":');
  return req;
}

test('nine stalled bodies from one patient do not block another patient\'s send; a stalled body is cut off', async () => {
  const p = await proxyWith({ maxInFlightBytes: 256 * 1024 * 1024, bodyIdleTimeoutMs: 1500 });
  const stalled = [];
  try {
    for (let i = 0; i < 9; i++) stalled.push(stall(p.routeUrl, 30 * 1024 * 1024, as('666')));
    await sleep(300);
    // Another patient's message with 15 MiB of attachments (a 20 MB body).
    const large = message('100030', {
      attachments: [{ content: Buffer.alloc(15 * 1024 * 1024, 7).toString('base64'), mimeType: 'application/pdf', fileName: 'scan.pdf' }],
    });
    const res = await postJson(p.routeUrl, large, { ...as('100030'), 'Idempotency-Key': newKey() });
    assert.equal(res.status, 200, res.text);
    assert.equal(mock.messages().length, 1);
    // The idle cut-off answers 408 and gives the reservation back.
    const answers = await Promise.all(
      stalled.slice(0, 2).map((req) => new Promise((resolve) => req.once('response', (r) => resolve(r.statusCode)))),
    );
    assert.ok(answers.every((s) => s === 408 || s === 503), `stalled bodies answered ${answers}`);
    const after = await postJson(p.routeUrl, message('666'), { ...as('666'), 'Idempotency-Key': newKey() });
    assert.equal(after.status, 200, 'the stalled patient can send once its bodies were cut off');
  } finally {
    for (const s of stalled) s.destroy();
    await p.close();
  }
});
