// The demo's delivery status line, in each engine: after a send, the line under the outcome
// says what became of the message, from getDeliveryStatus asked with backoff through the dev
// server's proxy and its mock Updox (MDNs 100 ms apart, back through the webhook): a
// `mdn-delivered-` recipient ends "delivered", `mdn-failed-` "not delivered"; the line is a
// polite live region, follows a language switch in place, goes when the patient writes
// another message, and the message is sent once whatever the state; axe is clean. Needs pkg/.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import {
  assertCleanConsole,
  attribute,
  axeViolations,
  clickButton,
  cspViolations,
  fillForm,
  openDemoPage,
  ROOT,
  scrollWidth,
  screenshot,
  sendAndWait,
  textContent,
  visibleText,
  waitForSelector,
} from '../support/demo-page.mjs';
import { selectedEngines } from '../support/engines.mjs';
import { useServers } from '../support/servers.mjs';

const TEST_TIMEOUT = 90_000;
// The first question is 2 s after the send and the next 4 s later: a state is on the line
// within a few questions, however loaded the machine.
const STATE_TIMEOUT = 45_000;
const ES = (await import(pathToFileURL(join(ROOT, 'pkg', 'locales', 'es.js')).href)).default;
const PATIENT = { patientId: '48213' };

const SENTENCE = {
  delivered: "Your message was delivered to your care team's inbox.",
  failed: 'Your message could not be delivered to your care team. Please contact the clinic another way.',
};

/** Waits until the status line shows `state`; its label, state and sentence. */
async function lineIn(page, state) {
  await waitForSelector(page, `#outcome-status-line[data-delivery="${state}"]:not([hidden])`, STATE_TIMEOUT);
  return {
    label: await visibleText(page, '#delivery-label'),
    state: await visibleText(page, '#delivery-state'),
    sentence: await visibleText(page, '#delivery-sentence'),
  };
}

for (const engineName of selectedEngines()) describe(engineName, () => {
  const s = useServers({ dev: { env: { UPDOX_MOCK_MDN_DELAY_MS: '100' } }, engine: engineName });

  test('a send to mdn-delivered- shows delivered, politely, and is sent once', { timeout: TEST_TIMEOUT }, async () => {
    const page = await openDemoPage(s.engine, s.dev.url);
    try {
      s.dev.mock.reset();
      await fillForm(page, { to: 'mdn-delivered-x@direct.example.org', subject: 'Knee', textMessage: 'Hello', patient: PATIENT });
      assert.equal(await sendAndWait(page), 'success');
      assert.equal(await attribute(page, '#outcome-status-line', 'aria-live'), 'polite');
      const line = await lineIn(page, 'delivered');
      assert.deepEqual(line, { label: 'Delivery status:', state: 'Delivered', sentence: SENTENCE.delivered });
      assert.equal(s.dev.mock.messages().length, 1, 'the message was sent once');
      assert.deepEqual(await axeViolations(page), [], 'delivered');
      assert.deepEqual(await cspViolations(page), []);
      assertCleanConsole(assert, await page.consoleEntries(), ['Hello']);

      // The patient writes another message: the line goes.
      await clickButton(page, 'Write another message');
      assert.equal(await attribute(page, '#outcome-status-line', 'hidden'), '');
      assert.equal(await textContent(page, '#delivery-state'), '');
      assert.equal(s.dev.mock.messages().length, 1);
    } finally {
      await page.close();
    }
  });

  test('a send to mdn-failed- shows not delivered with the module’s sentence', { timeout: TEST_TIMEOUT }, async () => {
    const page = await openDemoPage(s.engine, s.dev.url);
    try {
      s.dev.mock.reset();
      await fillForm(page, { to: 'mdn-failed-x@direct.example.org', subject: 'Knee', textMessage: 'Hello', patient: PATIENT });
      assert.equal(await sendAndWait(page), 'success');
      const line = await lineIn(page, 'failed');
      assert.deepEqual(line, { label: 'Delivery status:', state: 'Not delivered', sentence: SENTENCE.failed });
      assert.equal(s.dev.mock.messages().length, 1, 'a failed delivery is never resent by the page');
      assert.deepEqual(await axeViolations(page), [], 'failed');
    } finally {
      await page.close();
    }
  });

  test('in Spanish, and redone in place when the language switches', { timeout: TEST_TIMEOUT }, async () => {
    const page = await openDemoPage(s.engine, s.dev.url);
    try {
      await fillForm(page, { to: 'mdn-delivered-es@direct.example.org', subject: 'Rodilla', textMessage: 'Hola', patient: PATIENT });
      await clickButton(page, 'Español');
      await waitForSelector(page, 'body[data-lang="es"]');
      await page.evaluate(() => delete document.getElementById('outcome').dataset.outcome);
      await clickButton(page, 'Enviar de forma segura');
      await waitForSelector(page, '#outcome[data-outcome="success"]');
      const es = await lineIn(page, 'delivered');
      assert.deepEqual(es, { label: 'Estado de entrega:', state: 'Entregado', sentence: ES['delivery.delivered'] });
      assert.equal(await attribute(page, '#delivery-sentence', 'lang'), 'es');
      assert.deepEqual(await axeViolations(page), [], 'Spanish, delivered');

      await clickButton(page, 'English');
      await waitForSelector(page, 'body[data-lang="en"]');
      assert.equal(await visibleText(page, '#delivery-state'), 'Delivered', 'the label at once');
      await page.waitFor((sentence) => document.getElementById('delivery-sentence').textContent === sentence, { timeout: STATE_TIMEOUT }, SENTENCE.delivered);
      assert.equal(await attribute(page, '#delivery-sentence', 'lang'), 'en');
      assert.equal(await attribute(page, '#outcome-status-line', 'data-delivery'), 'delivered');
    } finally {
      await page.close();
    }
  });

  test('at phone width the status line fits', { timeout: TEST_TIMEOUT }, async () => {
    const page = await openDemoPage(s.engine, s.dev.url, { viewport: { width: 375, height: 740 } });
    try {
      await fillForm(page, { to: 'mdn-delivered-phone@direct.example.org', subject: 'Knee', textMessage: 'Hello', patient: PATIENT });
      assert.equal(await sendAndWait(page), 'success');
      await lineIn(page, 'delivered');
      const width = await page.evaluate(() => innerWidth);
      assert.ok((await scrollWidth(page)) <= width, 'nothing overflows');
      await screenshot(page, `demo-delivery-375-${engineName}`);
    } finally {
      await page.close();
    }
  });
});
