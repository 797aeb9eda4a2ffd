// Driving the demo page (www/) in tests/demo/demo.browser.test.mjs, in any engine (engines.mjs): open it
// in a fresh page, find its controls by their visible labels, fill it the way a patient
// would, and check what the browser saw.
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const SCREENSHOT_DIR = join(ROOT, 'test-output', 'screenshots');

export const PROXY_PATH = '/api/updox/PatientDirectMessageSend';

/** The Updox credentials the dev server's proxy adds (the page never has them). */
export { DEMO_AUTH } from '../../server/mock-updox.mjs';

export const sha256 = (bytes) => createHash('sha256').update(bytes).digest('hex');

// Records CSP violations in window.__cspViolations. Chromium and Firefox run it before the
// page's own scripts; WebKit after the load event (see engines.mjs, initScript).
const CSP_RECORDER = `
if (!window.__cspViolations) {
  window.__cspViolations = [];
  document.addEventListener('securitypolicyviolation', (event) => {
    window.__cspViolations.push({
      directive: event.effectiveDirective || event.violatedDirective,
      blockedURI: event.blockedURI,
      source: event.sourceFile + ':' + event.lineNumber,
    });
  }, true);
}`;

/**
 * Opens the demo page at `url` in a new page of `engine` and waits until the module has
 * loaded (or failed to). Resolves the page (engines.mjs); close it with `page.close()`.
 */
export async function openDemoPage(engine, url, { viewport = { width: 1024, height: 900 } } = {}) {
  const page = await engine.newPage(url, { viewport, initScript: CSP_RECORDER });
  await page.waitFor(() => document.body && document.body.dataset.ready !== 'false', { timeout: 30_000 });
  return page;
}

const LABELS = {
  to: "Recipient's Direct address",
  subject: 'Subject',
  textMessage: 'Message',
  files: 'Choose files to attach',
  senderId: 'My patient ID',
  senderDemographics: 'My patient ID and details (demographics)',
  patientId: 'Patient ID',
  firstName: 'First name',
  middleName: 'Middle name (optional)',
  lastName: 'Last name',
  dateOfBirth: 'Date of birth (optional)',
  gender: 'Gender (optional)',
  emailAddress: 'E-mail (optional)',
};
const BUTTONS = { send: 'Send securely', cancel: 'Cancel', sendAgain: 'Send again safely' };

/**
 * The page's form controls as CSS selectors, found by their visible labels and the
 * buttons by their text (so the labels are tested too); throws if one is missing.
 */
export async function controls(page) {
  const found = await page.evaluate(
    (labels, buttons) => {
      const norm = (s) => s.replace(/\s+/g, ' ').trim();
      const out = {};
      for (const [key, text] of Object.entries(labels)) {
        const label = [...document.querySelectorAll('label')].find((l) => norm(l.textContent) === text);
        const control = label && (label.control ?? document.getElementById(label.htmlFor));
        out[key] = control?.id ? `#${control.id}` : null;
      }
      for (const [key, text] of Object.entries(buttons)) {
        const button = [...document.querySelectorAll('button')].find((b) => norm(b.textContent) === text);
        out[key] = button?.id ? `#${button.id}` : null;
      }
      return out;
    },
    LABELS,
    BUTTONS,
  );
  const missing = Object.keys(found).filter((k) => !found[k]);
  if (missing.length) throw new Error(`demo page controls not found by label: ${missing.join(', ')}`);
  return found;
}

/** The selector of the Remove button for the attached file `name`. */
export async function removeButton(page, name) {
  const index = await page.evaluate(
    (label) => [...document.querySelectorAll('#attachment-list li button.remove')].findIndex((b) => b.textContent.replace(/\s+/g, ' ').trim() === label),
    `Remove ${name}`,
  );
  if (index < 0) throw new Error(`no Remove button for the file (#${name.length} chars)`);
  return `#attachment-list li:nth-child(${index + 1}) button.remove`;
}

// ---- reading the page ---------------------------------------------------------------------

