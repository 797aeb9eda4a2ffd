// The demo page after a send whose outcome is not known, as a patient uses it, in every
// engine at 1280 px and at phone width: the message stays pending (nothing in the form can
// change, no control but "Send again safely" can send), every button in view is pressed in
// turn, and the mock Updox ends with exactly one message (or none where none was sent and
// the patient chose Discard). Also: the outcome states and their sentences (a table: the
// headline, the progress label and the body never disagree), Spanish in every state, axe in
// every state and language, Enter and Escape. Needs pkg/.
//
// Nothing here waits a fixed time: each step waits for a state the page shows; where an
// engine's timing decides between outcomes, every outcome the product allows is accepted and
// the invariant (one message, the same key) is asserted.
import { beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { STRINGS } from '../../www/strings.js';
import {
  PROXY_PATH,
  assertCleanConsole,
  attachFiles,
  attribute,
  axeViolations,
  clickButton,
  controls,
  cspViolations,
  fillForm,
  focusedId,
  inViewport,
  inputValue,
  openDemoPage,
  outcomeState,
  pressableButtons,
  screenshot,
  textContent,
  visibleText,
  waitForOutcome,
  waitForSelector,
} from '../support/demo-page.mjs';
import { selectedEngines } from '../support/engines.mjs';
import { request } from '../support/http.mjs';
import { useServers } from '../support/servers.mjs';

const TEST_TIMEOUT = 120_000;
const TO = 'care-team@direct.example-clinic.org';
const PATIENT = { patientId: '48213' };
const TEXT = 'Take 10 mg twice a day?';
const CORRECTED = 'Take 20 mg (corrected)';

// What the patient reads in each state: the headline (also the progress bar's label once
// the outcome is known) and the body. The contract of the page, written out here.
const EN = {
  sent: ['Your message was sent.', 'It went to your care team\'s secure messaging service. Keep the reference number if you contact them about this message.'],
  'not-sent': ['Your message was not sent.', 'Nothing reached your care team. You can change your message below and send it again.'],
  failed: ['Your message could not be delivered.', 'The messaging service refused it, so your care team did not get it. Check the recipient’s address, or contact your care team another way.'],
  unknown: ['We could not confirm whether your message was sent.', 'It may already have reached your care team. Sending it again is safe: if it arrived, your care team will not get it twice.'],
  cancelled: ['Sending was cancelled. Your message was not sent.', 'Nothing reached your care team. You can change your message below and send it again.'],
  'cancelled-late': ['Sending was cancelled, but your message may already have been sent.', 'It may already have reached your care team. Sending it again is safe: if it arrived, your care team will not get it twice.'],
};
const EN_BUTTONS = ['Send again safely', 'Discard and write a new message', 'Write another message', 'Yes, discard it', 'No, keep it', 'Send securely', 'Cancel'];
const EN_SENTENCES = [...new Set([...Object.values(EN).flat(), ...EN_BUTTONS, STRINGS.en.discardQuestion, STRINGS.en.pendingNote, 'Details for support'])];
const PENDING_BUTTONS = ['Send again safely', 'Discard and write a new message'];

const delay = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

for (const engineName of selectedEngines()) describe(engineName, () => {
  const s = useServers({ dev: true, front: true, engine: engineName });

  let logStart = 0; // this test's part of the front's log
  beforeEach(() => {
    s.dev.mock.reset();
    s.front.unroute(PROXY_PATH);
    logStart = s.front.log.length;
  });

  const sendPosts = () => s.front.log.slice(logStart).filter((r) => r.method === 'POST' && r.path === PROXY_PATH);
  const keyOf = (entry) => entry.headers['idempotency-key'];

  /** Polls until `check()` is true (the mock's records change outside the page). */
  async function until(check, what, limit = 15_000) {
    for (const end = Date.now() + limit; Date.now() < end; await delay(50)) if (await check()) return;
    assert.fail(`timed out waiting: ${what}`);
  }

  /** The page text a patient sees and hears, without the details (Updox's and the module's own words). */
  const visibleWords = (page) =>
    page.evaluate(() => {
      const clone = document.body.cloneNode(true);
      clone.querySelectorAll('[hidden], details, script').forEach((el) => el.remove());
      return clone.textContent.replace(/\s+/g, ' ');
    });

  /** The headline, the progress label and the body agree with `table[state]`. */
  async function assertSentences(page, state, table, where) {
    const [headline, body] = table[state];
    assert.equal(await visibleText(page, '#outcome-title'), headline, `${where}: headline of ${state}`);
    assert.equal(await textContent(page, '#progress-text'), headline, `${where}: progress label of ${state}`);
    assert.equal(await visibleText(page, '#outcome-body'), body, `${where}: body of ${state}`);
  }

  /** Switches to Spanish: the state stays, every word changes; then back to English. */
  async function checkSpanish(page, state, where) {
    await clickButton(page, 'Español');
    await waitForSelector(page, 'body[data-lang="es"]');
    assert.equal(await outcomeState(page), state, `${where}: the state stays`);
    if (state !== 'idle') {
      const es = STRINGS.es.states[state];
      assert.equal(await visibleText(page, '#outcome-title'), es.headline, `${where}: Spanish headline`);
      assert.equal(await textContent(page, '#progress-text'), es.headline, `${where}: Spanish progress label`);
    }
    const words = await visibleWords(page);
    const english = EN_SENTENCES.filter((sentence) => words.includes(sentence));
    assert.deepEqual(english, [], `${where}: no English sentence left in Spanish`);
    assert.deepEqual(await axeViolations(page), [], `${where}: axe, Spanish`);
    await clickButton(page, 'English');
    await waitForSelector(page, 'body[data-lang="en"]');
  }

  /** In a pending state: only the safe buttons, nothing editable, nothing else sends. */
  async function assertPending(page, where) {
    const c = await controls(page);
    assert.deepEqual(await pressableButtons(page), PENDING_BUTTONS, `${where}: the buttons in view`);
    assert.deepEqual(await pressableButtons(page, { inView: false }), PENDING_BUTTONS, `${where}: no other button anywhere`);
    assert.equal(await page.evaluate(() => document.getElementById('fields').inert), true, `${where}: the form is inert`);
    assert.ok(await visibleText(page, '#pending-note'), `${where}: the page says the form is what is being sent`);
    // Typing into the message does nothing, and Enter sends nothing.
    const before = await inputValue(page, c.textMessage);
    const posts = sendPosts().length;
    // (From no button: a key pressed on a focused button would press it; and no space,
    // which would scroll the page while the next click aims.)
    await page.evaluate(() => document.activeElement?.blur());
    await page.focus(c.textMessage);
    await page.type('edited');
    await page.press('Enter');
    assert.equal(await inputValue(page, c.textMessage), before, `${where}: the message cannot be edited`);
    assert.equal(await outcomeState(page) === 'sending', false, `${where}: Enter started no send`);
    assert.equal(sendPosts().length, posts, `${where}: nothing was sent`);
  }

  /** Opens the page, fills it, sends; resolves {page, state} once the outcome shows. */
  async function startSend({ width, to, timeoutMs, escapeWhenForwarded = false }) {
    const query = timeoutMs ? `?timeoutMs=${timeoutMs}` : '';
    const page = await openDemoPage(s.engine, `${s.front.url}${query}`, { viewport: { width, height: width < 500 ? 740 : 800 } });
    await fillForm(page, { to, subject: 'Dose question', textMessage: TEXT, patient: PATIENT });
    await page.evaluate(() => delete document.getElementById('outcome').dataset.outcome);
    await page.click((await controls(page)).send);
    if (escapeWhenForwarded) {
      await until(async () => (await s.dev.mock.requests()).some((r) => r.method === 'POST'), 'the request reached the mock');
      // While the body is being sent the bar is indeterminate and counts the seconds.
      if ((await outcomeState(page)) === 'sending') {
        const label = await textContent(page, '#progress-text');
        assert.match(label, /^Sending your message… \d+ s$/, 'the request has left: the body is being sent');
        assert.equal(await attribute(page, '#progress', 'value'), null, 'indeterminate while the body uploads');
        // The label moves: the seconds count up while the mock holds the answer.
        await page.waitFor((first) => document.getElementById('progress-text').textContent !== first, { timeout: 10_000 }, label);
        assert.match(await textContent(page, '#progress-text'), /^Sending your message… \d+ s$/);
      }
      await page.press('Escape');
    }
    return { page, state: await waitForOutcome(page) };
  }

  // The ways an outcome stays unknown. `delivered`: whether the mock ends up holding the first
  // attempt (null: the engine's timing decides).
  const SCENARIOS = {
    // The page gives up after 1 s; the mock answers after 3 s (and records it then).
    'a timeout, the mock delivering late': {
      open: (width) => startSend({ width, to: 'slow-3000@direct.example-clinic.org', timeoutMs: 1000 }),
      states: ['unknown'],
      delivered: null,
    },
    // Escape once the request reached the mock (the body had left); the mock delivers.
    'Escape after the body left': {
      open: (width) => startSend({ width, to: 'slow-4000@direct.example-clinic.org', escapeWhenForwarded: true }),
      states: ['cancelled-late'],
      delivered: true,
    },
    // The proxy delivered it and kept Updox's answer, but the answer never reached the page.
    'a lost answer': {
      open: (width) => {
        let first = true;
        s.front.route(PROXY_PATH, async ({ method, headers, body }) => {
          if (method !== 'POST' || !first) return undefined;
          first = false;
          await request(new URL(PROXY_PATH, s.dev.url).href, {
            method: 'POST',
            headers: { 'content-type': headers['content-type'], 'idempotency-key': headers['idempotency-key'], origin: new URL(s.dev.url).origin },
            body,
          });
          return { status: 502, headers: { 'Content-Type': 'text/html' }, body: '<h1>Bad gateway</h1>' };
        });
        return startSend({ width, to: TO });
      },
      states: ['unknown'],
      delivered: true,
    },
    // The answer was lost before the proxy: nothing was sent, but the page cannot know.
    'a request lost on the way': {
      open: (width) => {
        let first = true;
        s.front.route(PROXY_PATH, ({ method }) => {
          if (method !== 'POST' || !first) return undefined;
          first = false;
          return { status: 502, headers: { 'Content-Type': 'text/html' }, body: '<h1>Bad gateway</h1>' };
        });
        return startSend({ width, to: TO });
      },
      states: ['unknown'],
      delivered: false,
    },
  };

  for (const width of [1280, 375]) {
    for (const [name, scenario] of Object.entries(SCENARIOS)) {
      test(`${width} px, ${name}: every button in view in turn leaves exactly one message`, { timeout: TEST_TIMEOUT }, async () => {
        const { page, state } = await scenario.open(width);
        try {
          assert.ok(scenario.states.includes(state), `the outcome is one of ${scenario.states}: ${state}`);
          const firstKey = keyOf(sendPosts()[0]);
          assert.ok(firstKey, 'the first attempt had a key');
          await assertSentences(page, state, EN, 'pending');
          assert.equal(await focusedId(page), 'outcome-title', 'the outcome has the focus');
          assert.equal(await inViewport(page, '#outcome-title'), true, 'the outcome is in view');
          await assertPending(page, 'pending');
          assert.deepEqual(await axeViolations(page), [], 'axe, pending');
          await checkSpanish(page, state, 'pending');
          await screenshot(page, `pending-${state}-${width}-${engineName}`);

          // Send again safely until the outcome is final: an engine that is slow to send may
          // get "not known" again (the first attempt is still in flight), never a second message.
          for (let attempt = 0; (await outcomeState(page)) !== 'sent'; attempt++) {
            assert.ok(attempt < 12, 'the message is sent within a few safe resends');
            assert.ok(['unknown', 'cancelled-late'].includes(await outcomeState(page)));
            await assertPending(page, `attempt ${attempt}`);
            await page.evaluate(() => delete document.getElementById('outcome').dataset.outcome);
            await clickButton(page, 'Send again safely');
            await waitForOutcome(page);
          }
          assert.ok(sendPosts().every((r) => keyOf(r) === firstKey), 'every attempt carried the same key');
          const messages = s.dev.mock.messages();
          assert.equal(messages.length, 1, 'the mock holds exactly one message');
          assert.equal(messages[0].body.textMessage, TEXT, 'the message the patient saw');
          assert.equal(messages[0].idempotencyKey, firstKey);

          // The success: in view, with the reference number, and one button.
          await assertSentences(page, 'sent', EN, 'sent');
          assert.equal(await visibleText(page, '#outcome-message-id'), String(messages[0].messageId));
          assert.equal(await focusedId(page), 'outcome-title');
          assert.equal(await inViewport(page, '#outcome-title'), true, 'the success is in view');
          assert.equal(await inViewport(page, '#outcome-message-id'), true, 'the reference number is in view');
          assert.deepEqual(await pressableButtons(page), ['Write another message']);
          assert.deepEqual(await axeViolations(page), [], 'axe, sent');
          await checkSpanish(page, 'sent', 'sent');
          await screenshot(page, `sent-${width}-${engineName}`);
          await clickButton(page, 'Write another message');
          assert.equal(await outcomeState(page), 'idle');
          assert.equal(await page.evaluate(() => document.getElementById('fields').inert), false);
          assert.equal(s.dev.mock.messages().length, 1, 'still one message');
          assert.deepEqual(await cspViolations(page), []);
          assertCleanConsole(assert, (await page.consoleEntries()).filter((e) => !/\b502\b/.test(e.text)), [TEXT]);
        } finally {
          await page.close();
        }
      });
    }

    for (const name of ['a timeout, the mock delivering late', 'a request lost on the way']) {
      const scenario = SCENARIOS[name];
      test(`${width} px, ${name}: Discard asks first; the new message gets a new key`, { timeout: TEST_TIMEOUT }, async () => {
        const { page, state } = await scenario.open(width);
        try {
          assert.ok(scenario.states.includes(state), `the outcome is one of ${scenario.states}: ${state}`);
          const firstKey = keyOf(sendPosts()[0]);
          await clickButton(page, 'Discard and write a new message');
          // The confirmation says plainly what discarding means, and offers the way back.
          assert.equal(await visibleText(page, '#discard-question'), 'If your first message arrived, your care team will get both messages. Do you want to discard it and write a new message?');
          assert.deepEqual(await pressableButtons(page), ['Yes, discard it', 'No, keep it']);
          assert.equal(await page.evaluate(() => document.getElementById('fields').inert), true, 'still pending while asking');
          assert.deepEqual(await axeViolations(page), [], 'axe, confirming');
          await checkSpanish(page, state, 'confirming');
          await screenshot(page, `discard-confirm-${width}-${engineName}`);
          await clickButton(page, 'No, keep it');
          assert.deepEqual(await pressableButtons(page), PENDING_BUTTONS, 'back to the two actions');
          await clickButton(page, 'Discard and write a new message');
          await clickButton(page, 'Yes, discard it');

          // No longer pending: the form is editable, with what the patient had written.
          assert.equal(await outcomeState(page), 'idle');
          assert.equal(await page.evaluate(() => document.getElementById('fields').inert), false);
          const c = await controls(page);
          assert.equal(await inputValue(page, c.textMessage), TEXT);
          // The first attempt: delivered late by the mock, or never sent at all.
          if (scenario.delivered === false) assert.equal(s.dev.mock.messages().length, 0, 'none was sent, none arrived');
          else await until(() => s.dev.mock.messages().length === 1, 'the late delivery');
          const before = s.dev.mock.messages().length;

          await page.fill(c.to, TO);
          await page.fill(c.textMessage, CORRECTED);
          await page.evaluate(() => delete document.getElementById('outcome').dataset.outcome);
          await page.click(c.send);
          assert.equal(await waitForOutcome(page), 'sent');
          const posts = sendPosts();
          const newKey = keyOf(posts[posts.length - 1]);
          assert.notEqual(newKey, firstKey, 'a new message, a new key');
          const messages = s.dev.mock.messages();
          assert.equal(messages.length, before + 1, 'the new message, once');
          assert.equal(messages[messages.length - 1].body.textMessage, CORRECTED, 'what the patient sees now');
          assert.equal(messages[messages.length - 1].idempotencyKey, newKey);
        } finally {
          await page.close();
        }
      });
    }
  }

  test('every state in English and Spanish: one sentence, axe clean; Escape cancels', { timeout: TEST_TIMEOUT }, async () => {
    const page = await openDemoPage(s.engine, s.front.url, { viewport: { width: 375, height: 740 } });
    try {
      const c = await controls(page);
      const seen = new Set();
      const check = async (expected) => {
        const state = await waitForOutcome(page);
        assert.ok([expected].flat().includes(state), `state ${state}, expected ${expected}`);
        seen.add(state);
        await assertSentences(page, state, EN, state);
        assert.deepEqual(await axeViolations(page), [], `axe, ${state}`);
        await checkSpanish(page, state, state);
        await assertSentences(page, state, EN, `${state} after Spanish`);
        return state;
      };
      const send = async () => {
        await page.evaluate(() => delete document.getElementById('outcome').dataset.outcome);
        await page.click(c.send);
      };
      const discard = async () => {
        await clickButton(page, 'Discard and write a new message');
        await clickButton(page, 'Yes, discard it');
      };

      // Enter in a field with problems: the error summary, as Send does.
      await page.focus(c.to);
      await page.press('Enter');
      await waitForSelector(page, '#error-summary:not([hidden])');
      assert.equal(await focusedId(page), 'error-summary');
      assert.ok((await visibleText(page, '#error-summary')).includes(await visibleText(page, '#to-error')), 'the summary lists the field’s message');
      assert.deepEqual(await axeViolations(page), [], 'axe, error summary');
      await checkSpanish(page, 'idle', 'error summary');

      await fillForm(page, { to: 'fail-4650@direct.example-clinic.org', subject: 'States', textMessage: TEXT, patient: PATIENT });
      await send();
      await check('failed');

      // The proxy refuses it before forwarding: not sent.
      s.front.route(PROXY_PATH, ({ method }) => (method === 'POST'
        ? { status: 503, headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ error: 'proxy_busy', message: 'busy' }) }
        : undefined));
      await page.fill(c.to, TO);
      await send();
      await check('not-sent');
      s.front.unroute(PROXY_PATH);

      await page.fill(c.to, 'malformed@direct.example-clinic.org');
      await send();
      await check('unknown');
      await discard();

      // Escape as soon as the send shows: before or after the body left, as the engine's
      // speed decides; each has its sentence.
      await page.fill(c.to, 'slow-4000@direct.example-clinic.org');
      await send();
      await waitForSelector(page, '#outcome[data-state="sending"]');
      await page.press('Escape');
      const cancelled = await check(['cancelled', 'cancelled-late']);
      if (cancelled === 'cancelled-late') await discard();

      // With a file: the bar is determinate while the file is prepared, then indeterminate
      // with the seconds while the body is sent (every label it showed is recorded).
      await page.fill(c.to, TO);
      await attachFiles(page, { name: 'scan.pdf', buffer: Buffer.alloc(300_000, 7) });
      await page.evaluate(() => {
        window.__labels = [];
        const record = () => window.__labels.push([document.getElementById('progress-text').textContent, document.getElementById('progress').hasAttribute('value')]);
        new MutationObserver(record).observe(document.getElementById('progress-row'), { subtree: true, childList: true, characterData: true, attributes: true });
      });
      await send();
      await check('sent');
      const labels = await page.evaluate(() => window.__labels);
      const preparing = labels.filter(([text]) => text.startsWith('Preparing your attachments:'));
      assert.ok(preparing.length > 0, 'the page said it was preparing the file');
      assert.ok(preparing.every(([text, determinate]) => determinate && /^Preparing your attachments: \d+ %$/.test(text)), 'determinate while preparing');
      assert.ok(labels.some(([text, determinate]) => /^Sending your message… \d+ s$/.test(text) && !determinate), 'indeterminate, with the seconds, while sending');
      const withFile = s.dev.mock.messages().filter((m) => m.attachments.length === 1);
      assert.deepEqual(withFile.map((m) => [m.attachments[0].fileName, m.attachments[0].size]), [['scan.pdf', 300_000]]);
      assert.ok(seen.size >= 5, `states seen: ${[...seen]}`);
      assert.deepEqual(await cspViolations(page), []);
    } finally {
      await page.close();
    }
  });
});
