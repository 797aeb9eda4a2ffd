// The example portal (examples/portal/, `npm run example`) works as a portal team would copy
// it: built from the packed package, its page signs a patient in, sends a message with a
// file from disk through updox-direct/proxy to the (mock) Updox and shows the message ID,
// in each engine; and a token the sign-in issued for one patient cannot send as another.
// Needs pkg/ (scripts/build.sh).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { prepareExample, startExample } from '../../scripts/example.mjs';
import { openEngine, selectedEngines } from '../support/engines.mjs';
import { postJson } from '../support/http.mjs';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const SEND = 'api/updox/PatientDirectMessageSend';
const sha256 = (bytes) => createHash('sha256').update(bytes).digest('hex');

// A folder of the repository (not the system's temp), so that the example's express, jose
// and vite resolve from the repository's node_modules, as under `npm run example`.
const dir = join(ROOT, 'target', `example-portal-test-${process.pid}`);
const files = mkdtempSync(join(tmpdir(), 'updox-example-files-'));
before(async () => {
  await prepareExample(dir);
});
after(() => {
  rmSync(dir, { recursive: true, force: true });
  rmSync(files, { recursive: true, force: true });
});

/** The message a patient writes in the example, as its page sends it. */
const messageFrom = (patientId) => ({
  to: 'dr.okafor@direct.example-clinic.org',
  from: `patient:${patientId}`,
  subject: 'Knee X-ray',
  textMessage: 'My results from Tuesday are attached.',
});

for (const engineName of selectedEngines()) describe(engineName, () => {
  let example;
  let engine;
  let page;
  before(async () => {
    example = await startExample({ dir, quiet: true });
    engine = await openEngine(engineName);
    page = await engine.newPage(example.url);
  });
  after(async () => {
    await engine?.close();
    await example?.close();
  });

  test('sign in, send a message with an attachment, see its message ID', async () => {
    const bytes = Buffer.from(Array.from({ length: 40_000 }, (_, i) => (i * 13 + 5) & 0xff));
    const path = join(files, `knee-x-ray-${engineName}.pdf`);
    writeFileSync(path, bytes);

    await page.fill('#patient-id', '48213');
    await page.click('#sign-in button[type=submit]');
    await page.waitFor(() => !document.getElementById('message').hidden, { timeout: 20_000 });
    await page.fill('#subject', 'Knee X-ray');
    await page.fill('#text', 'My results from Tuesday are attached.');
    await page.setFiles('#files', [path]);
    await page.click('#send');
    const outcome = await page.waitFor(() => document.getElementById('result').dataset.outcome === 'sent' || document.getElementById('result').dataset.outcome === 'error'
      ? { ...document.getElementById('result').dataset, text: document.getElementById('result').textContent }
      : null, { timeout: 30_000 });
    assert.equal(outcome.outcome, 'sent', `the page shows: ${outcome.text} (${outcome.rule ?? ''})`);

    const [message] = example.mock.messages();
    assert.equal(example.mock.messages().length, 1, 'one message reached Updox');
    assert.equal(outcome.text, `Sent. Message ID: ${message.messageId}`);
    assert.equal(outcome.messageId, String(message.messageId));
    assert.equal(message.body.from, 'patient:48213');
    assert.equal(message.body.subject, 'Knee X-ray');
    assert.deepEqual(
      message.attachments.map((a) => [a.fileName, a.size, a.sha256]),
      [[`knee-x-ray-${engineName}.pdf`, bytes.length, sha256(bytes)]],
    );
  });

  test("a patient's token cannot send as another patient, nor can no token", async () => {
    const before = example.mock.messages().length;
    const signIn = await postJson(new URL('sign-in', example.url).href, { patientId: '51007' });
    assert.equal(signIn.status, 200);
    const { token } = signIn.json();

    const asOther = await postJson(new URL(SEND, example.url).href, messageFrom('48213'), { Authorization: `Bearer ${token}` });
    assert.equal(asOther.status, 403);
    assert.equal(asOther.json().error, 'sender_mismatch');
    const anonymous = await postJson(new URL(SEND, example.url).href, messageFrom('48213'));
    assert.equal(anonymous.status, 401);
    assert.equal(anonymous.json().error, 'unauthorized');
    assert.equal(example.mock.messages().length, before, 'nothing reached Updox');

    // The same token sends as its own patient.
    const own = await postJson(new URL(SEND, example.url).href, messageFrom('51007'), { Authorization: `Bearer ${token}` });
    assert.equal(own.status, 200, own.text);
    assert.equal(example.mock.messages().length, before + 1);

    // An unknown patient is not signed in.
    assert.equal((await postJson(new URL('sign-in', example.url).href, { patientId: '99999' })).status, 401);
  });
});
