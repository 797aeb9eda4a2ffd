// "Faults" and "Exactly once": the built module (pkg/) in each browser engine.
//
// 1. The fault table (tests/support/fault-table.mjs) against the fault server: every call
//    settles with the right UpdoxError kind/status/responseCode within timeoutMs + a small
//    margin, and at most one POST reaches the server for it (two, with the same
//    Idempotency-Key, only where the browser itself resends after a reset connection).
// 2. Exactly once through the real reference proxy to the mock Updox: a reused keep-alive
//    connection dropped before any answer byte, after the proxy already delivered (which
//    Chromium answers with a silent resend), and two identical concurrent requests with one
//    key each end with exactly one message at the mock.
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { FAULTS, runFault } from '../support/fault-table.mjs';
import { validMessage } from '../support/message.mjs';
import { PROXY_PATH } from '../support/module-page.mjs';
import { selectedEngines } from '../support/engines.mjs';
import { useServers } from '../support/servers.mjs';

// How each engine treats a POST after keep-alive connections are warm (measured): Chromium
// and Firefox send it on a reused connection and silently resend it once when that
// connection is reset before any answer byte; WebKit (libsoup) sends a POST on a fresh
// connection, and a reset there fails the call. The idempotency key makes either safe.
const RESENDS_POST_ON_RESET = { chromium: true, firefox: true, webkit: false };

for (const engineName of selectedEngines()) describe(engineName, () => {
const file = useServers({ engine: engineName });

describe('fault table: every call settles correctly', () => {
  const s = useServers({ engine: () => file.engine, faults: true, modulePage: true, open: true });
  let faults;
  let page;
  const codes = new Map();
  before(async () => {
    ({ faults, page } = s);
    for (const c of await page.evaluate(() => window.updox.updoxResponseCodes())) codes.set(c.code, c);
  });

  for (const f of FAULTS) {
    test(f.name, async () => {
      const { result, posts, failures } = await runFault(page, faults.url, f);
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
    const { failures } = await runFault(page, faults.url, FAULTS[0]);
    assert.deepEqual(failures, []);
  });
});

describe('exactly once through the reference proxy', () => {
  const s = useServers({ engine: () => file.engine, dev: true, modulePage: 'dev', open: true });
  let dev;
  let pageServer;
  let page;
  before(() => {
    ({ dev, modulePage: pageServer, page } = s);
  });

  const sent = (subject) => dev.mock.messages().filter((m) => m.body.subject === subject);

  const resends = RESENDS_POST_ON_RESET[engineName];
  test(`an answer lost after delivery: ${resends ? 'the silent resend' : 'the failed call'} leaves one message`, async () => {
    const { front } = pageServer;
    let result;
    let subject;
    let postsBefore;
    // The drop applies to a POST on a reused connection; warm some up first and try again in
    // the unlikely case the POST still got a fresh one. WebKit always takes a fresh one.
    front.dropFresh = !resends;
    for (let attempt = 1; attempt <= 3 && front.dropped === 0; attempt++) {
      subject = `resend-${attempt}-${Date.now()}`;
      await page.evaluate(async () => {
        for (let i = 0; i < 3; i++) await (await fetch('/warm')).text();
      });
      postsBefore = front.posts;
      front.dropNext = 1;
      result = await page.evaluate(
        ({ message, proxyUrl }) => window.settle(window.updox.sendPatientDirectMessage(message, { proxyUrl, timeoutMs: 10000 })),
        { message: validMessage({ subject }), proxyUrl: PROXY_PATH },
      );
      front.dropNext = 0;
    }
    front.dropFresh = false;
    assert.equal(front.dropped, 1, `never got a reused connection to drop (fresh: ${front.freshSkipped})`);
    const keys = front.keys.slice(postsBefore);
    const messages = sent(subject);
    assert.equal(messages.length, 1, 'the mock Updox recorded exactly one message');
    assert.equal(messages[0].idempotencyKey, keys[0]);
    if (resends) {
      assert.equal(front.posts - postsBefore, 2, `${engineName} resent the POST once`);
      assert.equal(new Set(keys).size, 1, 'the resend carries the same Idempotency-Key');
      assert.ok(result.ok, `the call resolves with the first answer: ${JSON.stringify(result.error)}`);
      assert.equal(result.value.messageId, messages[0].messageId);
    } else {
      assert.equal(front.posts - postsBefore, 1, `${engineName} does not resend the POST`);
      assert.equal(result.ok, false, 'the call fails: its answer was lost');
      assert.equal(result.error.kind, 'network');
      assert.equal(result.error.delivery, 'unknown');
      assert.equal(result.error.retryable, true);
      assert.equal(result.error.idempotencyKey, keys[0]);
      assert.match(result.error.message, /may or may not have been delivered/);
    }
  });

  test('two identical concurrent requests with one key deliver one message', async () => {
    const subject = `concurrent-${Date.now()}`;
    const postsBefore = pageServer.front.posts;
    const out = await page.evaluate(
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
    // One of the two went to Updox; the proxy answered the other with its answer, marked.
    const replayed = pageServer.front.replayed.slice(-2);
    assert.deepEqual(replayed.toSorted(), [false, true], 'exactly one answer was a replay');
  });
});
});
