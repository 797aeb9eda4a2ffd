// The demo page (www/) end to end, in each engine it is tested in: the page is served by the
// dev server (through a front that records what left the browser), which proxies to the
// mock Updox. Needs pkg/ (scripts/build.sh).
//
//   node --test --test-concurrency=1 --test-reporter=spec tests/demo/demo.browser.test.mjs
//   UPDOX_ENGINES=webkit node --test tests/demo/demo.browser.test.mjs      (one engine)
//
// Nothing here prints message content: assertion messages name fields, never values.
import { before, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { HOOK_REASON_4650 } from '../../server/mock-updox.mjs';
import {
  DEMO_AUTH,
  PROXY_PATH,
  ROOT,
  assertCleanConsole,
  axeViolations,
  attachFiles,
  clickButton,
  attribute,
  controls,
  count,
  cspViolations,
  fillForm,
  focusedId,
  inputValue,
  isChecked,
  isDisabled,
  openDemoPage,
  outcomeState,
  pressableButtons,
  removeButton,
  screenshot,
  scrollWidth,
  sendAndWait,
  sha256,
  textContent,
  visibleText,
  waitForOutcome,
  waitForSelector,
} from '../support/demo-page.mjs';
import { selectedEngines } from '../support/engines.mjs';
import { request } from '../support/http.mjs';
import { useServers } from '../support/servers.mjs';

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

/** What the module says about `message` (asked in the page, where it is loaded). */
function moduleIssues(page, message) {
  return page.evaluate(async (msg) => {
    const m = await import('/pkg/updox_direct.js');
    return m.validatePatientDirectMessage(msg).map(({ field, code, message: text }) => ({ field, code, message: text }));
  }, message);
}

// The demo's end-to-end test runs in every engine. Headless Firefox hands the focus to its
// (invisible) browser bars when Tab leaves a page's last control and then fires no more focus
// events in the page, even on a click: no test here tabs past the last control (Send is
// never disabled, so it is always the last stop in the form).
for (const engineName of selectedEngines()) describe(engineName, () => {
before(() => {
  assert.ok(
    readFileSync(join(ROOT, 'pkg', 'updox_direct.js')).length > 0,
    'pkg/updox_direct.js is missing: run scripts/build.sh first',
  );
});

const s = useServers({ dev: true, front: true, engine: engineName });
const open = ({ url = s.front.url, ...options } = {}) => openDemoPage(s.engine, url, options);
const shot = (page, name) => screenshot(page, `${name}-${engineName}`);

beforeEach(() => s.dev.mock.reset());

/** The messages the mock Updox received (successful sends only). */
async function received() {
  return await s.dev.mock.messages();
}

// ---- (a) the module loads ---------------------------------------------------------------

test('the wasm module loads and the page says it is ready', { timeout: TEST_TIMEOUT }, async () => {
  const page = await open();
  try {
    const c = await controls(page);
    assert.equal(await attribute(page, 'body', 'data-ready'), 'true');
    assert.equal(await visibleText(page, '#status'), 'Ready');
    assert.equal(await attribute(page, '#status', 'role'), 'status');
    // Send is never disabled; an empty form shows no errors before the patient touched
    // anything, and there is no outcome (nor Cancel) before a send.
    assert.equal(await isDisabled(page, c.send), false);
    assert.equal(await count(page, '.field-error:not([hidden])'), 0);
    assert.equal(await count(page, '[aria-invalid="true"]'), 0);
    assert.equal(await visibleText(page, c.cancel), null);
    assert.equal(await outcomeState(page), 'idle');
    assert.deepEqual(await cspViolations(page), []);
    assertCleanConsole(assert, await page.consoleEntries());
  } finally {
    await page.close();
  }
});

test('when the wasm file cannot be loaded, the page says so and Send stays disabled', { timeout: TEST_TIMEOUT }, async () => {
  s.front.route('/pkg/updox_direct_bg.wasm', () => ({ status: 404, body: 'gone' }));
  let page;
  try {
    page = await open();
    assert.equal(await attribute(page, 'body', 'data-ready'), 'error');
    assert.match(await visibleText(page, '#status'), /could not be loaded/);
    await fillForm(page, { to: TO, textMessage: 'Hello', patient: { patientId: '48213' } });
    assert.equal(await isDisabled(page, (await controls(page)).send), true);
    // Only the failed download itself is reported; the page adds nothing to the console.
    const errors = (await page.consoleEntries()).filter((e) => e.type !== 'error' || !/404/.test(e.text));
    assert.deepEqual(errors.map((e) => `${e.type}: ${e.text.slice(0, 200)}`), []);
  } finally {
    s.front.unroute('/pkg/updox_direct_bg.wasm');
    await page?.close();
  }
});

// ---- (b, f, g, i) the whole flow as a patient ------------------------------------------

test('a patient sends a message with an attachment; Updox gets the exact bytes and fields', { timeout: TEST_TIMEOUT }, async () => {
  // The page really runs under the strict CSP (otherwise the CSP checks prove nothing).
  const csp = (await request(s.front.url)).headers['content-security-policy'] ?? '';
  assert.match(csp, /script-src 'self' 'wasm-unsafe-eval'(;|$)/);
  assert.match(csp, /style-src 'self'(;|$)/);

  // See what leaves the browser, and forge an `auth` block on the way, as a tampered page
  // could: the proxy must drop it and use the server's credentials.
  const sentByBrowser = [];
  s.front.route(PROXY_PATH, ({ method, headers, body }) => {
    if (method !== 'POST') return undefined;
    const sent = JSON.parse(body.toString('utf8'));
    sentByBrowser.push({ body: sent, headers });
    const forged = {
      ...sent,
      auth: { applicationId: 'forged-app', applicationPassword: 'forged', accountId: 'x', userId: 'y' },
    };
    return { forward: JSON.stringify(forged) };
  });
  const page = await open();
  try {
    const c = await controls(page);
    await fillForm(page, { to: TO, subject: SUBJECT, textMessage: TEXT, patient: PATIENT });
    await attachFiles(page, FILE);

    // The attachment list: name, human size and a remove button.
    assert.equal(await count(page, '#attachment-list li'), 1);
    assert.equal(await textContent(page, '#attachment-list li .file-name'), FILE_NAME);
    assert.equal(await textContent(page, '#attachment-list li .file-size'), '1.5 KB');
    await removeButton(page, FILE_NAME);

    assert.equal(await count(page, '.field-error:not([hidden])'), 0, 'no errors on a valid form');
    assert.equal(await isDisabled(page, c.send), false, 'Send is enabled for a valid form');
    await shot(page, 'filled-form');

    const outcome = await sendAndWait(page);
    assert.equal(outcome, 'success');
    // What Updox answered, as the mock recorded it.
    const answer = (await received())[0]?.response ?? {};
    assert.equal(answer.responseCode, 2000);

    // The outcome panel says it was sent, with the reference number (Updox's message ID),
    // focused; Updox's recipient handle and the patient's own Direct address are not shown.
    assert.equal(await visibleText(page, '#outcome-title'), 'Your message was sent.');
    assert.equal(await focusedId(page), 'outcome-title');
    assert.equal(await visibleText(page, '#outcome-message-id'), String(answer.messageId));
    assert.match(answer.recipient, /^contact:\d+$/);
    assert.match(answer.patientDirectAddress, /^ptacct\+\d+@/);
    const pageText = await page.evaluate(() => document.body.innerText);
    assert.ok(!pageText.includes(answer.recipient), 'the recipient handle is not shown');
    assert.ok(!pageText.includes(answer.patientDirectAddress), 'the patient’s Direct address is not shown');
    assert.equal(await textContent(page, '#progress-text'), 'Your message was sent.');
    assert.equal(await page.evaluate(() => document.getElementById('progress').value), 100);
    await shot(page, 'result-success');

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

    // After a successful send the form is gone (no accidental second send); "Write another
    // message" brings it back without what was sent.
    assert.equal(await visibleText(page, c.send), null, 'no Send next to a success');
    await clickButton(page, 'Write another message');
    assert.equal(await outcomeState(page), 'idle');
    assert.equal(await inputValue(page, c.subject), '');
    assert.equal(await inputValue(page, c.textMessage), '');
    assert.equal(await count(page, '#attachment-list li'), 0);
    assert.equal(await inputValue(page, c.to), TO, 'the recipient stays');

    // Nothing stored in the browser.
    const stored = await page.evaluate(() => ({
      local: localStorage.length,
      session: sessionStorage.length,
      cookie: document.cookie,
    }));
    assert.deepEqual(stored, { local: 0, session: 0, cookie: '' });
    assert.deepEqual(await page.cookies(), []);

    // (i) no CSP violation, (g) a clean console without message content.
    assert.deepEqual(await cspViolations(page), []);
    assertCleanConsole(assert, await page.consoleEntries(), SECRETS);
  } finally {
    s.front.unroute(PROXY_PATH);
    await page.close();
  }
});

// ---- (c) invalid input ------------------------------------------------------------------

test('invalid input shows the module’s messages next to the fields; Send shows an error summary that links to them', { timeout: TEST_TIMEOUT }, async () => {
  const page = await open();
  try {
    const c = await controls(page);
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
      assert.equal(await attribute(page, `#${id}`, 'aria-invalid'), 'true', `#${id} aria-invalid`);
      const describedBy = (await attribute(page, `#${id}`, 'aria-describedby')) ?? '';
      assert.ok(describedBy.split(' ').includes(`${id}-error`), `#${id} aria-describedby`);
    };
    await expectShown('to', 'to');
    await expectShown('dateOfBirth', 'patientDemographics.dateOfBirth');
    await expectShown('emailAddress', 'patientDemographics.emailAddress');

    // Fields the patient has not touched yet show nothing; Send is not disabled.
    assert.equal(await visibleText(page, '#lastName-error'), null, 'untouched last name shows no error');
    assert.equal(await visibleText(page, '#textMessage-error'), null, 'untouched message shows no error');
    assert.equal(await attribute(page, '#lastName', 'aria-invalid'), null);
    assert.equal(await isDisabled(page, c.send), false);

    // Leaving the last name empty makes its message appear.
    await page.focus(c.lastName);
    await page.press('Tab');
    await expectShown('lastName', 'patientDemographics.lastName');

    // A file over the per-file limit gets its message on its own row; removing it clears it.
    const big = { name: 'too-big.bin', buffer: Buffer.alloc(10 * 1024 * 1024 + 1, 0x41) };
    await attachFiles(page, big);
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
    await page.click(await removeButton(page, 'too-big.bin'));
    assert.equal(await count(page, '#attachment-list li'), 0);
    assert.equal(await visibleText(page, '#attachments-error'), null);
    assert.equal(await count(page, '#attachments-empty:not([hidden])'), 1);

    await attachFiles(page, big);
    await shot(page, 'invalid-form');
    await page.click(await removeButton(page, 'too-big.bin'));

    // Pressing Send with problems: the error summary at the top, focused, one link per
    // problem to its field, and every field's message; nothing is sent.
    await page.click(c.send);
    await waitForSelector(page, '#error-summary:not([hidden])');
    assert.equal(await focusedId(page), 'error-summary');
    const links = await page.evaluate(() => [...document.querySelectorAll('#error-summary a')].map((a) => ({ text: a.textContent, href: a.getAttribute('href') })));
    assert.ok(links.some((l) => l.href === '#to' && l.text === issue('to').message), 'the summary links to the recipient');
    assert.ok(links.some((l) => l.href === '#textMessage'), 'the summary links to the message');
    await expectShown('textMessage', 'textMessage');
    await page.click('#error-summary a[href="#dateOfBirth"]');
    assert.equal(await focusedId(page), 'dateOfBirth', 'a link moves the focus to its field');
    assert.equal(await outcomeState(page), 'idle', 'nothing was sent');

    // Fixing everything clears the messages and the summary.
    await fillForm(page, {
      to: TO,
      textMessage: 'Please call me back.',
      patient: { ...PATIENT, middleName: '', emailAddress: '' },
    });
    assert.equal(await count(page, '.field-error:not([hidden])'), 0, 'no errors left');
    assert.equal(await count(page, '[aria-invalid="true"]'), 0);
    assert.equal(await visibleText(page, '#error-summary'), null, 'the summary goes once all is fixed');

    // "Nothing to send": the message cleared while subject and files are empty.
    await page.fill(c.textMessage, '');
    const nothing = await moduleIssues(page, { to: TO, subject: '', textMessage: '', attachments: [], from: 'patient:48213' });
    const nothingIssue = nothing.find((i) => i.field === 'textMessage');
    assert.ok(nothingIssue, 'the module reports nothing to send on textMessage');
    assert.ok((await visibleText(page, '#textMessage-error'))?.includes(nothingIssue.message));

    assert.equal((await received()).length, 0, 'nothing was sent');
    assert.deepEqual(await cspViolations(page), []);
    assertCleanConsole(assert, await page.consoleEntries(), ['Zoë', 'Quintanilla', 'Please call me back']);
  } finally {
    await page.close();
  }
});

// ---- (d) every failure hook of the mock ---------------------------------------------------

test('each Updox failure shows its plain-words error with its code and kind', { timeout: TEST_TIMEOUT }, async () => {
  const page = await open();
  try {
    const c = await controls(page);
    await fillForm(page, { subject: 'Refill request', textMessage: 'Please refill my prescription.', patient: { patientId: '48213' } });
    const cases = [
      { local: 'fail-4641', code: '4641', kind: 'updox' },
      { local: 'fail-4650', code: '4650', kind: 'updox', reason: true },
      { local: 'fail-4651', code: '4651', kind: 'updox' },
      { local: 'fail-5000', code: '5000', kind: 'updox' },
    ];
    const messages = new Set();
    for (const hook of cases) {
      await page.fill(c.to, `${hook.local}@direct.example-clinic.org`);
      const mark = s.front.log.length;
      const outcome = await sendAndWait(page);
      const answers = s.front.log.slice(mark).filter((r) => r.path === PROXY_PATH && r.method === 'POST');
      assert.deepEqual(answers.map((r) => r.status), [200], `${hook.local}: Updox answers 200`);
      assert.equal(outcome, 'error', `${hook.local}: an error result`);
      // Updox refused it: one sentence for the patient; the technical facts only in the
      // collapsed "Details for support".
      assert.equal(await outcomeState(page), 'failed', `${hook.local}: state`);
      assert.equal(await visibleText(page, '#outcome-title'), 'Your message could not be delivered.');
      assert.equal(await attribute(page, '#outcome-details', 'open'), null, 'details are collapsed');
      assert.equal(await attribute(page, '#outcome-details', 'data-kind'), hook.kind, `${hook.local}: kind`);
      assert.equal(await visibleText(page, '#detail-kind'), 'Updox could not deliver the message', `${hook.local}: kind shown`);
      if (hook.code) assert.equal(await visibleText(page, '#detail-code'), hook.code, `${hook.local}: code shown`);
      const message = await visibleText(page, '#detail-message');
      assert.ok(message && message.length > 10, `${hook.local}: the module's sentence in the details`);
      messages.add(message);
      if (hook.reason) {
        assert.equal(await visibleText(page, '#detail-reason'), HOOK_REASON_4650, 'the 4650 reason is in the details');
        assert.equal(await attribute(page, '#detail-reason', 'lang'), 'en', 'marked as English');
        const holders = await page.evaluate((r) => [...document.querySelectorAll('body *')]
          .filter((el) => [...el.childNodes].some((n) => n.nodeType === 3 && n.textContent.includes(r)))
          .map((el) => el.id), HOOK_REASON_4650);
        assert.deepEqual(holders, ['detail-reason'], 'Updox’s reason is only inside the details');
      } else {
        assert.equal(await visibleText(page, '#detail-reason'), null, `${hook.local}: no reason row`);
      }
      // The form keeps what was typed, so the patient can change it and send it again.
      assert.equal(await inputValue(page, c.textMessage), 'Please refill my prescription.');
      assert.equal(await isDisabled(page, c.send), false, `${hook.local}: Send is there again`);
      assert.ok(await visibleText(page, c.send), `${hook.local}: Send is visible`);
    }
    await shot(page, 'result-error');
    assert.ok(messages.size >= 3, 'the failures are told apart in the details');
    assert.equal((await received()).length, 0, 'no failure was recorded as a sent message');

    // The "patient ID" way of identifying the patient sends `from`.
    await page.fill(c.to, TO);
    assert.equal(await sendAndWait(page), 'success');
    const [sent] = await received();
    assert.equal(sent.body.from, 'patient:48213');
    assert.equal(sent.body.patientDemographics, undefined);
    assert.deepEqual(sent.body.auth, DEMO_AUTH);

    assert.deepEqual(await cspViolations(page), []);
    assertCleanConsole(assert, await page.consoleEntries(), ['Refill request', 'refill my prescription']);
  } finally {
    await page.close();
  }
});

// ---- (e) cancel ---------------------------------------------------------------------------

test('Cancel during a slow send shows a cancelled result at once; the message stays pending', { timeout: TEST_TIMEOUT }, async () => {
  const page = await open();
  try {
    const c = await controls(page);
    await fillForm(page, { to: 'slow-3000@direct.example-clinic.org', textMessage: 'Slow one.', patient: { patientId: '48213' } });
    await page.evaluate(() => delete document.getElementById('outcome').dataset.outcome);
    await page.click(c.send);
    await waitForSelector(page, '#cancel:not([hidden])');
    // Cancel while Updox is working on it (the request has reached the mock).
    for (let i = 0; i < 200 && !(await s.dev.mock.requests()).some((r) => r.method === 'POST'); i++) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    assert.ok((await s.dev.mock.requests()).some((r) => r.method === 'POST'), 'the request reached the mock Updox');
    assert.equal(await attribute(page, '#message-form', 'aria-busy'), 'true');
    assert.equal(await page.evaluate(() => document.getElementById('fields').inert), true, 'the form is not editable while sending');
    assert.equal(await visibleText(page, c.send), null, 'no second send while one is in flight');
    await page.click(c.cancel);
    await waitForSelector(page, '#outcome[data-outcome]');
    assert.equal(await outcomeState(page), 'cancelled-late', 'cancelled once the body had left');
    assert.equal(await attribute(page, '#outcome-details', 'data-kind'), 'aborted');
    assert.equal(await visibleText(page, '#outcome-title'), 'Sending was cancelled, but your message may already have been sent.');
    assert.equal(await textContent(page, '#progress-text'), 'Sending was cancelled, but your message may already have been sent.');
    assert.equal(await visibleText(page, c.cancel), null);
    // Still pending: only the safe actions, the form unchanged and not editable.
    assert.deepEqual(await pressableButtons(page, { inView: false }), ['Send again safely', 'Discard and write a new message']);
    assert.equal(await page.evaluate(() => document.getElementById('fields').inert), true);
    assert.equal(await inputValue(page, c.textMessage), 'Slow one.');
    assert.deepEqual(await cspViolations(page), []);
    assertCleanConsole(assert, await page.consoleEntries(), ['Slow one.']);
    // The request had reached the server, which completes it anyway (as Updox would): wait
    // for it, so that it does not land in the next test's mock records.
    for (let i = 0; i < 100 && (await received()).length === 0; i++) await new Promise((resolve) => setTimeout(resolve, 100));
    assert.equal((await received()).length, 1, 'the slow send completed on the server');
  } finally {
    await page.close();
  }
});

// ---- an outcome that is not known: send again safely ---------------------------------------

test('after a timeout, Send again safely delivers the message once and shows its ID', { timeout: TEST_TIMEOUT }, async () => {
  // The mock Updox answers after 3 s; the page waits 1 s (`?timeoutMs=1000`).
  const page = await open({ url: `${s.front.url}?timeoutMs=1000` });
  try {
    const c = await controls(page);
    await fillForm(page, { to: 'slow-3000@direct.example-clinic.org', subject: 'Slow one', textMessage: 'Please confirm.', patient: { patientId: '48213' } });
    await attachFiles(page, FILE);
    assert.equal(await sendAndWait(page), 'error');
    assert.equal(await outcomeState(page), 'unknown');
    assert.equal(await attribute(page, '#outcome-details', 'data-kind'), 'timeout');
    assert.equal(await visibleText(page, '#outcome-title'), 'We could not confirm whether your message was sent.');
    assert.match(await visibleText(page, '#detail-message'), /may or may not have been sent/);
    assert.ok(await visibleText(page, '#send-again'), 'Send again safely is offered');
    assert.deepEqual(await axeViolations(page), [], 'the unknown outcome with Send again safely');
    await shot(page, 'send-again-offered');
    // Meanwhile Updox got it (the proxy went on after the page gave up).
    for (let i = 0; i < 100 && (await received()).length === 0; i++) await new Promise((resolve) => setTimeout(resolve, 100));
    const [first] = await received();
    assert.ok(first, 'the first attempt reached the mock Updox');
    await page.evaluate(() => delete document.getElementById('outcome').dataset.outcome);
    await page.click(c.sendAgain);
    assert.equal(await waitForOutcome(page), 'sent');
    const messages = await received();
    assert.equal(messages.length, 1, 'the mock Updox holds exactly one message');
    assert.equal(await visibleText(page, '#outcome-message-id'), String(first.messageId), 'the first message’s ID');
    assert.equal(messages[0].attachments[0].sha256, sha256(FILE_BYTES));
    const keys = s.front.log.filter((r) => r.method === 'POST' && r.path === PROXY_PATH).map((r) => r.headers['idempotency-key']);
    assert.equal(new Set(keys.slice(-2)).size, 1, 'the resend carried the first attempt’s key');
    assert.equal(await visibleText(page, '#send-again'), null, 'no longer offered');
    await clickButton(page, 'Write another message');
    assert.equal(await inputValue(page, c.textMessage), '', 'what was sent is cleared');
    assert.deepEqual(await axeViolations(page), []);
    assert.deepEqual(await cspViolations(page), []);
    assertCleanConsole(assert, await page.consoleEntries(), ['Slow one', 'Please confirm.', FILE_NAME]);
  } finally {
    await page.close();
  }
});

test('Send again safely is offered only when the outcome is not known', { timeout: TEST_TIMEOUT }, async () => {
  const page = await open();
  try {
    await fillForm(page, { to: 'fail-4650@direct.example-clinic.org', textMessage: 'Hello', patient: { patientId: '48213' } });
    assert.equal(await sendAndWait(page), 'error');
    assert.equal(await visibleText(page, '#outcome-title'), 'Your message could not be delivered.');
    assert.equal(await visibleText(page, '#send-again'), null, 'Updox refused it: nothing to resend');
    await fillForm(page, { to: 'malformed@direct.example-clinic.org' });
    assert.equal(await sendAndWait(page), 'error');
    assert.equal(await visibleText(page, '#outcome-title'), 'We could not confirm whether your message was sent.');
    assert.equal(await attribute(page, '#outcome-details', 'data-kind'), 'protocol');
    assert.ok(await visibleText(page, '#send-again'), 'an unreadable answer: offered');
  } finally {
    await page.close();
  }
});

// ---- can the recipient receive secure messages? --------------------------------------------

test('the recipient is checked when the field is left, never per keystroke; a warning does not block sending', { timeout: TEST_TIMEOUT }, async () => {
  const page = await open();
  try {
    const c = await controls(page);
    const lookups = () => s.front.log.filter((r) => r.method === 'POST' && r.path === '/api/updox/DirectAddressValidate').length;
    assert.equal(await attribute(page, '#to-status', 'aria-live'), 'polite');
    const before = lookups();
    await page.click(c.to);
    await page.type('care-team@direct.example-clinic.org');
    await new Promise((resolve) => setTimeout(resolve, 600));
    assert.equal(lookups(), before, 'typing asks nothing');
    assert.equal(await textContent(page, '#to-status'), '', 'no status while typing');
    await page.press('Tab');
    await page.waitFor(() => document.getElementById('to-status').dataset.state === 'trusted', { timeout: 10_000 });
    assert.equal(await visibleText(page, '#to-status'), 'This address can receive secure messages.');
    assert.equal(lookups(), before + 1, 'one lookup, when the field was left');
    // Leaving it again without a change asks nothing more.
    await page.click(c.to);
    await page.press('Tab');
    await new Promise((resolve) => setTimeout(resolve, 600));
    assert.equal(lookups(), before + 1);

    // An untrusted address: a warning, and the message can still be sent.
    await page.click(c.to);
    await page.fill(c.to, 'untrusted-desk@direct.example-clinic.org');
    assert.equal(await textContent(page, '#to-status'), '', 'the old answer goes while typing');
    await page.press('Tab');
    await page.waitFor(() => document.getElementById('to-status').dataset.state === 'untrusted', { timeout: 10_000 });
    assert.match(await visibleText(page, '#to-status'), /^Warning: no secure messaging certificate was found/);
    await fillForm(page, { textMessage: 'Still sending.', patient: { patientId: '48213' } });
    assert.equal(await isDisabled(page, c.send), false, 'a warning does not block sending');
    assert.deepEqual(await axeViolations(page), [], 'with the warning shown');
    await shot(page, 'recipient-untrusted');
    assert.equal(await sendAndWait(page), 'success');
    await clickButton(page, 'Write another message');

    // A check that fails says so in plain words; an invalid address is not looked up.
    await page.click(c.to);
    await page.fill(c.to, 'http-503@direct.example-clinic.org');
    await page.press('Tab');
    await page.waitFor(() => document.getElementById('to-status').dataset.state === 'unchecked', { timeout: 10_000 });
    assert.equal(await visibleText(page, '#to-status'), 'This address could not be checked right now. You can still write and send your message.');
    const beforeInvalid = lookups();
    await page.click(c.to);
    await page.fill(c.to, 'not an address');
    await page.press('Tab');
    await new Promise((resolve) => setTimeout(resolve, 600));
    assert.equal(lookups(), beforeInvalid, 'no lookup for an invalid address');
    assert.equal(await textContent(page, '#to-status'), '');
    assert.ok(await visibleText(page, '#to-error'), 'the field’s own message says why');
    assert.deepEqual(await cspViolations(page), []);
    // Chromium itself logs the failed lookup's 503; the page adds nothing.
    const entries = (await page.consoleEntries()).filter((e) => !(e.type === 'error' && /status of 503/.test(e.text)));
    assertCleanConsole(assert, entries, ['Still sending.']);
  } finally {
    await page.close();
  }
});

test('the recipient check speaks Spanish on the Spanish page', { timeout: TEST_TIMEOUT }, async () => {
  const page = await open({ url: `${s.front.url}?lang=es` });
  try {
    const to = await page.evaluate(() => `#${document.querySelector('input[data-field="to"]').id}`);
    await page.click(to);
    await page.type('untrusted-desk@direct.example-clinic.org');
    await page.press('Tab');
    await page.waitFor(() => document.getElementById('to-status').dataset.state === 'untrusted', { timeout: 10_000 });
    assert.match(await visibleText(page, '#to-status'), /^Aviso: no se encontró un certificado/);
    // Switching the language redoes the status in it.
    await page.click('button[data-lang="en"]');
    await page.waitFor(() => document.body.dataset.lang === 'en');
    assert.match(await visibleText(page, '#to-status'), /^Warning: /);
    assert.deepEqual(await axeViolations(page), []);
  } finally {
    await page.close();
  }
});

// ---- keyboard use -------------------------------------------------------------------------

test('the form works from the keyboard with a visible focus', { timeout: TEST_TIMEOUT }, async () => {
  const page = await open();
  try {
    const c = await controls(page);
    await page.focus(c.to);
    await page.type(TO);
    await page.press('Tab');
    assert.equal(await focusedId(page), 'subject');
    const outline = await page.evaluate(() => getComputedStyle(document.activeElement).outlineStyle);
    assert.notEqual(outline, 'none', 'keyboard focus is visible');
    await page.type('Keyboard only');
    await page.press('Tab');
    assert.equal(await focusedId(page), 'textMessage');
    await page.type('Typed without a mouse.');
    await page.press('Tab');
    assert.equal(await focusedId(page), 'file-input');
    await attachFiles(page, [
      { name: 'a.txt', buffer: Buffer.from('first') },
      { name: 'b.txt', buffer: Buffer.from('second') },
    ]);
    // Tab onto the first Remove button and press Enter: focus moves to the next one.
    await page.focus(c.files);
    await page.press('Tab');
    assert.equal(await page.evaluate(() => document.activeElement.textContent), 'Remove a.txt');
    await page.press('Enter');
    assert.equal(await count(page, '#attachment-list li'), 1);
    assert.equal(await page.evaluate(() => document.activeElement.textContent), 'Remove b.txt');
    await page.press('Tab');
    assert.equal(await focusedId(page), 'sender-id');
    await page.press('ArrowDown');
    assert.equal(await isChecked(page, c.senderDemographics), true);
    assert.equal(await count(page, '#demographics:not([hidden])'), 1, 'demographics shown');
    await page.press('ArrowUp');
    assert.equal(await count(page, '#demographics[hidden]'), 1, 'demographics hidden again');
    await page.press('Tab');
    assert.equal(await focusedId(page), 'patientId');
    await page.type('48213');
    // Enter in a text field submits the form (implicit submission).
    await page.focus(c.subject);
    await page.evaluate(() => delete document.getElementById('outcome').dataset.outcome);
    await page.press('Enter');
    assert.equal(await waitForOutcome(page), 'sent');
    assert.equal(await focusedId(page), 'outcome-title', 'focus moves to the outcome');
    const [sent] = await received();
    assert.deepEqual(sent.attachments.map((a) => a.fileName), ['b.txt']);
    assertCleanConsole(assert, await page.consoleEntries(), ['Keyboard only', 'Typed without a mouse.']);
  } finally {
    await page.close();
  }
});

// ---- drag and drop ------------------------------------------------------------------------

test('files dropped on the drop zone are attached and sent byte for byte', { timeout: TEST_TIMEOUT }, async () => {
  const page = await open();
  try {
    await fillForm(page, { to: TO, patient: { patientId: '48213' } });
    // A real DataTransfer with a File in it, dropped the way a browser delivers a drag.
    const dragging = await page.evaluate((bytes) => {
      const dt = new DataTransfer();
      dt.items.add(new File([new Uint8Array(bytes)], 'dropped scan.png', { type: 'image/png' }));
      const zone = document.getElementById('dropzone');
      const fire = (type) => zone.dispatchEvent(new DragEvent(type, { dataTransfer: dt, bubbles: true, cancelable: true }));
      fire('dragenter');
      fire('dragover');
      const highlighted = zone.classList.contains('dragging');
      window.__drop = () => fire('drop');
      return highlighted;
    }, [...FILE_BYTES]);
    assert.equal(dragging, true, 'the zone highlights');
    await page.evaluate(() => window.__drop());
    assert.equal(await page.evaluate(() => document.getElementById('dropzone').classList.contains('dragging')), false);
    assert.equal(await textContent(page, '#attachment-list li .file-name'), 'dropped scan.png');
    assert.equal(await isDisabled(page, (await controls(page)).send), false, 'a file alone is something to send');
    assert.equal(await sendAndWait(page), 'success');
    const [sent] = await received();
    assert.equal(sent.attachments.length, 1);
    assert.equal(sent.attachments[0].fileName, 'dropped scan.png');
    assert.equal(sent.attachments[0].mimeType, 'image/png');
    assert.equal(sent.attachments[0].sha256, sha256(FILE_BYTES));
    assertCleanConsole(assert, await page.consoleEntries(), ['dropped scan']);
  } finally {
    await page.close();
  }
});

// ---- (h) accessibility scan ---------------------------------------------------------------

test('axe-core finds no accessibility violations: empty, filled, invalid and after sending', { timeout: TEST_TIMEOUT }, async () => {
  const page = await open();
  try {
    assert.deepEqual(await axeViolations(page), [], 'empty form');

    await fillForm(page, { to: TO, subject: SUBJECT, textMessage: TEXT, patient: PATIENT });
    await attachFiles(page, FILE);
    assert.deepEqual(await axeViolations(page), [], 'filled form');

    await fillForm(page, { to: 'not an address', patient: { ...PATIENT, dateOfBirth: '2999-01-01', emailAddress: 'x@' } });
    // A field's message is shown once the field is left, which an engine may render after
    // the last Tab returns: wait for the three, then scan.
    await page.waitFor(() => document.querySelectorAll('.field-error:not([hidden])').length >= 3, { timeout: 10_000 });
    assert.deepEqual(await axeViolations(page), [], 'form with errors');

    await fillForm(page, { to: 'fail-4650@direct.example-clinic.org', patient: PATIENT });
    assert.equal(await sendAndWait(page), 'error');
    assert.deepEqual(await axeViolations(page), [], 'error result');

    await fillForm(page, { to: TO, patient: PATIENT });
    assert.equal(await sendAndWait(page), 'success');
    assert.deepEqual(await axeViolations(page), [], 'success result');
    assert.deepEqual(await cspViolations(page), [], 'axe ran without breaking the page’s CSP');
  } finally {
    await page.close();
  }
});

// ---- (j) phone width ------------------------------------------------------------------------

// MiniBrowser's window cannot be narrower than its toolbar: WebKit is checked at the
// narrowest width it allows (measured: 447 px), the other engines at 375 px.
test('at phone width (375 px) nothing overflows horizontally', { timeout: TEST_TIMEOUT }, async () => {
  const page = await open({ viewport: { width: 375, height: 740 } });
  try {
    const width = await page.evaluate(() => innerWidth);
    if (engineName === 'webkit') assert.ok(width >= 375 && width <= 460, `MiniBrowser's narrowest viewport: ${width} px`);
    else assert.equal(width, 375, 'the viewport is 375 px wide');
    const fits = async (state) => assert.ok((await scrollWidth(page)) <= width, `no horizontal overflow at ${width} px: ${state}`);
    await fits('empty form');
    const longLocal = 'a'.repeat(60);
    await fillForm(page, {
      to: `${longLocal}@a-rather-long-subdomain.direct.example-clinic.org`,
      subject: SUBJECT,
      textMessage: TEXT,
      patient: PATIENT,
    });
    await attachFiles(page, [
      FILE,
      { name: `${'scan_of_my_insurance_card_front_and_back_'.repeat(4)}.png`, buffer: Buffer.from('png') },
    ]);
    await fits('filled form with long names');
    await shot(page, 'phone-375-filled');

    await fillForm(page, { to: 'not an address', patient: { ...PATIENT, dateOfBirth: '2999-01-01' } });
    await fits('form with errors');

    await fillForm(page, { to: 'fail-4650@direct.example-clinic.org', patient: PATIENT });
    assert.equal(await sendAndWait(page), 'error');
    await fits('error result');

    await fillForm(page, { to: `${longLocal}@a-rather-long-subdomain.direct.example-clinic.org` });
    assert.equal(await sendAndWait(page), 'success');
    await fits('success result');
    await shot(page, 'phone-375-result');
    assert.deepEqual(await cspViolations(page), []);
    assertCleanConsole(assert, await page.consoleEntries(), SECRETS);
  } finally {
    await page.close();
  }
});
});
