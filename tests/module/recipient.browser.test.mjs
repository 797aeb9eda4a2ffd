// checkDirectRecipient, the built module (pkg/) in each browser engine, against the
// reference proxy's DirectAddressValidate route and the mock Updox (and the fault server
// for what the proxy would not do): trusted, untrusted (an answer, not an error), a bad
// address refused with no request, proxy and Updox failures as UpdoxErrors like a send's
// (with the sentence "could not be checked"), abort and timeout.
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { getJson } from '../support/http.mjs';
import { VALIDATE_PATH } from '../support/module-page.mjs';
import { selectedEngines } from '../support/engines.mjs';
import { useServers } from '../support/servers.mjs';

const UNCHECKED = 'This address could not be checked right now. You can still write and send your message.';

/** Runs checkDirectRecipient(address, {proxyUrl: the route, ...options}) in the page; settles. */
function check(page, address, options = {}) {
  return page.evaluate(
    ({ address, options, route }) => {
      const o = { proxyUrl: route, ...options };
      if (options.abortAfterMs !== undefined) {
        const c = new AbortController();
        if (options.abortAfterMs < 0) c.abort();
        else setTimeout(() => c.abort(), options.abortAfterMs);
        o.signal = c.signal;
        delete o.abortAfterMs;
      }
      return window.settle(window.updox.checkDirectRecipient(address, o));
    },
    { address, options, route: VALIDATE_PATH },
  );
}

