// Helpers for driving the demo page (www/) in tests/demo.test.mjs: open it in a fresh
// browser context, fill it the way a patient would, and check what the browser saw.
import { createHash } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { captureConsole } from './browser.mjs';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const SCREENSHOT_DIR = join(ROOT, 'test-output', 'screenshots');

export const PROXY_PATH = '/api/updox/PatientDirectMessageSend';

/** The Updox credentials the dev server's proxy adds (the page never has them). */
export { DEMO_AUTH } from '../../server/mock-updox.mjs';

export const sha256 = (bytes) => createHash('sha256').update(bytes).digest('hex');

/**
 * Opens the demo page in a new context of `browser` and waits for the wasm module.
 * Records CSP violations in `window.__cspViolations` (an init script runs before the page's
 * own scripts and is not subject to its CSP). `beforeLoad(page)` runs before navigation
 * (e.g. to add routes). Returns {context, page, consoleEntries, response}; close with
 * `await context.close()`.
 */
export async function openDemoPage(
  browser,
  url,
  { viewport = { width: 1024, height: 900 }, bypassCSP = false, beforeLoad } = {},
) {
  const context = await browser.newContext({ viewport, bypassCSP });
  const page = await context.newPage();
  const consoleEntries = captureConsole(page);
  await page.addInitScript(() => {
    window.__cspViolations = [];
    document.addEventListener(
      'securitypolicyviolation',
      (event) => {
        window.__cspViolations.push({
          directive: event.effectiveDirective || event.violatedDirective,
          blockedURI: event.blockedURI,
          source: `${event.sourceFile}:${event.lineNumber}`,
        });
      },
      true,
    );
  });
  await beforeLoad?.(page);
  const response = await page.goto(url, { waitUntil: 'load' });
  await page.waitForSelector('body:not([data-ready="false"])', { timeout: 20000 });
  return { context, page, consoleEntries, response };
}

/** The page's form controls, found by their visible labels (so the labels are tested too). */
export function controls(page) {
  const byLabel = (text) => page.getByLabel(text, { exact: true });
  return {
    to: byLabel("Recipient's Direct address"),
    subject: byLabel('Subject'),
    textMessage: byLabel('Message'),
    files: byLabel('Choose files to attach'),
    senderId: byLabel('My patient ID'),
    senderDemographics: byLabel('My patient ID and details (demographics)'),
    patientId: byLabel('Patient ID'),
    firstName: byLabel('First name'),
    middleName: byLabel('Middle name (optional)'),
    lastName: byLabel('Last name'),
    dateOfBirth: byLabel('Date of birth (optional)'),
    gender: byLabel('Gender (optional)'),
    emailAddress: byLabel('E-mail (optional)'),
    send: page.getByRole('button', { name: 'Send securely' }),
    cancel: page.getByRole('button', { name: 'Cancel' }),
  };
}

/**
 * Fills the form like a patient: types each field, then moves on with Tab.
 * `patient` is {patientId} or {patientId, firstName, middleName, lastName, dateOfBirth,
 * gender, emailAddress} (the latter picks "demographics").
 */
export async function fillForm(page, { to, subject, textMessage, patient }) {
  const c = controls(page);
  const type = async (locator, value) => {
    if (value === undefined) return;
    await locator.click();
    await locator.fill('');
    await locator.pressSequentially(value);
    await locator.press('Tab');
  };
  await type(c.to, to);
  await type(c.subject, subject);
  await type(c.textMessage, textMessage);
  if (patient) {
    const demographics = 'firstName' in patient;
    await (demographics ? c.senderDemographics : c.senderId).check();
    await type(c.patientId, patient.patientId);
    if (demographics) {
      await type(c.firstName, patient.firstName);
      await type(c.middleName, patient.middleName);
      await type(c.lastName, patient.lastName);
      if (patient.dateOfBirth !== undefined) {
        await c.dateOfBirth.fill(patient.dateOfBirth);
        await c.dateOfBirth.press('Tab');
      }
      if (patient.gender !== undefined) await c.gender.selectOption(patient.gender);
      await type(c.emailAddress, patient.emailAddress);
    }
  }
}

/** Clicks Send and waits until the result panel shows an outcome. */
export async function sendAndWait(page, { timeout = 20000 } = {}) {
  await page.evaluate(() => {
    delete document.getElementById('result').dataset.outcome;
  });
  await controls(page).send.click();
  await page.waitForSelector('#result[data-outcome]', { timeout });
  return page.$eval('#result', (el) => el.dataset.outcome);
}

/** Text of an element, or null when it (or an ancestor) is hidden. */
export function visibleText(page, selector) {
  return page.$eval(selector, (el) => (el.closest('[hidden]') ? null : el.textContent.trim()));
}

/** Fails if the console has errors or warnings, or shows any of `secrets`. */
export function assertCleanConsole(assert, entries, secrets = []) {
  const bad = entries.filter((e) => ['error', 'warning', 'pageerror', 'assert'].includes(e.type));
  assert.deepEqual(
    bad.map((e) => `${e.type}: ${e.text.slice(0, 300)}`),
    [],
    'the browser console has errors or warnings',
  );
  for (const secret of secrets) {
    const leaked = entries.some((e) => e.text.includes(secret));
    // The message names no secret: the assertion message itself must not leak it.
    assert.equal(leaked, false, `the console shows message content (secret #${secrets.indexOf(secret)})`);
  }
}

/** The CSP violations the page reported (see openDemoPage). */
export function cspViolations(page) {
  return page.evaluate(() => window.__cspViolations);
}

/** Writes a full-page screenshot to test-output/screenshots/NAME.png. */
export async function screenshot(page, name) {
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  const path = join(SCREENSHOT_DIR, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  return path;
}

/** Horizontal overflow: the document's scroll width (should be <= viewport width). */
export function scrollWidth(page) {
  return page.evaluate(() => document.scrollingElement.scrollWidth);
}
