// The demo page in English and Spanish: the language switch changes the page's own words and
// the module's messages (field errors and the error result), `?lang=es` opens it in
// Spanish, and axe-core finds no accessibility violations in either language. Needs pkg/.
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { assertCleanConsole, cspViolations, openDemoPage, ROOT, visibleText } from './support/demo-page.mjs';
import { useServers } from './support/servers.mjs';

const TEST_TIMEOUT = 90_000;
const s = useServers({ dev: true, browser: true });
let ES;
before(async () => {
  ES = (await import(pathToFileURL(join(ROOT, 'pkg', 'locales', 'es.js')).href)).default;
});

const AXE_SOURCE = readFileSync(join(ROOT, 'node_modules', 'axe-core', 'axe.min.js'), 'utf8');

/** axe-core's violations on the page, as "rule: targets" lines. */
async function axeViolations(page) {
  if (!(await page.evaluate(() => typeof window.axe === 'object'))) await page.addScriptTag({ content: AXE_SOURCE });
  return page.evaluate(async () => {
    const { violations } = await window.axe.run(document);
    return violations.map((v) => `${v.id} (${v.impact}): ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
  });
}

/** Clicks the Spanish Send button and waits for the result panel's outcome. */
async function sendAndWait(page) {
  await page.evaluate(() => delete document.getElementById('result').dataset.outcome);
  await page.getByRole('button', { name: 'Enviar de forma segura' }).click();
  await page.waitForSelector('#result[data-outcome]', { timeout: 20000 });
  return page.$eval('#result', (el) => el.dataset.outcome);
}

/** Types into the field labelled `label`, then leaves it. */
async function type(page, label, value) {
  const field = page.getByLabel(label, { exact: true });
  await field.fill(value);
  await field.press('Tab');
}

test('the switch turns the page and the module to Spanish and back; axe is clean in both', { timeout: TEST_TIMEOUT }, async () => {
  // Only this context bypasses the CSP, so that axe can be injected as a script.
  const { context, page, consoleEntries } = await openDemoPage(s.browser, s.dev.url, { bypassCSP: true });
  try {
    assert.equal(await page.getAttribute('html', 'lang'), 'en');
    assert.deepEqual(await axeViolations(page), [], 'English, empty form');

    await page.getByRole('button', { name: 'Español' }).click();
    await page.waitForSelector('body[data-lang="es"]');
    assert.equal(await page.getAttribute('html', 'lang'), 'es');
    assert.equal(await page.title(), 'Envíe un mensaje seguro a su equipo de atención médica');
    assert.equal(await page.getByRole('button', { name: 'Español' }).getAttribute('aria-pressed'), 'true');
    assert.equal(await visibleText(page, 'h1'), 'Enviar un mensaje seguro');
    assert.equal(await visibleText(page, '#status'), 'Listo');
    assert.ok(await page.getByRole('button', { name: 'Enviar de forma segura' }).isVisible());
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
    assert.equal(await visibleText(page, '#result-error-headline'), 'Su mensaje no se envió.');
    assert.equal(await visibleText(page, '#result-error-message'), ES['updox.4650']);
    assert.equal(await visibleText(page, '#result-error-kind'), 'Updox no pudo entregar el mensaje (updox)');
    assert.deepEqual(await axeViolations(page), [], 'Spanish, error result');

    // A success, in Spanish.
    await type(page, 'Dirección Direct del destinatario', 'care-team@direct.example-clinic.org');
    await type(page, 'Asunto', 'Prueba');
    assert.equal(await sendAndWait(page), 'success');
    assert.equal(await visibleText(page, '#result-success .result-headline'), 'Su mensaje se envió.');
    assert.deepEqual(await axeViolations(page), [], 'Spanish, success result');

    // Back to English: the page's words and the module's messages.
    await page.getByRole('button', { name: 'English' }).click();
    await page.waitForSelector('body[data-lang="en"]');
    assert.equal(await page.getAttribute('html', 'lang'), 'en');
    await type(page, "Recipient's Direct address", 'not an address');
    assert.equal(await visibleText(page, '#to-error'), "The recipient's Direct address is not valid. It looks like name@direct.example.org, without spaces.");
    assert.deepEqual(await axeViolations(page), [], 'English again, form with errors');
    assertCleanConsole(assert, consoleEntries, ['no es una dirección', 'Prueba']);
  } finally {
    await context.close();
  }
});

test('?lang=es opens the page in Spanish, under its strict CSP', { timeout: TEST_TIMEOUT }, async () => {
  const { context, page, consoleEntries } = await openDemoPage(s.browser, `${s.dev.url}?lang=es`);
  try {
    await page.waitForSelector('body[data-lang="es"]');
    assert.equal(await page.getAttribute('html', 'lang'), 'es');
    assert.equal(await visibleText(page, '#status'), 'Listo');
    assert.equal(await visibleText(page, '#progress-text'), 'Sin empezar');
    // The first check already speaks Spanish: the page loaded the locale before it.
    await type(page, 'Dirección Direct del destinatario', 'x');
    assert.equal(await visibleText(page, '#to-error'), ES['to.invalid']);
    assert.deepEqual(await cspViolations(page), []);
    assertCleanConsole(assert, consoleEntries);
  } finally {
    await context.close();
  }
});
