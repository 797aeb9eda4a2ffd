// The demo page (www/) end to end: headless Chromium (playwright-core) drives the page served
// by the dev server, which proxies to the mock Updox. Needs pkg/ (scripts/build.sh).
//
//   node --test --test-concurrency=1 --test-reporter=spec tests/demo.test.mjs
//
// Nothing here prints message content: assertion messages name fields, never values.
import { before, beforeEach, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { HOOK_REASON_4650 } from '../server/mock-updox.mjs';
import {
  DEMO_AUTH,
  PROXY_PATH,
  ROOT,
  assertCleanConsole,
  controls,
  cspViolations,
  fillForm,
  openDemoPage,
  screenshot,
  scrollWidth,
  sendAndWait,
  sha256,
  visibleText,
} from './support/demo-page.mjs';
import { useServers } from './support/servers.mjs';

const TEST_TIMEOUT = 90_000;

// ---- what the patient types (all of it must stay out of the console) -------------------

const TO = 'care-team@direct.example-clinic.org';
const SUBJECT = 'Knee X-ray follow-up 7Q2KX';
const TEXT = 'Hello Dr. Okafor,\nthe swelling in my left knee is back (marker PHI-9F3A).';
const PATIENT = {
  patientId: '48213',
  firstName: 'Zoë',
  middleName: 'Amara',
  lastName: 'Quintanilla-Marsh',
  dateOfBirth: '1984-07-19',
  gender: 'F',
  emailAddress: 'zoe.quintanilla@example.com',
};
// A small PDF-like file with every byte value in it and a non-ASCII name.
const FILE_NAME = 'Résultats été – 検査 №7.pdf';
const FILE_BYTES = Buffer.concat([
  Buffer.from('%PDF-1.4\n%\xe2\xe3\xcf\xd3\n', 'latin1'),
  Buffer.from(Array.from({ length: 1500 }, (_, i) => (i * 37 + 11) & 0xff)),
  Buffer.from('\n%%EOF\n', 'latin1'),
]);
const FILE = { name: FILE_NAME, mimeType: 'application/pdf', buffer: FILE_BYTES };

const SECRETS = [
  SUBJECT,
  '7Q2KX',
  'Okafor',
  'PHI-9F3A',
  'swelling',
  PATIENT.firstName,
  PATIENT.middleName,
  PATIENT.lastName,
  PATIENT.dateOfBirth,
  PATIENT.emailAddress,
  TO,
  FILE_NAME,
  '検査',
  FILE_BYTES.toString('base64').slice(0, 40),
];

before(() => {
  assert.ok(
    readFileSync(join(ROOT, 'pkg', 'updox_direct.js')).length > 0,
    'pkg/updox_direct.js is missing: run scripts/build.sh first',
  );
});

const s = useServers({ dev: true, browser: true });

beforeEach(() => s.dev.mock.reset());

/** The messages the mock Updox received (successful sends only). */
async function received() {
  return await s.dev.mock.messages();
}

// ---- (a) the module loads ---------------------------------------------------------------

test('the wasm module loads and the page says it is ready', { timeout: TEST_TIMEOUT }, async () => {
  const { context, page, consoleEntries } = await openDemoPage(s.browser, s.dev.url);
  try {
    assert.equal(await page.getAttribute('body', 'data-ready'), 'true');
    assert.equal(await visibleText(page, '#status'), 'Ready');
    assert.equal(await page.getAttribute('#status', 'role'), 'status');
    // An empty form cannot be sent, and shows no errors before the patient touched anything.
    assert.equal(await controls(page).send.isDisabled(), true);
    assert.equal(await page.locator('.field-error:not([hidden])').count(), 0);
    assert.equal(await page.locator('[aria-invalid="true"]').count(), 0);
    assert.equal(await controls(page).cancel.isDisabled(), true);
    assert.deepEqual(await cspViolations(page), []);
    assertCleanConsole(assert, consoleEntries);
  } finally {
    await context.close();
  }
});

test('when the wasm file cannot be loaded, the page says so and Send stays disabled', { timeout: TEST_TIMEOUT }, async () => {
  const { context, page, consoleEntries } = await openDemoPage(s.browser, s.dev.url, {
    beforeLoad: (p) => p.route('**/updox_direct_bg.wasm', (route) => route.fulfill({ status: 404, body: 'gone' })),
  });
  try {
    assert.equal(await page.getAttribute('body', 'data-ready'), 'error');
    assert.match(await visibleText(page, '#status'), /could not be loaded/);
    await fillForm(page, { to: TO, textMessage: 'Hello', patient: { patientId: '48213' } });
    assert.equal(await controls(page).send.isDisabled(), true);
    // Only the failed download itself is reported; the page adds nothing to the console.
    const errors = consoleEntries.filter((e) => e.type !== 'error' || !/404/.test(e.text));
    assert.deepEqual(errors.map((e) => `${e.type}: ${e.text.slice(0, 200)}`), []);
  } finally {
    await context.close();
  }
});

// ---- (b, f, g, i) the whole flow as a patient ------------------------------------------

test('a patient sends a message with an attachment; Updox gets the exact bytes and fields', { timeout: TEST_TIMEOUT }, async () => {
  const { context, page, consoleEntries, response } = await openDemoPage(s.browser, s.dev.url);
  try {
    // The page really runs under the strict CSP (otherwise the CSP checks prove nothing).
    const csp = response.headers()['content-security-policy'] ?? '';
    assert.match(csp, /script-src 'self' 'wasm-unsafe-eval'(;|$)/);
    assert.match(csp, /style-src 'self'(;|$)/);

    // See what leaves the browser, and forge an `auth` block on the way, as a tampered page
    // could: the proxy must drop it and use the server's credentials.
    const sentByBrowser = [];
    await page.route(`**${PROXY_PATH}`, async (route) => {
      const request = route.request();
      const body = JSON.parse(request.postDataBuffer().toString('utf8'));
      sentByBrowser.push({ body, headers: await request.allHeaders() });
      const forged = {
        ...body,
        auth: { applicationId: 'forged-app', applicationPassword: 'forged', accountId: 'x', userId: 'y' },
      };
      await route.continue({ postData: JSON.stringify(forged) });
    });

    const c = controls(page);
    await fillForm(page, { to: TO, subject: SUBJECT, textMessage: TEXT, patient: PATIENT });
    await c.files.setInputFiles(FILE);

    // The attachment list: name, human size and a remove button.
    const item = page.locator('#attachment-list li');
    assert.equal(await item.count(), 1);
    assert.equal(await item.locator('.file-name').textContent(), FILE_NAME);
    assert.equal(await item.locator('.file-size').textContent(), '1.5 KB');
    assert.equal(await item.getByRole('button', { name: `Remove ${FILE_NAME}` }).count(), 1);

    assert.equal(await page.locator('.field-error:not([hidden])').count(), 0, 'no errors on a valid form');
    assert.equal(await c.send.isEnabled(), true, 'Send is enabled for a valid form');
    await screenshot(page, 'filled-form');

    const outcome = await sendAndWait(page);
    assert.equal(outcome, 'success');
    // What Updox answered, as the mock recorded it (reading response bodies through CDP is
    // not reliable once the page has consumed them as a stream).
    const answer = (await received())[0]?.response ?? {};
    assert.equal(answer.responseCode, 2000);

    // The result panel shows what Updox answered.
    assert.equal(await visibleText(page, '#result-message-id'), String(answer.messageId));
    assert.equal(await visibleText(page, '#result-recipient'), answer.recipient);
    assert.match(answer.recipient, /^contact:\d+$/);
    assert.equal(await visibleText(page, '#result-direct-address'), TO);
    assert.equal(await visibleText(page, '#result-patient-address'), answer.patientDirectAddress);
    assert.match(answer.patientDirectAddress, /^ptacct\+\d+@/);
    assert.equal(await page.getAttribute('#result', 'aria-live'), 'polite');
    assert.equal(await visibleText(page, '#progress-text'), 'Done');
    assert.equal(await page.$eval('#progress', (p) => p.value), 100);
    await screenshot(page, 'result-success');

    // The browser sent no credentials; Updox got the server's.
    assert.equal(sentByBrowser.length, 1, 'exactly one request left the browser');
    assert.equal(sentByBrowser[0].body.auth, undefined, 'the page sends no auth block');
    assert.match(sentByBrowser[0].headers['content-type'], /^application\/json/);
    const messages = await received();
    assert.equal(messages.length, 1, 'the mock received exactly one message');
    const { body, attachments } = messages[0];
    assert.deepEqual(body.auth, DEMO_AUTH, 'the proxy replaced the forged auth with its own');

    // The fields, in Updox's names.
    assert.equal(body.to, TO);
    assert.equal(body.subject, SUBJECT);
    assert.equal(body.textMessage, TEXT);
    assert.equal(body.from, undefined, 'demographics chosen: no `from`');
    const d = body.patientDemographics;
    assert.ok(d, 'patientDemographics sent');
    for (const key of ['patientId', 'firstName', 'middleName', 'lastName', 'dateOfBirth', 'gender', 'emailAddress']) {
      assert.equal(d[key], PATIENT[key], `patientDemographics.${key}`);
    }

    // Exactly the attached bytes arrived.
    assert.equal(attachments.length, 1);
    assert.equal(attachments[0].fileName, FILE_NAME);
    assert.equal(attachments[0].mimeType, 'application/pdf');
    assert.equal(attachments[0].size, FILE_BYTES.length);
    assert.equal(attachments[0].sha256, sha256(FILE_BYTES));

    // After a successful send, what was sent is cleared (no accidental second send).
    assert.equal(await c.subject.inputValue(), '');
    assert.equal(await c.textMessage.inputValue(), '');
    assert.equal(await page.locator('#attachment-list li').count(), 0);
    assert.equal(await c.send.isDisabled(), true);

    // Nothing stored in the browser.
    const stored = await page.evaluate(() => ({
      local: localStorage.length,
      session: sessionStorage.length,
      cookie: document.cookie,
    }));
    assert.deepEqual(stored, { local: 0, session: 0, cookie: '' });
    assert.deepEqual(await context.cookies(), []);

    // (i) no CSP violation, (g) a clean console without message content.
    assert.deepEqual(await cspViolations(page), []);
    assertCleanConsole(assert, consoleEntries, SECRETS);
  } finally {
    await context.close();
  }
});

// ---- (c) invalid input ------------------------------------------------------------------

/** What the module says about `message` (asked in the page, where it is loaded). */
function moduleIssues(page, message) {
  return page.evaluate(async (msg) => {
    const m = await import('/pkg/updox_direct.js');
    return m.validatePatientDirectMessage(msg).map(({ field, code, message: text }) => ({ field, code, message: text }));
  }, message);
}

test('invalid input shows the module’s messages next to the fields and keeps Send disabled', { timeout: TEST_TIMEOUT }, async () => {
  const { context, page, consoleEntries } = await openDemoPage(s.browser, s.dev.url);
  try {
    const c = controls(page);
    const bad = {
      to: 'not an address@@example',
      patient: { patientId: '48213', firstName: 'Zoë', dateOfBirth: '2999-01-01', emailAddress: 'zoe@' },
    };
    await fillForm(page, bad);

    const issues = await moduleIssues(page, {
      to: bad.to,
      subject: '',
      textMessage: '',
      attachments: [],
      patientDemographics: {
        patientId: '48213',
        firstName: 'Zoë',
        middleName: '',
        lastName: '',
        dateOfBirth: '2999-01-01',
        gender: '',
        emailAddress: 'zoe@',
      },
    });
    const issue = (field) => issues.find((i) => i.field === field);
    for (const field of ['to', 'patientDemographics.dateOfBirth', 'patientDemographics.emailAddress', 'patientDemographics.lastName']) {
      assert.ok(issue(field), `the module reports ${field}`);
    }
    assert.equal(issue('to').code, 4640);

    // Touched fields show the module's message, marked invalid and described by it.
    const expectShown = async (id, field) => {
      const text = await visibleText(page, `#${id}-error`);
      assert.ok(text?.includes(issue(field).message), `#${id}-error shows the ${field} issue`);
      assert.equal(await page.getAttribute(`#${id}`, 'aria-invalid'), 'true', `#${id} aria-invalid`);
      const describedBy = (await page.getAttribute(`#${id}`, 'aria-describedby')) ?? '';
      assert.ok(describedBy.split(' ').includes(`${id}-error`), `#${id} aria-describedby`);
    };
    await expectShown('to', 'to');
    await expectShown('dateOfBirth', 'patientDemographics.dateOfBirth');
    await expectShown('emailAddress', 'patientDemographics.emailAddress');

    // Fields the patient has not touched yet show nothing, but Send stays disabled.
    assert.equal(await visibleText(page, '#lastName-error'), null, 'untouched last name shows no error');
    assert.equal(await visibleText(page, '#textMessage-error'), null, 'untouched message shows no error');
    assert.equal(await page.getAttribute('#lastName', 'aria-invalid'), null);
    assert.equal(await c.send.isDisabled(), true);

    // Leaving the last name empty makes its message appear.
    await c.lastName.focus();
    await c.lastName.press('Tab');
    await expectShown('lastName', 'patientDemographics.lastName');

    // A file over the per-file limit gets its message on its own row; removing it clears it.
    const big = Buffer.alloc(10 * 1024 * 1024 + 1, 0x41);
    await c.files.setInputFiles({ name: 'too-big.bin', mimeType: 'application/octet-stream', buffer: big });
    const bigIssues = await page.evaluate(async () => {
      const m = await import('/pkg/updox_direct.js');
      const file = new File([new Uint8Array(10 * 1024 * 1024 + 1)], 'too-big.bin');
      return m.validatePatientDirectMessage({ to: 'a@b.example', attachments: [file], from: 'patient:1' })
        .map(({ field, code, message }) => ({ field, code, message }));
    });
    const sizeIssue = bigIssues.find((i) => i.field.startsWith('attachments'));
    assert.ok(sizeIssue, 'the module reports the oversize file');
    assert.equal(sizeIssue.code, 4020);
    const rowError = sizeIssue.field === 'attachments' ? '#attachments-error' : '#attachment-list li .field-error';
    assert.ok((await visibleText(page, rowError))?.includes(sizeIssue.message), 'the oversize message is shown');
    await page.getByRole('button', { name: 'Remove too-big.bin' }).click();
    assert.equal(await page.locator('#attachment-list li').count(), 0);
    assert.equal(await visibleText(page, '#attachments-error'), null);
    assert.equal(await page.locator('#attachments-empty:not([hidden])').count(), 1);

    await c.files.setInputFiles({ name: 'too-big.bin', mimeType: 'application/octet-stream', buffer: big });
    await screenshot(page, 'invalid-form');
    await page.getByRole('button', { name: 'Remove too-big.bin' }).click();

    // Fixing everything clears the messages and enables Send.
    await fillForm(page, {
      to: TO,
      textMessage: 'Please call me back.',
      patient: { ...PATIENT, middleName: '', emailAddress: '' },
    });
    assert.equal(await page.locator('.field-error:not([hidden])').count(), 0, 'no errors left');
    assert.equal(await page.locator('[aria-invalid="true"]').count(), 0);
    assert.equal(await c.send.isEnabled(), true);

    // "Nothing to send": the message cleared while subject and files are empty.
    await c.textMessage.fill('');
    assert.equal(await c.send.isDisabled(), true);
    const nothing = await moduleIssues(page, { to: TO, subject: '', textMessage: '', attachments: [], from: 'patient:48213' });
    const nothingIssue = nothing.find((i) => i.field === 'textMessage');
    assert.ok(nothingIssue, 'the module reports nothing to send on textMessage');
    assert.ok((await visibleText(page, '#textMessage-error'))?.includes(nothingIssue.message));

    assert.equal((await received()).length, 0, 'nothing was sent');
    assert.deepEqual(await cspViolations(page), []);
    assertCleanConsole(assert, consoleEntries, ['Zoë', 'Quintanilla', 'Please call me back']);
  } finally {
    await context.close();
  }
});

// ---- (d) every failure hook of the mock ---------------------------------------------------

test('each Updox failure shows its plain-words error with its code and kind', { timeout: TEST_TIMEOUT }, async () => {
  const { context, page, consoleEntries } = await openDemoPage(s.browser, s.dev.url);
  try {
    const c = controls(page);
    await fillForm(page, { subject: 'Refill request', textMessage: 'Please refill my prescription.', patient: { patientId: '48213' } });
    const cases = [
      { local: 'fail-4641', code: '4641', kind: 'updox' },
      { local: 'fail-4650', code: '4650', kind: 'updox', reason: true },
      { local: 'fail-4651', code: '4651', kind: 'updox' },
      { local: 'fail-5000', code: '5000', kind: 'updox' },
      { local: 'malformed', kind: 'protocol' },
    ];
    const messages = new Set();
    for (const hook of cases) {
      await c.to.fill(`${hook.local}@direct.example-clinic.org`);
      const answerPromise = page.waitForResponse((r) => r.url().endsWith(PROXY_PATH));
      const outcome = await sendAndWait(page);
      assert.equal((await answerPromise).status(), 200, `${hook.local}: Updox answers 200`);
      assert.equal(outcome, 'error', `${hook.local}: an error result`);
      assert.equal(await page.getAttribute('#result-error', 'data-kind'), hook.kind, `${hook.local}: kind`);
      assert.ok((await visibleText(page, '#result-error-kind')).includes(`(${hook.kind})`), `${hook.local}: kind shown`);
      if (hook.code) assert.equal(await visibleText(page, '#result-error-code'), hook.code, `${hook.local}: code shown`);
      const message = await visibleText(page, '#result-error-message');
      assert.ok(message && message.length > 10, `${hook.local}: a message in plain words`);
      assert.doesNotMatch(message, /Something went wrong/, `${hook.local}: the module's own message`);
      messages.add(message);
      assert.equal(await visibleText(page, '#result-success'), null);
      if (hook.reason) {
        // (The mock's fixed reason; reading the body through CDP is not reliable.)
        assert.equal(await visibleText(page, '#result-error-reason'), HOOK_REASON_4650, 'the 4650 reason is shown');
      } else {
        assert.equal(await visibleText(page, '#result-error-reason'), null, `${hook.local}: no reason row`);
      }
      // The form keeps what was typed, so the patient can try again.
      assert.equal(await c.textMessage.inputValue(), 'Please refill my prescription.');
      assert.equal(await c.send.isEnabled(), true, `${hook.local}: Send is enabled again`);
      assert.equal(await visibleText(page, '#progress-text'), 'Not sent');
    }
    await screenshot(page, 'result-error');
    assert.ok(messages.size >= 3, 'the failures are told apart in plain words');
    assert.equal((await received()).length, 0, 'no failure was recorded as a sent message');

    // The "patient ID" way of identifying the patient sends `from`.
    await c.to.fill(TO);
    assert.equal(await sendAndWait(page), 'success');
    const [sent] = await received();
    assert.equal(sent.body.from, 'patient:48213');
    assert.equal(sent.body.patientDemographics, undefined);
    assert.deepEqual(sent.body.auth, DEMO_AUTH);

    assert.deepEqual(await cspViolations(page), []);
    assertCleanConsole(assert, consoleEntries, ['Refill request', 'refill my prescription']);
  } finally {
    await context.close();
  }
});

// ---- (e) cancel ---------------------------------------------------------------------------

test('Cancel during a slow send shows a cancelled result at once', { timeout: TEST_TIMEOUT }, async () => {
  const { context, page, consoleEntries } = await openDemoPage(s.browser, s.dev.url);
  try {
    const c = controls(page);
    await fillForm(page, { to: 'slow-3000@direct.example-clinic.org', textMessage: 'Slow one.', patient: { patientId: '48213' } });
    await page.evaluate(() => delete document.getElementById('result').dataset.outcome);
    const started = Date.now();
    await c.send.click();
    await page.waitForSelector('#cancel:not([disabled])');
    assert.equal(await page.getAttribute('#message-form', 'aria-busy'), 'true');
    assert.equal(await page.$eval('#fields', (f) => f.inert), true, 'the form is not editable while sending');
    assert.equal(await c.send.isDisabled(), true, 'no second send while one is in flight');
    await c.cancel.click();
    await page.waitForSelector('#result[data-outcome]');
    assert.ok(Date.now() - started < 2500, 'cancelled without waiting for the answer');
    assert.equal(await page.getAttribute('#result-error', 'data-kind'), 'aborted');
    assert.match(await visibleText(page, '#result-error-headline'), /cancelled/i);
    assert.match(await visibleText(page, '#result-error-kind'), /cancel/i);
    assert.equal(await visibleText(page, '#progress-text'), 'Cancelled');
    assert.equal(await c.cancel.isDisabled(), true);
    assert.equal(await c.send.isEnabled(), true, 'the patient may try again');
    assert.equal(await page.$eval('#fields', (f) => f.inert), false);
    assert.match(await visibleText(page, '#result-error-message'), /may still be delivered/);
    assert.deepEqual(await cspViolations(page), []);
    assertCleanConsole(assert, consoleEntries, ['Slow one.']);
    // The request had reached the server, which completes it anyway (as Updox would): wait
    // for it, so that it does not land in the next test's mock records.
    const deadline = Date.now() + 10_000;
    while ((await received()).length === 0 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    assert.equal((await received()).length, 1, 'the slow send completed on the server');
  } finally {
    await context.close();
  }
});

// ---- keyboard use -------------------------------------------------------------------------

test('the form works from the keyboard with a visible focus', { timeout: TEST_TIMEOUT }, async () => {
  const { context, page, consoleEntries } = await openDemoPage(s.browser, s.dev.url);
  try {
    const c = controls(page);
    const focusedId = () => page.evaluate(() => document.activeElement?.id);
    await c.to.focus();
    await c.to.pressSequentially(TO);
    await page.keyboard.press('Tab');
    assert.equal(await focusedId(), 'subject');
    const outline = await page.evaluate(() => getComputedStyle(document.activeElement).outlineStyle);
    assert.notEqual(outline, 'none', 'keyboard focus is visible');
    await page.keyboard.type('Keyboard only');
    await page.keyboard.press('Tab');
    assert.equal(await focusedId(), 'textMessage');
    await page.keyboard.type('Typed without a mouse.');
    await page.keyboard.press('Tab');
    assert.equal(await focusedId(), 'file-input');
    await c.files.setInputFiles([
      { name: 'a.txt', mimeType: 'text/plain', buffer: Buffer.from('first') },
      { name: 'b.txt', mimeType: 'text/plain', buffer: Buffer.from('second') },
    ]);
    // Tab onto the first Remove button and press Enter: focus moves to the next one.
    await c.files.focus();
    await page.keyboard.press('Tab');
    assert.equal(await page.evaluate(() => document.activeElement.textContent), 'Remove a.txt');
    await page.keyboard.press('Enter');
    assert.equal(await page.locator('#attachment-list li').count(), 1);
    assert.equal(await page.evaluate(() => document.activeElement.textContent), 'Remove b.txt');
    await page.keyboard.press('Tab');
    assert.equal(await focusedId(), 'sender-id');
    await page.keyboard.press('ArrowDown');
    assert.equal(await c.senderDemographics.isChecked(), true);
    assert.equal(await page.locator('#demographics:not([hidden])').count(), 1, 'demographics shown');
    await page.keyboard.press('ArrowUp');
    assert.equal(await page.locator('#demographics[hidden]').count(), 1, 'demographics hidden again');
    await page.keyboard.press('Tab');
    assert.equal(await focusedId(), 'patientId');
    await page.keyboard.type('48213');
    // Enter in a text field submits the form (implicit submission).
    await c.subject.focus();
    await page.evaluate(() => delete document.getElementById('result').dataset.outcome);
    await page.keyboard.press('Enter');
    await page.waitForSelector('#result[data-outcome]');
    assert.equal(await page.$eval('#result', (el) => el.dataset.outcome), 'success');
    assert.equal(await focusedId(), 'result-title', 'focus moves to the result');
    const [sent] = await received();
    assert.deepEqual(sent.attachments.map((a) => a.fileName), ['b.txt']);
    assertCleanConsole(assert, consoleEntries, ['Keyboard only', 'Typed without a mouse.']);
  } finally {
    await context.close();
  }
});

// ---- drag and drop ------------------------------------------------------------------------

test('files dropped on the drop zone are attached and sent byte for byte', { timeout: TEST_TIMEOUT }, async () => {
  const { context, page, consoleEntries } = await openDemoPage(s.browser, s.dev.url);
  try {
    await fillForm(page, { to: TO, patient: { patientId: '48213' } });
    // A real DataTransfer with a File in it, dropped the way a browser delivers a drag.
    const dataTransfer = await page.evaluateHandle((bytes) => {
      const dt = new DataTransfer();
      dt.items.add(new File([new Uint8Array(bytes)], 'dropped scan.png', { type: 'image/png' }));
      return dt;
    }, [...FILE_BYTES]);
    await page.dispatchEvent('#dropzone', 'dragenter', { dataTransfer });
    await page.dispatchEvent('#dropzone', 'dragover', { dataTransfer });
    assert.equal(await page.$eval('#dropzone', (z) => z.classList.contains('dragging')), true, 'the zone highlights');
    await page.dispatchEvent('#dropzone', 'drop', { dataTransfer });
    assert.equal(await page.$eval('#dropzone', (z) => z.classList.contains('dragging')), false);
    assert.equal(await page.locator('#attachment-list li .file-name').textContent(), 'dropped scan.png');
    assert.equal(await controls(page).send.isEnabled(), true, 'a file alone is something to send');
    assert.equal(await sendAndWait(page), 'success');
    const [sent] = await received();
    assert.equal(sent.attachments.length, 1);
    assert.equal(sent.attachments[0].fileName, 'dropped scan.png');
    assert.equal(sent.attachments[0].mimeType, 'image/png');
    assert.equal(sent.attachments[0].sha256, sha256(FILE_BYTES));
    assertCleanConsole(assert, consoleEntries, ['dropped scan']);
  } finally {
    await context.close();
  }
});

// ---- (h) accessibility scan ---------------------------------------------------------------

const AXE_SOURCE = readFileSync(join(ROOT, 'node_modules', 'axe-core', 'axe.min.js'), 'utf8');

/** Runs axe-core on the page; returns the violations as "rule: targets" lines. */
async function axeViolations(page) {
  if (!(await page.evaluate(() => typeof window.axe === 'object'))) {
    await page.addScriptTag({ content: AXE_SOURCE });
  }
  const result = await page.evaluate(async () => {
    const { violations } = await window.axe.run(document);
    return violations.map((v) => `${v.id} (${v.impact}): ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
  });
  return result;
}

test('axe-core finds no accessibility violations: empty, filled, invalid and after sending', { timeout: TEST_TIMEOUT }, async () => {
  // Only this context bypasses the CSP, so that axe can be injected as a script.
  const { context, page } = await openDemoPage(s.browser, s.dev.url, { bypassCSP: true });
  try {
    assert.deepEqual(await axeViolations(page), [], 'empty form');

    const c = controls(page);
    await fillForm(page, { to: TO, subject: SUBJECT, textMessage: TEXT, patient: PATIENT });
    await c.files.setInputFiles(FILE);
    assert.deepEqual(await axeViolations(page), [], 'filled form');

    await fillForm(page, { to: 'not an address', patient: { ...PATIENT, dateOfBirth: '2999-01-01', emailAddress: 'x@' } });
    assert.ok(await page.locator('.field-error:not([hidden])').count() >= 3);
    assert.deepEqual(await axeViolations(page), [], 'form with errors');

    await fillForm(page, { to: 'fail-4650@direct.example-clinic.org', patient: PATIENT });
    assert.equal(await sendAndWait(page), 'error');
    assert.deepEqual(await axeViolations(page), [], 'error result');

    await fillForm(page, { to: TO, patient: PATIENT });
    assert.equal(await sendAndWait(page), 'success');
    assert.deepEqual(await axeViolations(page), [], 'success result');
  } finally {
    await context.close();
  }
});

// ---- (j) phone width ------------------------------------------------------------------------

test('at 375 px nothing overflows horizontally', { timeout: TEST_TIMEOUT }, async () => {
  const { context, page, consoleEntries } = await openDemoPage(s.browser, s.dev.url, {
    viewport: { width: 375, height: 740 },
  });
  try {
    const fits = async (state) => assert.ok((await scrollWidth(page)) <= 375, `no horizontal overflow: ${state}`);
    await fits('empty form');
    const c = controls(page);
    const longLocal = 'a'.repeat(60);
    await fillForm(page, {
      to: `${longLocal}@a-rather-long-subdomain.direct.example-clinic.org`,
      subject: SUBJECT,
      textMessage: TEXT,
      patient: PATIENT,
    });
    await c.files.setInputFiles([
      FILE,
      { name: `${'scan_of_my_insurance_card_front_and_back_'.repeat(4)}.png`, mimeType: 'image/png', buffer: Buffer.from('png') },
    ]);
    await fits('filled form with long names');
    await screenshot(page, 'phone-375-filled');

    await fillForm(page, { to: 'not an address', patient: { ...PATIENT, dateOfBirth: '2999-01-01' } });
    await fits('form with errors');

    await fillForm(page, { to: 'fail-4650@direct.example-clinic.org', patient: PATIENT });
    assert.equal(await sendAndWait(page), 'error');
    await fits('error result');

    await fillForm(page, { to: `${longLocal}@a-rather-long-subdomain.direct.example-clinic.org` });
    assert.equal(await sendAndWait(page), 'success');
    await fits('success result');
    await screenshot(page, 'phone-375-result');
    assert.deepEqual(await cspViolations(page), []);
    assertCleanConsole(assert, consoleEntries, SECRETS);
  } finally {
    await context.close();
  }
});
