// The demo page in English and Spanish: the language switch changes the page's own words and
// the module's messages (field errors and the error result), `?lang=es` opens it in
// Spanish, and axe-core finds no accessibility violations in either language. In every
// engine: nothing here needs focus events after Tab leaves the page (see
// tests/demo/demo.browser.test.mjs). Needs pkg/.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { assertCleanConsole, attribute, axeViolations, clickButton, cspViolations, openDemoPage, ROOT, visibleText, waitForSelector } from '../support/demo-page.mjs';
import { selectedEngines } from '../support/engines.mjs';
import { useServers } from '../support/servers.mjs';

const TEST_TIMEOUT = 90_000;
const ES = (await import(pathToFileURL(join(ROOT, 'pkg', 'locales', 'es.js')).href)).default;

/** The selector of the control labelled `text`. */
async function labelled(page, text) {
  const id = await page.evaluate((t) => {
    const label = [...document.querySelectorAll('label')].find((l) => l.textContent.replace(/\s+/g, ' ').trim() === t);
    return (label?.control ?? document.getElementById(label?.htmlFor))?.id ?? null;
  }, text);
  assert.ok(id, `no control labelled "${text}"`);
  return `#${id}`;
}

/** Types into the field labelled `label`, then leaves it. */
async function type(page, label, value) {
  const selector = await labelled(page, label);
  await page.click(selector);
  await page.fill(selector, value);
  await page.press('Tab');
}

/** Clicks the Spanish Send button and waits for the result panel's outcome. */
async function sendAndWait(page) {
  await page.evaluate(() => delete document.getElementById('outcome').dataset.outcome);
  await clickButton(page, 'Enviar de forma segura');
  await waitForSelector(page, '#outcome[data-outcome]');
  return page.evaluate(() => document.getElementById('outcome').dataset.outcome);
}

for (const engineName of selectedEngines()) describe(engineName, () => {
  const s = useServers({ dev: true, front: true, engine: engineName });

  test('the switch turns the page and the module to Spanish and back; axe is clean in both', { timeout: TEST_TIMEOUT }, async () => {
    const page = await openDemoPage(s.engine, s.front.url);
    try {
      assert.equal(await attribute(page, 'html', 'lang'), 'en');
      assert.deepEqual(await axeViolations(page), [], 'English, empty form');

      await clickButton(page, 'Español');
      await waitForSelector(page, 'body[data-lang="es"]');
      assert.equal(await attribute(page, 'html', 'lang'), 'es');
      assert.equal(await page.evaluate(() => document.title), 'Envíe un mensaje seguro a su equipo de atención médica');
      assert.equal(await attribute(page, 'button[data-lang="es"]', 'aria-pressed'), 'true');
      assert.equal(await attribute(page, 'button[data-lang="en"]', 'aria-pressed'), 'false');
      assert.equal(await visibleText(page, 'h1'), 'Enviar un mensaje seguro');
      assert.equal(await visibleText(page, '#status'), 'Listo');
      assert.deepEqual(await axeViolations(page), [], 'Spanish, empty form');

      // The module's messages, in Spanish, next to the fields (found by their Spanish labels).
      await type(page, 'Dirección Direct del destinatario', 'no es una dirección');
      await type(page, 'Número de paciente', '1 2');
      assert.equal(await visibleText(page, '#to-error'), ES['to.invalid']);
      assert.equal(await visibleText(page, '#patientId-error'), ES['from.id_invalid_characters']);
      assert.deepEqual(await axeViolations(page), [], 'Spanish, form with errors');

      // An error result from Updox (the mock's failure hook), in Spanish.
      await type(page, 'Dirección Direct del destinatario', 'fail-4650@direct.example-clinic.org');
      await type(page, 'Número de paciente', '48213');
      await type(page, 'Asunto', 'Prueba');
      assert.equal(await sendAndWait(page), 'error');
      assert.equal(await visibleText(page, '#outcome-title'), 'No se pudo entregar su mensaje.');
      assert.equal(await visibleText(page, '#detail-message'), ES['updox.4650']);
      assert.equal(await visibleText(page, '#detail-kind'), 'Updox no pudo entregar el mensaje');
      assert.deepEqual(await axeViolations(page), [], 'Spanish, error result');

      // A success, in Spanish.
      await type(page, 'Dirección Direct del destinatario', 'care-team@direct.example-clinic.org');
      await type(page, 'Asunto', 'Prueba');
      assert.equal(await sendAndWait(page), 'success');
      assert.equal(await visibleText(page, '#outcome-title'), 'Su mensaje se envió.');
      assert.deepEqual(await axeViolations(page), [], 'Spanish, success result');
      await clickButton(page, 'Escribir otro mensaje');

      // Back to English: the page's words and the module's messages.
      await clickButton(page, 'English');
      await waitForSelector(page, 'body[data-lang="en"]');
      assert.equal(await attribute(page, 'html', 'lang'), 'en');
      await type(page, "Recipient's Direct address", 'not an address');
      assert.equal(await visibleText(page, '#to-error'), "The recipient's Direct address is not valid. It looks like name@direct.example.org, without spaces.");
      assert.deepEqual(await axeViolations(page), [], 'English again, form with errors');
      assert.deepEqual(await cspViolations(page), [], 'axe ran without breaking the page’s CSP');
      assertCleanConsole(assert, await page.consoleEntries(), ['no es una dirección', 'Prueba']);
    } finally {
      await page.close();
    }
  });

  test('?lang=es opens the page in Spanish, under its strict CSP', { timeout: TEST_TIMEOUT }, async () => {
    const page = await openDemoPage(s.engine, `${s.front.url}?lang=es`);
    try {
      await waitForSelector(page, 'body[data-lang="es"]');
      assert.equal(await attribute(page, 'html', 'lang'), 'es');
      assert.equal(await visibleText(page, '#status'), 'Listo');
      assert.equal(await visibleText(page, '#send'), 'Enviar de forma segura');
      assert.equal(await visibleText(page, 'label[for="file-input"]'), 'Elegir archivos para adjuntar');
      // The first check already speaks Spanish: the page loaded the locale before it.
      await type(page, 'Dirección Direct del destinatario', 'x');
      assert.equal(await visibleText(page, '#to-error'), ES['to.invalid']);
      assert.deepEqual(await cspViolations(page), []);
      assertCleanConsole(assert, await page.consoleEntries());
    } finally {
      await page.close();
    }
  });
});