for (const engineName of selectedEngines()) describe(engineName, () => {
  const s = useServers({ engine: engineName, dev: true, faults: true, modulePage: 'dev', open: true });
  let front;
  before(() => {
    front = s.modulePage.front;
  });

  test('a trusted address: {address, trusted: true}, the address as looked up', async () => {
    const r = await check(s.page, '  Dr.Okafor@Direct.Example-Clinic.ORG ');
    assert.ok(r.ok, JSON.stringify(r.error));
    assert.deepEqual(r.value, { address: 'Dr.Okafor@direct.example-clinic.org', trusted: true });
    const looked = s.dev.mock.lookups().at(-1).body;
    assert.equal(looked.recipient, 'Dr.Okafor@direct.example-clinic.org');
  });

  test('an untrusted address is an answer, not an error', async () => {
    const r = await check(s.page, 'untrusted-clinic@direct.example.org');
    assert.ok(r.ok, JSON.stringify(r.error));
    assert.deepEqual(r.value, { address: 'untrusted-clinic@direct.example.org', trusted: false });
  });

  test('what leaves the page: {"recipient": address} and the caller’s headers, no Idempotency-Key', async () => {
    const r = await check(s.page, 'dr@direct.example.org', { proxyUrl: `${s.faults.url}/echo`, headers: { 'X-CSRF-Token': 'tok-1' }, credentials: 'omit' });
    // The fault server answers like a send, without validDirectAddress: unclear.
    assert.deepEqual([r.error.kind, r.error.rule], ['protocol', 'protocol.inconsistent']);
    const last = await getJson(`${s.faults.url}/last`);
    assert.equal(last.body, '{"recipient":"dr@direct.example.org"}');
    assert.equal(last.headers['x-csrf-token'], 'tok-1');
    assert.match(last.headers['content-type'], /^application\/json/);
    assert.equal(last.headers['idempotency-key'], undefined);
  });

  test('a bad address, or bad options, is refused before any request', async () => {
    const lookupsBefore = front.lookups;
    const cases = [
      ['not an address', {}, 'to.invalid', 'to'],
      ['a@b', {}, 'to.invalid', 'to'],
      ['', {}, 'to.required', 'to'],
      [undefined, {}, 'to.required', 'to'],
      [42, {}, 'to.not_text', 'to'],
      ['dr@direct.example.org', { proxyUrl: '' }, 'options.proxyUrl.required', 'options.proxyUrl'],
      ['dr@direct.example.org', { proxyUrl: 'http://portal.example/check' }, 'options.proxyUrl.insecure', 'options.proxyUrl'],
      ['dr@direct.example.org', { timeoutMs: 0 }, 'options.timeoutMs.invalid', 'options.timeoutMs'],
      ['dr@direct.example.org', { headers: { Cookie: 'x' } }, 'options.headers.forbidden', 'options.headers.Cookie'],
    ];
    for (const [address, options, rule, field] of cases) {
      const r = await check(s.page, address, options);
      assert.equal(r.ok, false, rule);
      assert.deepEqual([r.error.kind, r.error.rule, r.error.retryable, r.error.delivery, r.error.idempotencyKey], ['validation', rule, false, 'not-sent', null], rule);
      assert.deepEqual(r.error.issues.map((i) => i.field), [field], rule);
    }
    const none = await s.page.evaluate(() => window.settle(window.updox.checkDirectRecipient('dr@direct.example.org')));
    assert.equal(none.error.rule, 'options.not_an_object');
    assert.equal(front.lookups, lookupsBefore, 'no request');
  });

  test('failures are UpdoxErrors like a send’s, whose message says the address could not be checked', async () => {
    const { port } = await getJson(`${s.faults.url}/closed-port`);
    const f = s.faults.url;
    const cases = [
      // [address, options, kind, rule, status, responseCode, retryable, delivery]
      ['fail-4010@direct.example.org', {}, 'updox', 'updox.auth', 200, 4010, true, 'failed'],
      ['fail-4650@direct.example.org', {}, 'updox', 'updox.4650', 200, 4650, false, 'failed'],
      ['http-503@direct.example.org', {}, 'http', 'http.503', 503, null, true, 'unknown'],
      ['malformed@direct.example.org', {}, 'protocol', 'protocol.unreadable', 200, null, true, 'unknown'],
      ['dr@direct.example.org', { proxyUrl: `${f}/proxy/429/rate_limited` }, 'http', 'proxy.rate_limited', 429, null, true, 'not-sent'],
      ['dr@direct.example.org', { proxyUrl: `${f}/proxy/400/invalid_request` }, 'http', 'proxy.invalid_request', 400, null, false, 'not-sent'],
      ['dr@direct.example.org', { proxyUrl: `${f}/proxy/401/unauthorized` }, 'http', 'proxy.unauthorized', 401, null, true, 'not-sent'],
      ['dr@direct.example.org', { proxyUrl: `http://127.0.0.1:${port}/check` }, 'network', 'network.failed', null, null, true, 'unknown'],
    ];
    for (const [address, options, kind, rule, status, responseCode, retryable, delivery] of cases) {
      const r = await check(s.page, address, options);
      assert.equal(r.ok, false, rule);
      const e = r.error;
      assert.deepEqual(
        [e.isUpdoxError, e.kind, e.rule, e.status, e.responseCode, e.retryable, e.delivery, e.idempotencyKey],
        [true, kind, rule, status, responseCode, retryable, delivery, null],
        rule,
      );
      assert.equal(e.message, UNCHECKED, rule);
    }
  });

  test('a timeout is retryable; its message in Spanish, or the portal’s own', async () => {
    // Updox answers after 20 s: far enough that a loaded machine cannot blur the timeout
    // (300 ms) and the answer.
    const timed = await check(s.page, 'slow-20000@direct.example.org', { timeoutMs: 300 });
    assert.deepEqual([timed.error.kind, timed.error.rule, timed.error.retryable, timed.error.delivery], ['timeout', 'timeout', true, 'unknown']);
    assert.ok(timed.ms >= 250 && timed.ms < 10_000, `settled after ${Math.round(timed.ms)} ms`);
    const es = await check(s.page, 'slow-20000@direct.example.org', { timeoutMs: 300, locale: 'es' });
    assert.match(es.error.message, /^No se pudo comprobar esta dirección/);
    const own = await check(s.page, 'slow-20000@direct.example.org', { timeoutMs: 300, messages: { 'recipient.unchecked': 'Not checked.' } });
    assert.equal(own.error.message, 'Not checked.');
  });

  test('cancelled: before the request, nothing is asked; after, the lookup stops at once', async () => {
    const lookupsBefore = front.lookups;
    const early = await check(s.page, 'dr@direct.example.org', { abortAfterMs: -1 });
    assert.deepEqual([early.error.kind, early.error.rule, early.error.delivery], ['aborted', 'aborted', 'not-sent']);
    assert.equal(front.lookups, lookupsBefore, 'no request');
    const late = await check(s.page, 'slow-20000@direct.example.org', { abortAfterMs: 200 });
    assert.deepEqual([late.error.kind, late.error.rule, late.error.retryable], ['aborted', 'aborted.after_sending', true]);
    assert.ok(late.ms < 10_000, `settled after ${Math.round(late.ms)} ms: it waited for the answer`);
  });
});
