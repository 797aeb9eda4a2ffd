// Safe retries, through the reference proxy to the mock Updox, in each browser engine: the
// built module (pkg/) sends the same body for the same message every time; resending with
// the key of an earlier attempt (`err.idempotencyKey`) makes exactly one Updox message
// whether or not the first attempt reached Updox, and resolves with the first answer when it
// had; the same key with another message is refused with a typed error; a malformed key is a
// validation issue; offline is decided before the request, never after it failed.
import { before, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { getJson, sleep } from '../support/http.mjs';
import { validMessage } from '../support/message.mjs';
import { selectedEngines } from '../support/engines.mjs';
import { useServers } from '../support/servers.mjs';

const sha = (text) => createHash('sha256').update(text).digest('hex');

/** Sends `message` in the page with `options` (proxyUrl defaults to the proxy route); settles. */
function send(page, message, options = {}) {
  return page.evaluate(
    async ({ message, options, file }) => {
      const m = { ...message };
      if (file) m.attachments = [new File([new Uint8Array(file).map((_, i) => i % 251)], 'scan.pdf', { type: 'application/pdf' })];
      return window.settle(window.updox.sendPatientDirectMessage(m, { proxyUrl: '/api/updox/PatientDirectMessageSend', ...options }));
    },
    { message, options, file: options.file ?? 0 },
  );
}

for (const engineName of selectedEngines()) describe(engineName, () => {
  const s = useServers({ engine: engineName, dev: true, faults: true, modulePage: 'dev', open: true });
  let front;
  before(() => {
    front = s.modulePage.front;
  });
  beforeEach(() => s.dev.mock.reset());

  const messages = (subject) => s.dev.mock.messages().filter((m) => m.body.subject === subject);
  /** Waits until the mock Updox holds a message with `subject` (a slow one completes late). */
  async function delivered(subject, timeoutMs = 10_000) {
    for (const deadline = Date.now() + timeoutMs; Date.now() < deadline; await sleep(50)) {
      if (messages(subject).length) return;
    }
    assert.fail('the mock Updox never got the message');
  }

  test('the same message gives a byte-identical body each time, files included', async () => {
    const echo = `${s.faults.url}/echo`;
    const message = validMessage({ subject: `same-${Date.now()}` });
    const bodies = [];
    for (const file of [0, 0, 5000, 5000, 4 * 1024 * 1024, 4 * 1024 * 1024]) {
      const r = await send(s.page, message, { proxyUrl: echo, file });
      assert.ok(r.ok, JSON.stringify(r.error));
      bodies.push(sha((await getJson(`${s.faults.url}/last`)).body));
    }
    assert.equal(bodies[0], bodies[1], 'text only');
    assert.equal(bodies[2], bodies[3], 'a File of one slice');
    assert.equal(bodies[4], bodies[5], 'a File of two slices');
    assert.notEqual(bodies[0], bodies[2]);
  });

  test('a result names the key it was sent with; a caller-given key is sent as given', async () => {
    const postsBefore = front.posts;
    const r = await send(s.page, validMessage({ subject: `own-key-${Date.now()}` }));
    assert.ok(r.ok, JSON.stringify(r.error));
    assert.match(r.value.idempotencyKey, /^[0-9a-f]{32}$/);
    assert.equal(front.keys[postsBefore], r.value.idempotencyKey);
    const given = `portal-draft-${Date.now()}~!`;
    const again = await send(s.page, validMessage({ subject: `given-key-${Date.now()}` }), { idempotencyKey: given });
    assert.ok(again.ok, JSON.stringify(again.error));
    assert.equal(again.value.idempotencyKey, given);
    assert.equal(front.keys.at(-1), given);
  });

  test('a timeout after Updox got the message: resending with its key gives the first answer', async () => {
    const subject = `late-${Date.now()}`;
    const message = validMessage({ subject, to: 'slow-1500@direct.example.com' });
    const first = await send(s.page, message, { timeoutMs: 400 });
    assert.equal(first.ok, false);
    const err = first.error;
    assert.deepEqual([err.kind, err.rule, err.delivery, err.retryable], ['timeout', 'timeout', 'unknown', true]);
    assert.match(err.idempotencyKey, /^[0-9a-f]{32}$/);
    assert.equal(front.keys.at(-1), err.idempotencyKey, 'the key the proxy saw');
    assert.match(err.message, /may or may not have been sent/);
    await delivered(subject);
    const again = await send(s.page, message, { idempotencyKey: err.idempotencyKey });
    assert.ok(again.ok, JSON.stringify(again.error));
    const sent = messages(subject);
    assert.equal(sent.length, 1, 'the mock Updox holds exactly one message');
    assert.equal(again.value.messageId, sent[0].messageId, 'the first message’s answer');
    assert.equal(again.value.idempotencyKey, err.idempotencyKey);
    assert.equal(front.replayed.at(-1), true, 'the proxy answered the resend with the first answer');
  });

  test('a resend while the first is still at Updox waits for it and gets its answer', async () => {
    const subject = `in-flight-${Date.now()}`;
    const message = validMessage({ subject, to: 'slow-1500@direct.example.com' });
    const first = await send(s.page, message, { timeoutMs: 300 });
    assert.equal(first.ok, false);
    assert.equal(first.error.kind, 'timeout');
    const again = await send(s.page, message, { idempotencyKey: first.error.idempotencyKey, timeoutMs: 10_000 });
    assert.ok(again.ok, JSON.stringify(again.error));
    const sent = messages(subject);
    assert.equal(sent.length, 1, 'the mock Updox holds exactly one message');
    assert.equal(again.value.messageId, sent[0].messageId);
  });

  test('a first attempt that never reached Updox: the resend with its key delivers it once', async () => {
    const subject = `lost-${Date.now()}`;
    const message = validMessage({ subject });
    const postsBefore = front.posts;
    // Two: Chromium and Firefox resend a POST once by themselves when a reused connection
    // is reset (WebKit does not); neither copy may get through.
    front.refuseNext = 2;
    const first = await send(s.page, message);
    front.refuseNext = 0;
    assert.equal(first.ok, false);
    const err = first.error;
    assert.ok(front.posts - postsBefore >= 1, 'the request left the page');
    assert.deepEqual([err.kind, err.delivery, err.retryable], ['network', 'unknown', true]);
    assert.equal(messages(subject).length, 0, 'nothing reached Updox');
    const again = await send(s.page, message, { idempotencyKey: err.idempotencyKey });
    assert.ok(again.ok, JSON.stringify(again.error));
    assert.equal(messages(subject).length, 1, 'delivered once');
    assert.equal(again.value.messageId, messages(subject)[0].messageId);
    const third = await send(s.page, message, { idempotencyKey: err.idempotencyKey });
    assert.ok(third.ok);
    assert.equal(third.value.messageId, again.value.messageId, 'a further resend changes nothing');
    assert.equal(messages(subject).length, 1);
  });

  test('the same key with another message is refused, and says so', async () => {
    const subject = `first-${Date.now()}`;
    const first = await send(s.page, validMessage({ subject }));
    assert.ok(first.ok, JSON.stringify(first.error));
    const changed = await send(s.page, validMessage({ subject: `${subject}-edited` }), { idempotencyKey: first.value.idempotencyKey });
    assert.equal(changed.ok, false);
    const err = changed.error;
    assert.deepEqual(
      [err.kind, err.status, err.rule, err.retryable, err.delivery, err.idempotencyKey],
      ['http', 422, 'proxy.idempotency_key_reused', false, 'unknown', first.value.idempotencyKey],
    );
    assert.match(err.message, /differs from the one first sent/);
    assert.equal(s.dev.mock.messages().length, 1, 'only the first message reached Updox');
  });

  test('a malformed key is a validation issue on options.idempotencyKey; nothing is sent', async () => {
    const postsBefore = front.posts;
    for (const key of ['', ' ', 'two words', 'tab\there', 'é', 'x'.repeat(256), 42, ['k'], {}]) {
      const r = await send(s.page, validMessage(), { idempotencyKey: key });
      assert.equal(r.ok, false, JSON.stringify(key));
      const err = r.error;
      assert.deepEqual([err.kind, err.rule, err.delivery, err.retryable, err.idempotencyKey], ['validation', 'options.idempotencyKey.invalid', 'not-sent', false, null]);
      assert.deepEqual(err.issues.map((i) => [i.field, i.rule]), [['options.idempotencyKey', 'options.idempotencyKey.invalid']]);
    }
    assert.equal(front.posts, postsBefore, 'no request');
  });

  test('offline is decided before the request, never from navigator.onLine after a failure', async () => {
    const postsBefore = front.posts;
    // Offline from the start: nothing leaves the page.
    const offline = await s.page.evaluate(async (message) => {
      const restore = Object.getOwnPropertyDescriptor(Navigator.prototype, 'onLine');
      Object.defineProperty(Navigator.prototype, 'onLine', { configurable: true, get: () => false });
      try {
        return await window.settle(window.updox.sendPatientDirectMessage(message, { proxyUrl: '/api/updox/PatientDirectMessageSend' }));
      } finally {
        Object.defineProperty(Navigator.prototype, 'onLine', restore);
      }
    }, validMessage());
    assert.equal(front.posts, postsBefore, 'no request');
    const err = offline.error;
    assert.deepEqual([err.kind, err.rule, err.delivery, err.retryable], ['network', 'network.offline', 'not-sent', true]);
    assert.match(err.message, /offline\. The message was not sent/);
    // Online when the request starts, offline once it has failed: the request had started.
    const { port } = await getJson(`${s.faults.url}/closed-port`);
    const lost = await s.page.evaluate(
      async ({ message, proxyUrl }) => {
        const restore = Object.getOwnPropertyDescriptor(Navigator.prototype, 'onLine');
        let asked = 0;
        Object.defineProperty(Navigator.prototype, 'onLine', { configurable: true, get: () => asked++ === 0 });
        try {
          return await window.settle(window.updox.sendPatientDirectMessage(message, { proxyUrl }));
        } finally {
          Object.defineProperty(Navigator.prototype, 'onLine', restore);
        }
      },
      { message: validMessage(), proxyUrl: `http://127.0.0.1:${port}/send` },
    );
    assert.deepEqual([lost.error.kind, lost.error.rule, lost.error.delivery, lost.error.retryable], ['network', 'network.failed', 'unknown', true]);
  });

  test('an abort after fetch has the request may have been delivered; before, it was not sent', async () => {
    const subject = `cancel-${Date.now()}`;
    const out = await s.page.evaluate(async (message) => {
      const proxyUrl = '/api/updox/PatientDirectMessageSend';
      const late = new AbortController();
      const sending = window.settle(
        window.updox.sendPatientDirectMessage(message, {
          proxyUrl,
          signal: late.signal,
          onProgress: (p) => p.phase === 'sending' && setTimeout(() => late.abort(), 200),
        }),
      );
      const early = new AbortController();
      early.abort();
      const before = await window.settle(window.updox.sendPatientDirectMessage(message, { proxyUrl, signal: early.signal }));
      return { after: await sending, before };
    }, validMessage({ subject, to: 'slow-1000@direct.example.com' }));
    const after = out.after.error;
    assert.deepEqual([after.kind, after.rule, after.delivery, after.retryable], ['aborted', 'aborted.after_sending', 'unknown', true]);
    assert.match(after.message, /may or may not have been sent/);
    assert.match(after.idempotencyKey, /^[0-9a-f]{32}$/);
    const before = out.before.error;
    assert.deepEqual([before.kind, before.rule, before.delivery], ['aborted', 'aborted', 'not-sent']);
    // The cancelled send reached the mock Updox anyway (as Updox would have sent it).
    await delivered(subject);
    assert.equal(messages(subject).length, 1);
  });
});
