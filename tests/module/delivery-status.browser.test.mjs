// getDeliveryStatus, the built module (pkg/) in each browser engine, through the reference
// proxy's MdnStatusList route and the mock Updox (MDNs by recipient, a short MDN delay, the
// webhook wired as `npm start` wires it): each kind of recipient ends in its state with its
// sentence; without MDNs a message stays `sent` until the proxy's wait is over (its clock
// moved on), then is `unconfirmed`; another patient's token gets proxy.not_found and Updox is
// not asked; Spanish; invalid messageIds refused with no request; abort and timeout.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startDevServer } from '../../server/dev-server.mjs';
import { selectedEngines, openEngine } from '../support/engines.mjs';
import { startFaultServer } from '../support/fault-server.mjs';
import { DELIVERY_PATH, PROXY_PATH, openModulePage, startModulePage } from '../support/module-page.mjs';
import { validMessageFrom } from '../support/message.mjs';

const HOUR = 3600 * 1000;
const UNCHECKED = 'The delivery status could not be checked right now. This does not mean your message failed; please try again later.';
const SENTENCES = {
  sent: 'Your message was sent. No confirmation has come back yet that it reached your care team.',
  received: "Your message reached your care team's messaging system.",
  delivered: "Your message was delivered to your care team's inbox.",
  failed: 'Your message could not be delivered to your care team. Please contact the clinic another way.',
  unconfirmed: 'There is no confirmation that your message reached your care team. Please contact the clinic instead of sending it again.',
};

/** Runs getDeliveryStatus(messageId, {proxyUrl: the route, headers: the patient's token, ...}) in the page; settles. */
function ask(page, messageId, { patient = 'p-1', ...options } = {}) {
  return page.evaluate(
    ({ messageId, patient, options, route }) => {
      const o = { proxyUrl: route, headers: { Authorization: `Bearer ${patient}` }, ...options };
      if (options.abortAfterMs !== undefined) {
        const c = new AbortController();
        if (options.abortAfterMs < 0) c.abort();
        else setTimeout(() => c.abort(), options.abortAfterMs);
        o.signal = c.signal;
        delete o.abortAfterMs;
      }
      return window.settle(window.updox.getDeliveryStatus(messageId, o));
    },
    { messageId, patient, options, route: DELIVERY_PATH },
  );
}

