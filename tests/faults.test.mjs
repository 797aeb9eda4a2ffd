// Issue 5, "Faults" and "Exactly once": the built module (pkg/) in headless Chromium.
//
// 1. The fault table (tests/support/fault-table.mjs) against the fault server: every call
//    settles with the right UpdoxError kind/status/responseCode within timeoutMs + a small
//    margin, and at most one POST reaches the server for it (two, with the same
//    Idempotency-Key, only where Chromium itself resends after a reset connection).
// 2. Exactly once through the real reference proxy to the mock Updox: Chromium's silent
//    resend (a reused keep-alive connection dropped before any answer byte, after the proxy
//    already delivered) and two identical concurrent requests with one key each end with
//    exactly one message at the mock.
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { FAULTS, runFault } from './support/fault-table.mjs';
import { validMessage } from './support/message.mjs';
import { PROXY_PATH } from './support/module-page.mjs';
import { useServers } from './support/servers.mjs';

const file = useServers({ browser: true });

describe('fault table: every call settles correctly', () => {
  const s = useServers({ browser: () => file.browser, faults: true, modulePage: true, open: true });
  let faults;
  let opened;
  const codes = new Map();
  before(async () => {
    ({ faults, opened } = s);
    for (const c of await opened.page.evaluate(() => window.updox.updoxResponseCodes())) codes.set(c.code, c);
  });

  for (const f of FAULTS) {
    test(f.name, async () => {
      const { result, posts, failures } = await runFault(opened.page, faults.url, f);
      if (!result.ok && result.error.kind === 'updox' && codes.has(result.error.responseCode)) {
        // The retry hint follows the published code table.
        const known = codes.get(result.error.responseCode);
        if (result.error.retryable !== known.retryable) {
          failures.push(`retryable ${result.error.retryable}, code table says ${known.retryable}`);
        }
      }
      assert.deepEqual(failures, [], `${f.name} (${posts} POSTs, ${Math.round(result.ms)} ms): ${JSON.stringify(result)}`);
    });
  }

  test('the module still works after the whole table', async () => {
    const { failures } = await runFault(opened.page, faults.url, FAULTS[0]);
    assert.deepEqual(failures, []);
  });
});

describe('exactly once through the reference proxy', () => {
  const s = useServers({ browser: () => file.browser, dev: true, modulePage: 'dev', open: true });
  let dev;
  let pageServer;
  let opened;
  before(() => {
    ({ dev, modulePage: pageServer, opened } = s);
  });

  const sent = (subject) => dev.mock.messages().filter((m) => m.body.subject === subject);

  test("Chromium's silent resend after a dropped keep-alive connection delivers one message", async () => {
    const { front } = pageServer;
    let result;
    let subject;
    let postsBefore;
    // The drop only makes Chromium resend on a reused connection; warm some up first and
    // try again in the unlikely case the POST still got a fresh one.
    for (let attempt = 1; attempt <= 3 && front.dropped === 0; attempt++) {
      subject = `resend-${attempt}-${Date.now()}`;
      await opened.page.evaluate(async () => {
        for (let i = 0; i < 3; i++) await (await fetch('/warm')).text();
      });
      postsBefore = front.posts;
      front.dropNext = 1;
      result = await opened.page.evaluate(
        ({ message, proxyUrl }) => window.settle(window.updox.sendPatientDirectMessage(message, { proxyUrl, timeoutMs: 10000 })),
        { message: validMessage({ subject }), proxyUrl: PROXY_PATH },
      );
      front.dropNext = 0;
    }
    assert.equal(front.dropped, 1, `never got a reused connection to drop (fresh: ${front.freshSkipped})`);
    const keys = front.keys.slice(postsBefore);
    assert.equal(front.posts - postsBefore, 2, 'Chromium resent the POST once');
    assert.equal(new Set(keys).size, 1, 'the resend carries the same Idempotency-Key');
    assert.ok(result.ok, `the call resolves with the first answer: ${JSON.stringify(result.error)}`);
    const messages = sent(subject);
    assert.equal(messages.length, 1, 'the mock Updox recorded exactly one message');
    assert.equal(result.value.messageId, messages[0].messageId);
    assert.equal(messages[0].idempotencyKey, keys[0]);
  });

  test('two identical concurrent requests with one key deliver one message', async () => {
    const subject = `concurrent-${Date.now()}`;
    const postsBefore = pageServer.front.posts;
    const out = await opened.page.evaluate(
      async ({ message, proxyUrl }) => {
        // Duplicate the module's one request on the wire, concurrently (what a retrying
        // intermediary or a double-fired handler would do with the same key).
        const original = window.fetch;
        let twin;
        window.fetch = (input, init) => {
          window.fetch = original;
          const copy = input instanceof Request ? input.clone() : new Request(input, init);
          twin = original(copy).then(async (r) => ({
            status: r.status,
            replayed: r.headers.get('idempotent-replayed'),
            body: await r.json(),
          }));
          return original(input, init);
        };
        try {
          const result = await window.settle(window.updox.sendPatientDirectMessage(message, { proxyUrl, timeoutMs: 10000 }));
          return { result, twin: await twin };
        } finally {
          window.fetch = original;
        }
      },
      { message: validMessage({ subject, to: 'slow-400@direct.example.com' }), proxyUrl: PROXY_PATH },
    );
    assert.ok(out.result.ok, JSON.stringify(out.result.error));
    const keys = pageServer.front.keys.slice(postsBefore);
    assert.equal(keys.length, 2, 'two requests reached the proxy');
    assert.equal(new Set(keys).size, 1, 'with one key');
    const messages = sent(subject);
    assert.equal(messages.length, 1, 'the mock Updox recorded exactly one message');
    assert.equal(out.twin.status, 200);
    assert.equal(out.twin.body.messageId, messages[0].messageId, 'the twin got the same answer');
    assert.equal(out.result.value.messageId, messages[0].messageId);
    assert.equal(out.twin.replayed === 'true' || out.result.value.messageId === out.twin.body.messageId, true);
  });
});
