// What a send reports when the answer proves less than it seems, in each browser engine,
// against the fault server: a resend (the caller's idempotencyKey) refused by the proxy
// before forwarding is "unknown" (the earlier attempt may have arrived), never "not sent";
// the proxy's 409 outcome_unknown is "unknown" and not worth resending; a redirect is not
// followed (the message is not posted again elsewhere); "done" without a messageId is not
// proof of sending. Needs pkg/.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { getJson } from '../support/http.mjs';
import { validMessage } from '../support/message.mjs';
import { selectedEngines } from '../support/engines.mjs';
import { useServers } from '../support/servers.mjs';

/** The key of an earlier attempt, as a portal keeps it. */
const KEY = '0123456789abcdef0123456789abcdef';

/** The proxy's refusals before forwarding: [status, code, the rule of the sentence, retryable]. */
const REFUSALS = [
  [401, 'unauthorized', 'resend.sign_in', true],
  [403, 'sender_mismatch', 'resend.unconfirmed', false],
  [429, 'rate_limited', 'resend.unconfirmed', true],
  [503, 'proxy_busy', 'resend.unconfirmed', true],
  [502, 'upstream_unreachable', 'resend.unconfirmed', true],
  [422, 'idempotency_key_reused', 'resend.changed', false],
];

for (const engineName of selectedEngines()) describe(engineName, () => {
  const s = useServers({ engine: engineName, faults: true, modulePage: true, open: true });

  /** Sends the sample message to `path` of the fault server; {result, posts}. */
  async function send(path, options = {}) {
    const before = (await getJson(`${s.faults.url}/count`)).posts;
    const result = await s.page.evaluate(
      ([m, o]) => window.settle(window.updox.sendPatientDirectMessage(m, o)),
      [validMessage(), { proxyUrl: s.faults.url + path, timeoutMs: 5000, ...options }],
    );
    await new Promise((r) => setTimeout(r, 50));
    const log = await getJson(`${s.faults.url}/posts`);
    const posts = (await getJson(`${s.faults.url}/count`)).posts - before;
    return { result, posts, paths: log.slice(-posts).map((p) => p.path) };
  }

  const sentences = () => s.page.evaluate(() => window.updox.loadLocale('en'));

  test('a resend refused before forwarding is unknown, keeps its key, and says the first may have arrived', async () => {
    await sentences();
    for (const [status, code, said, retryable] of REFUSALS) {
      const first = (await send(`/proxy/${status}/${code}`)).result;
      assert.equal(first.ok, false);
      assert.equal(first.error.delivery, 'not-sent', `${code}: a first attempt refused is not sent`);
      const { result } = await send(`/proxy/${status}/${code}`, { idempotencyKey: KEY });
      const e = result.error;
      assert.deepEqual(
        [e.kind, e.status, e.rule, e.delivery, e.retryable, e.idempotencyKey],
        ['http', status, `proxy.${code}`, 'unknown', retryable, KEY],
        code,
      );
      assert.match(e.message, /may or may not/, `${code}: ${e.message}`);
      assert.doesNotMatch(e.message, /was not sent|It was not sent/, code);
      const own = await s.page.evaluate(
        ([m, o]) => window.settle(window.updox.sendPatientDirectMessage(m, o)),
        [validMessage(), { proxyUrl: `${s.faults.url}/proxy/${status}/${code}`, idempotencyKey: KEY, messages: { [said]: 'custom' } }],
      );
      assert.equal(own.error.message, 'custom', `${code}: the sentence is ${said}'s`);
    }
  });

  test('409 outcome_unknown: unknown, not worth resending, first attempt or not', async () => {
    for (const options of [{}, { idempotencyKey: KEY }]) {
      const { result } = await send('/proxy/409/outcome_unknown', options);
      const e = result.error;
      assert.deepEqual([e.kind, e.rule, e.delivery, e.retryable], ['http', 'proxy.outcome_unknown', 'unknown', false]);
      assert.match(e.message, /may or may not/);
    }
  });

  test('a redirect is not followed: one POST, and the outcome is unknown', async () => {
    for (const status of [301, 302, 307, 308]) {
      const { result, posts, paths } = await send(`/redirect/${status}`);
      assert.equal(result.ok, false, `${status}`);
      assert.deepEqual([result.error.kind, result.error.delivery], ['network', 'unknown'], `${status}`);
      assert.equal(posts, 1, `${status}: ${paths}`);
      assert.deepEqual(paths, [`/redirect/${status}`]);
    }
  });

  test('"done" without a messageId is not "sent"', async () => {
    const { result } = await send('/no-message-id');
    assert.equal(result.ok, false);
    const e = result.error;
    assert.deepEqual([e.kind, e.rule, e.delivery, e.responseCode], ['protocol', 'protocol.inconsistent', 'unknown', 2000]);
  });
});