for (const engineName of selectedEngines()) describe(engineName, () => {
  let dev;
  let faults;
  let modulePage;
  let engine;
  let page;
  // The proxy's clock: real time plus what a test moves it on by.
  let ahead = 0;
  const mdnReads = () => dev.mock.requests().filter((r) => r.path.endsWith('/MdnStatusList')).length;

  before(async () => {
    dev = await startDevServer({
      port: 0,
      quiet: true,
      demo: false,
      env: { UPDOX_MOCK_MDN_DELAY_MS: '100', UPDOX_DELIVERY_CACHE_TTL_MS: '50' },
      proxyOptions: {
        // The portal's session, reduced to a bearer token naming the patient.
        authorize: (request) => {
          const m = /^Bearer (p-\d+)$/.exec(request.headers.get('authorization') ?? '');
          return m ? { patientId: m[1] } : null;
        },
        now: () => Date.now() + ahead,
      },
    });
    faults = await startFaultServer();
    modulePage = await startModulePage({ upstream: dev.proxyUrl });
    engine = await openEngine(engineName);
    page = await openModulePage(engine, modulePage.url);
  });
  after(async () => {
    await page?.close();
    await engine?.close();
    await modulePage?.close();
    await faults?.close();
    await dev?.close();
  });

  /** Sends a message from `patient` to `local@direct.example.org` through the module; its messageId. */
  async function send(local, patient = 'p-1') {
    const r = await page.evaluate(
      ({ message, patient, route }) =>
        window.settle(window.updox.sendPatientDirectMessage(message, { proxyUrl: route, headers: { Authorization: `Bearer ${patient}` } })),
      { message: validMessageFrom(patient, { to: `${local}@direct.example.org` }), patient, route: PROXY_PATH },
    );
    assert.ok(r.ok, JSON.stringify(r.error));
    assert.equal(typeof r.value.messageId, 'number');
    return r.value.messageId;
  }

  /** Asks until the state is `state` (the mock's MDNs come on their own time); the last answer. */
  async function until(messageId, state, options = {}) {
    const deadline = Date.now() + 20_000;
    for (;;) {
      const r = await ask(page, messageId, options);
      assert.ok(r.ok, JSON.stringify(r.error));
      if (r.value.state === state || Date.now() > deadline) return r.value;
      await page.evaluate(() => new Promise((resolve) => setTimeout(resolve, 100)));
    }
  }

  test('each kind of mock recipient ends in its state, with its sentence', async () => {
    const cases = [
      ['mdn-delivered-a', 'delivered', true, ['processed', 'dispatched']],
      ['mdn-received-a', 'received', false, ['processed']],
      ['mdn-failed-a', 'failed', true, ['failed']],
    ];
    for (const [local, state, final, events] of cases) {
      const id = await send(local);
      const s = await until(id, state);
      assert.equal(s.state, state, local);
      assert.deepEqual(Object.keys(s).sort(), ['events', 'final', 'message', 'messageId', 'sentAt', 'state', 'updatedAt']);
      assert.equal(s.messageId, id);
      assert.equal(s.final, final, local);
      assert.deepEqual(s.events.map((e) => e.status), events, local);
      for (const e of s.events) assert.ok(!Number.isNaN(Date.parse(e.at)), e.at);
      assert.ok(Date.parse(s.sentAt) <= Date.parse(s.updatedAt));
      assert.equal(s.message, SENTENCES[state]);
      assert.doesNotMatch(s.message, /\bread\b/i);
    }
  });

  test('without MDNs a message stays sent, and after the proxy’s wait is unconfirmed', async () => {
    const id = await send('mdn-none-a');
    const first = await ask(page, id);
    assert.ok(first.ok, JSON.stringify(first.error));
    assert.deepEqual([first.value.state, first.value.final, first.value.events, first.value.message], ['sent', false, [], SENTENCES.sent]);
    // A message that would get MDNs has had them by the time this one is asked again.
    const other = await send('mdn-delivered-b');
    await until(other, 'delivered');
    const still = await ask(page, id);
    assert.equal(still.value.state, 'sent');
    ahead += 2 * HOUR;
    const later = await ask(page, id);
    assert.ok(later.ok, JSON.stringify(later.error));
    assert.deepEqual([later.value.state, later.value.final, later.value.message], ['unconfirmed', false, SENTENCES.unconfirmed]);
  });

  test('another patient’s token gets proxy.not_found, and Updox is not asked', async () => {
    const id = await send('mdn-delivered-c', 'p-1');
    const reads = mdnReads();
    const asked = modulePage.front.deliveries;
    const r = await ask(page, id, { patient: 'p-2' });
    assert.equal(r.ok, false);
    const e = r.error;
    assert.deepEqual([e.isUpdoxError, e.kind, e.rule, e.status, e.idempotencyKey], [true, 'http', 'proxy.not_found', 404, null]);
    assert.equal(e.message, UNCHECKED);
    assert.equal(modulePage.front.deliveries, asked + 1, 'the question reached the proxy');
    assert.equal(mdnReads(), reads, 'Updox was not asked');
    // A message that does not exist gets the same answer.
    const none = await ask(page, id + 1000, { patient: 'p-2' });
    assert.deepEqual([none.error.rule, none.error.status], ['proxy.not_found', 404]);
    // Without a token: the proxy's refusal, as an UpdoxError too.
    const anonymous = await page.evaluate(
      ({ id, route }) => window.settle(window.updox.getDeliveryStatus(id, { proxyUrl: route })),
      { id, route: DELIVERY_PATH },
    );
    assert.deepEqual([anonymous.error.isUpdoxError, anonymous.error.rule], [true, 'proxy.unauthorized']);
  });

  test('Spanish: the state’s sentence and a failure’s', async () => {
    const id = await send('mdn-failed-es');
    const s = await until(id, 'failed', { locale: 'es' });
    assert.equal(s.message, 'No se pudo entregar su mensaje a su equipo de atención médica. Comuníquese con la clínica por otro medio.');
    const r = await ask(page, id, { patient: 'p-2', locale: 'es' });
    assert.equal(r.error.rule, 'proxy.not_found');
    assert.equal(
      r.error.message,
      'No se pudo comprobar el estado de entrega en este momento. Esto no significa que su mensaje haya fallado; inténtelo de nuevo más tarde.',
    );
  });

  test('an invalid messageId is a validation issue on messageId, and no request is made', async () => {
    const asked = modulePage.front.deliveries;
    for (const bad of [0, -1, 1.5, '249600', null, 2 ** 60, Number.NaN]) {
      const r = await ask(page, bad);
      assert.equal(r.ok, false, String(bad));
      const e = r.error;
      assert.deepEqual([e.isUpdoxError, e.kind, e.rule, e.retryable, e.delivery], [true, 'validation', 'messageId.invalid', false, 'not-sent'], String(bad));
      assert.deepEqual(e.issues.map((i) => [i.field, i.rule]), [['messageId', 'messageId.invalid']]);
      assert.equal(e.message, e.issues[0].message);
    }
    const bothBad = await ask(page, 0, { timeoutMs: -5 });
    assert.deepEqual(bothBad.error.issues.map((i) => i.field), ['messageId', 'options.timeoutMs']);
    const noOptions = await page.evaluate(() => window.settle(window.updox.getDeliveryStatus(7)));
    assert.equal(noOptions.error.rule, 'options.not_an_object');
    assert.equal(modulePage.front.deliveries, asked, 'no request');
  });

  test('abort and timeout settle with their errors, whose message says the status was not checked', async () => {
    const timed = await ask(page, 7, { proxyUrl: `${faults.url}/hang`, timeoutMs: 300 });
    assert.deepEqual([timed.error.kind, timed.error.rule, timed.error.retryable, timed.error.message], ['timeout', 'timeout', true, UNCHECKED]);
    const before = await ask(page, 7, { proxyUrl: `${faults.url}/hang`, abortAfterMs: -1 });
    assert.deepEqual([before.error.kind, before.error.rule], ['aborted', 'aborted']);
    const during = await ask(page, 7, { proxyUrl: `${faults.url}/hang`, abortAfterMs: 100 });
    assert.equal(during.error.kind, 'aborted');
    assert.match(during.error.rule, /^aborted/);
    assert.equal(during.error.message, UNCHECKED);
  });
});