/** Text of an element, or null when it (or an ancestor) is hidden or absent. */
export function visibleText(page, selector) {
  return page.evaluate((sel) => {
    const el = document.querySelector(sel);
    return !el || el.closest('[hidden]') ? null : el.textContent.trim();
  }, selector);
}
export const attribute = (page, selector, name) =>
  page.evaluate((sel, n) => document.querySelector(sel)?.getAttribute(n) ?? null, selector, name);
export const count = (page, selector) => page.evaluate((sel) => document.querySelectorAll(sel).length, selector);
export const isDisabled = (page, selector) => page.evaluate((sel) => document.querySelector(sel).disabled, selector);
export const isChecked = (page, selector) => page.evaluate((sel) => document.querySelector(sel).checked, selector);
export const inputValue = (page, selector) => page.evaluate((sel) => document.querySelector(sel).value, selector);
export const textContent = (page, selector) => page.evaluate((sel) => document.querySelector(sel)?.textContent ?? null, selector);
export const focusedId = (page) => page.evaluate(() => document.activeElement?.id);
/** Waits until `selector` matches an element. */
export const waitForSelector = (page, selector, timeout = 20_000) =>
  page.waitFor((sel) => document.querySelector(sel) !== null, { timeout }, selector);

/** Horizontal overflow: the document's scroll width (should be <= viewport width). */
export function scrollWidth(page) {
  return page.evaluate(() => document.scrollingElement.scrollWidth);
}

const AXE_SOURCE = readFileSync(join(ROOT, 'node_modules', 'axe-core', 'axe.min.js'), 'utf8');

