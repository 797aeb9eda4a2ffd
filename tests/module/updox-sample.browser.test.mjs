// Updox's own documented sample request goes through the whole chain: the built module
// validates it, sends it to the reference proxy, which adds the server's credentials and
// forwards it to the mock Updox; the mock records exactly the sample's fields and bytes.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { DEMO_AUTH } from '../../server/mock-updox.mjs';
import { updoxSampleRequest } from '../support/message.mjs';
import { selectedEngines } from '../support/engines.mjs';
import { useServers } from '../support/servers.mjs';

const sample = updoxSampleRequest();

for (const engineName of selectedEngines()) describe(engineName, () => {
const s = useServers({ dev: true, engine: engineName });

test("Updox's sample request validates, sends through the proxy and arrives intact", async () => {
  s.dev.mock.reset();
  const page = await s.engine.newPage(s.dev.url);
  const { auth, ...message } = sample;
  assert.ok(auth, 'the sample carries an auth block, which the page must not send');
  const out = await page.evaluate(async (msg) => {
    const m = await import('/pkg/updox_direct.js');
    await m.default();
    const issues = m.validatePatientDirectMessage(msg);
    const result = await m.sendPatientDirectMessage(msg, { proxyUrl: '/api/updox/PatientDirectMessageSend' });
    return { issues, result };
  }, message);
  assert.deepEqual(out.issues, []);
  assert.equal(out.result.responseCode, 2000);
  assert.equal(out.result.sender, 'patientDemographics');
  assert.equal(out.result.directAddress, sample.to);
  assert.match(out.result.recipient, /^contact:\d+$/);
  assert.match(out.result.patientDirectAddress, /^ptacct\+\d+@/);

  const [received] = await s.dev.mock.messages();
  assert.equal(received.body.to, sample.to);
  assert.equal(received.body.subject, sample.subject);
  assert.equal(received.body.textMessage, sample.textMessage);
  assert.deepEqual(received.body.patientDemographics, sample.patientDemographics);
  assert.deepEqual(received.body.auth, DEMO_AUTH, 'the proxy added its own credentials');
  const expected = Buffer.from(sample.attachments[0].content.replace(/\s+/g, ''), 'base64');
  const [attachment] = received.attachments;
  assert.equal(attachment.fileName, 'text.txt');
  assert.equal(attachment.mimeType, 'text/plain');
  assert.equal(attachment.sha256, createHash('sha256').update(expected).digest('hex'));
  // Sent as canonical base64: no spaces.
  assert.doesNotMatch(received.body.attachments[0].content, /\s/);
  await page.close();
});
});