/** Runs axe-core on the page; returns the violations as "rule (impact): targets" lines. */
export async function axeViolations(page) {
  // Evaluated scripts are not subject to the page's CSP: axe runs under the strict policy.
  if (!(await page.evaluate(() => typeof window.axe === 'object'))) await page.evaluate(AXE_SOURCE);
  return page.evaluate(async () => {
    const { violations } = await window.axe.run(document);
    return violations.map((v) => `${v.id} (${v.impact}): ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
  });
}

/** The CSP violations the page reported (see openDemoPage). */
export function cspViolations(page) {
  return page.evaluate(() => window.__cspViolations ?? []);
}

// ---- acting like a patient ----------------------------------------------------------------

/** Sets a control's value the way a browser's own picker does (date, select), then leaves it. */
async function pick(page, selector, value) {
  await page.evaluate(
    (sel, v) => {
      const el = document.querySelector(sel);
      el.focus();
      el.value = v;
      el.dispatchEvent(new Event('input', { bubbles: true }));
      el.dispatchEvent(new Event('change', { bubbles: true }));
    },
    selector,
    value,
  );
  await page.press('Tab');
}

/**
 * Fills the form like a patient: types each field, then moves on with Tab.
 * `patient` is {patientId} or {patientId, firstName, middleName, lastName, dateOfBirth,
 * gender, emailAddress} (the latter picks "demographics").
 */
export async function fillForm(page, { to, subject, textMessage, patient }) {
  const c = await controls(page);
  const type = async (selector, value) => {
    if (value === undefined) return;
    await page.click(selector);
    await page.fill(selector, value);
    await page.press('Tab');
  };
  await type(c.to, to);
  // Leaving the recipient field starts its check ("Checking…" at once): wait for the
  // answer, as its text may take more lines than "Checking…" did.
  if (to !== undefined) await page.waitFor(() => document.getElementById('to-status')?.dataset.state !== 'checking', { timeout: 20_000 });
  await type(c.subject, subject);
  await type(c.textMessage, textMessage);
  if (patient) {
    const demographics = 'firstName' in patient;
    const radio = demographics ? c.senderDemographics : c.senderId;
    if (!(await isChecked(page, radio))) await page.click(radio);
    await type(c.patientId, patient.patientId);
    if (demographics) {
      await type(c.firstName, patient.firstName);
      await type(c.middleName, patient.middleName);
      await type(c.lastName, patient.lastName);
      if (patient.dateOfBirth !== undefined) await pick(page, c.dateOfBirth, patient.dateOfBirth);
      if (patient.gender !== undefined) await pick(page, c.gender, patient.gender);
      await type(c.emailAddress, patient.emailAddress);
    }
  }
}

/**
 * Writes `files` ({name, buffer}) to a new temporary folder, as a patient's files on disk;
 * resolves their paths (in order).
 */
export function filesOnDisk(files) {
  const dir = mkdtempSync(join(tmpdir(), 'updox-demo-files-'));
  return files.map(({ name, buffer }) => {
    const path = join(dir, name);
    writeFileSync(path, buffer);
    return path;
  });
}

/** Picks `files` ({name, buffer}, one or several) with the page's file input. */
export async function attachFiles(page, files) {
  const c = await controls(page);
  await page.setFiles(c.files, filesOnDisk([files].flat()));
}

/** Clicks Send and waits until the outcome panel shows an outcome ('success' or 'error'). */
export async function sendAndWait(page, { timeout = 20000 } = {}) {
  await page.evaluate(() => {
    delete document.getElementById('outcome').dataset.outcome;
  });
  await page.click((await controls(page)).send);
  await waitForSelector(page, '#outcome[data-outcome]', timeout);
  return page.evaluate(() => document.getElementById('outcome').dataset.outcome);
}

/** Clicks the visible button whose text is `text` (in any language). */
export async function clickButton(page, text) {
  const marked = await page.evaluate((label) => {
    const b = [...document.querySelectorAll('button')].find((x) => x.textContent.replace(/\s+/g, ' ').trim() === label && !x.closest('[hidden]'));
    if (!b) return false;
    b.dataset.testTarget = '1';
    return true;
  }, text);
  if (!marked) throw new Error(`no visible button "${text}"`);
  await page.click('button[data-test-target="1"]');
  await page.evaluate(() => document.querySelector('button[data-test-target="1"]')?.removeAttribute('data-test-target'));
}

/** The state the outcome panel shows: 'idle', 'sending', 'sent', 'not-sent', 'failed', 'unknown', 'cancelled', 'cancelled-late'. */
export const outcomeState = (page) => page.evaluate(() => document.getElementById('outcome').dataset.state || 'idle');

/** Waits until the outcome panel shows a state other than 'sending' and resolves it. */
export async function waitForOutcome(page, timeout = 30_000) {
  await waitForSelector(page, '#outcome[data-outcome]', timeout);
  return outcomeState(page);
}

/**
 * The enabled buttons a patient can see and press now: not hidden, not inert, not disabled,
 * and (with `inView`) at least partly inside the viewport. The language switch is left out.
 */
export function pressableButtons(page, { inView = true } = {}) {
  return page.evaluate((onlyInView) => {
    const inert = (el) => Boolean(el.closest('[inert]'));
    return [...document.querySelectorAll('button')]
      .filter((b) => !b.dataset.lang && !b.disabled && !inert(b) && b.getClientRects().length > 0)
      .filter((b) => {
        if (!onlyInView) return true;
        const r = b.getBoundingClientRect();
        return r.bottom > 0 && r.top < innerHeight && r.right > 0 && r.left < innerWidth;
      })
      .map((b) => b.textContent.replace(/\s+/g, ' ').trim());
  }, inView);
}

/** Whether the element matching `selector` is entirely inside the viewport. */
export const inViewport = (page, selector) =>
  page.evaluate((sel) => {
    const r = document.querySelector(sel).getBoundingClientRect();
    return r.height > 0 && r.top >= 0 && r.bottom <= innerHeight && r.left >= 0 && r.right <= innerWidth;
  }, selector);

// ---- what the browser saw -------------------------------------------------------------------

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

/** Writes a screenshot to test-output/screenshots/NAME.png. */
export async function screenshot(page, name) {
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  const path = join(SCREENSHOT_DIR, `${name}.png`);
  await page.screenshot(path);
  return path;
}
