// The mock Updox answers PatientDirectMessageSend and DirectAddressValidate the way Updox
// documents them, reaches every failure path on demand, and shows tests exactly what it
// received (loopback only).
import test, { before, after, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { Readable } from 'node:stream';
import {
  DEMO_AUTH,
  FAILURE_HOOKS,
  HOOK_REASON_4650,
  createMockUpdox,
  isInspectionAllowed,
  isLoopbackAddress,
  startMockUpdox,
} from '../../server/mock-updox.mjs';
import { postJson, request, sleep } from '../support/http.mjs';
import { validMessage } from '../support/message.mjs';

const FIXTURES = new URL('../fixtures/', import.meta.url); // copies of shared/fixtures
const sha256 = (b) => createHash('sha256').update(b).digest('hex');

let mock;
let sendUrl;
const send = (body, headers) => postJson(sendUrl, body, headers);
const withAuth = (overrides = {}, auth = DEMO_AUTH) => ({ ...validMessage(overrides), auth: { ...auth } });

before(async () => {
  mock = await startMockUpdox();
  sendUrl = `${mock.baseUrl}/PatientDirectMessageSend`;
});
after(() => mock.close());
beforeEach(() => mock.reset());

test('baseUrl ends in /api/io like Updox', () => {
  assert.match(mock.baseUrl, /^http:\/\/127\.0\.0\.1:\d+\/api\/io$/);
});

test('a valid send returns the documented success fields with increasing messageIds', async () => {
  const first = await send(withAuth());
  assert.equal(first.status, 200);
  assert.match(first.headers['content-type'], /^application\/json/);
  const a = first.json();
  assert.equal(a.successful, true);
  assert.equal(a.responseCode, 2000);
  assert.equal(a.responseMessage, 'OK');
  assert.match(a.recipient, /^contact:\d+$/);
  assert.equal(a.name, 'test@direct.updoxqa.com');
  assert.equal(a.directAddress, 'test@direct.updoxqa.com');
  assert.equal(a.reason, null);
  assert.equal(typeof a.messageId, 'number');
  assert.match(a.patientDirectAddress, /^ptacct\+\d+@direct\.updoxqa\.com$/);
  const sample = JSON.parse(readFileSync(new URL('updox-sample-response.json', FIXTURES), 'utf8'));
  assert.deepEqual(Object.keys(a).sort(), Object.keys(sample).sort());

  const b = (await send(withAuth({ to: 'other@direct.example.org', from: 'patient:77' }))).json();
  assert.equal(b.successful, true);
  assert.ok(b.messageId > a.messageId, 'messageId increases');
  assert.equal(b.directAddress, 'other@direct.example.org');
  assert.equal(mock.messages().length, 2);
});

test('each wrong auth field gets its own code and nothing is delivered', async () => {
  const cases = [
    [undefined, 4010],
    [{ ...DEMO_AUTH, applicationId: 'nope' }, 4010],
    [{ ...DEMO_AUTH, applicationPassword: 'nope' }, 4010],
    [{ ...DEMO_AUTH, accountId: 'nope' }, 4011],
    [{ ...DEMO_AUTH, userId: 'nope' }, 4012],
  ];
  for (const [auth, code] of cases) {
    const body = validMessage();
    if (auth) body.auth = auth;
    const res = await send(body);
    assert.equal(res.status, 200, 'Updox answers HTTP 200 even when unauthorized');
    const a = res.json();
    assert.equal(a.successful, false);
    assert.equal(a.responseCode, code, `auth ${JSON.stringify(auth)}`);
    assert.equal(typeof a.responseMessage, 'string');
  }
  assert.equal(mock.messages().length, 0);
});

test('configured credentials replace the demo ones', async () => {
  const custom = await startMockUpdox({ applicationId: 'a', applicationPassword: 'p', accountId: 'c', userId: 'u' });
  try {
    const url = `${custom.baseUrl}/PatientDirectMessageSend`;
    assert.equal((await postJson(url, withAuth())).json().responseCode, 4010);
    const ok = await postJson(url, withAuth({}, { applicationId: 'a', applicationPassword: 'p', accountId: 'c', userId: 'u' }));
    assert.equal(ok.json().responseCode, 2000);
  } finally {
    await custom.close();
  }
});

test('4640 for a recipient that is not a valid Direct address; plus-addresses are fine', async () => {
  for (const to of ['not-an-address', 'a@b', 'a@@direct.example.org', 'a..b@direct.example.org', '.a@x.org',
    '"quoted"@direct.example.org', 'a@[127.0.0.1]', 'a@-bad.example.org', 'a b@direct.example.org', '',
    `${'x'.repeat(65)}@direct.example.org`]) {
    const a = (await send(withAuth({ to }))).json();
    assert.equal(a.responseCode, 4640, `to=${JSON.stringify(to)}`);
    assert.equal(a.successful, false);
  }
  assert.equal((await send(withAuth({ to: 'ptacct+12@direct.updoxqa.com' }))).json().responseCode, 2000);
  assert.equal(mock.messages().length, 1);
});

test('4652 when neither from nor patientDemographics is given; either one alone is enough', async () => {
  const none = withAuth();
  delete none.patientDemographics;
  assert.equal((await send(none)).json().responseCode, 4652);
  assert.equal((await send({ ...none, from: 'patient:42' })).json().responseCode, 2000);
  assert.equal((await send(withAuth())).json().responseCode, 2000);
  assert.equal((await send({ ...none, from: 'doctor:42' })).json().responseCode, 4060);
});

test('4060 for attachment content that is not base64; whitespace in base64 is tolerated', async () => {
  const bad = withAuth({ attachments: [{ content: 'not base64!', mimeType: 'text/plain', fileName: 'a.txt' }] });
  const a = (await send(bad)).json();
  assert.equal(a.responseCode, 4060);
  assert.equal(a.successful, false);
  const spaced = withAuth({ attachments: [{ content: 'aGVs bG8g\nd29y bGQ=', mimeType: 'text/plain', fileName: 'a.txt' }] });
  assert.equal((await send(spaced)).json().responseCode, 2000);
  const [msg] = mock.messages();
  assert.equal(Buffer.from(msg.attachments[0].content, 'base64').toString(), 'hello world');
});

test('4020 when decoded attachments exceed the configured limit', async () => {
  const small = await startMockUpdox({ maxAttachmentBytes: 1000 });
  try {
    const url = `${small.baseUrl}/PatientDirectMessageSend`;
    const att = (n) => ({ content: randomBytes(n).toString('base64'), mimeType: 'application/octet-stream', fileName: 'f.bin' });
    assert.equal((await postJson(url, withAuth({ attachments: [att(600), att(401)] }))).json().responseCode, 4020);
    assert.equal((await postJson(url, withAuth({ attachments: [att(600), att(400)] }))).json().responseCode, 2000);
    assert.equal(small.messages().length, 1);
  } finally {
    await small.close();
  }
});

test('4000 for a body that is not a JSON object', async () => {
  for (const body of ['{"to": ', '[1,2]', 'null', '']) {
    const res = await request(sendUrl, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body });
    assert.equal(res.status, 200);
    assert.equal(res.json().responseCode, 4000, `body ${body}`);
  }
});

test('fail-NNNN hooks answer with that code (4650 with a reason) and deliver nothing', async () => {
  const codes = [4000, 4010, 4011, 4012, 4013, 4014, 4020, 4060, 4640, 4641, 4642, 4650, 4651, 4652, 5000, 5100, 5110, 4999];
  for (const code of codes) {
    const res = await send(withAuth({ to: `fail-${code}@direct.example.org` }));
    assert.equal(res.status, 200);
    const a = res.json();
    assert.equal(a.successful, false, `fail-${code}`);
    assert.equal(a.responseCode, code);
    assert.equal(typeof a.responseMessage, 'string');
    if (code === 4650) assert.equal(a.reason, HOOK_REASON_4650);
  }
  assert.equal(mock.messages().length, 0);
  assert.equal(mock.requests().length, codes.length);
});

test('slow-MS answers success after MS milliseconds and is delivered', async () => {
  const started = Date.now();
  const a = (await send(withAuth({ to: 'slow-250@direct.example.org' }))).json();
  assert.ok(Date.now() - started >= 240, 'took at least the delay');
  assert.equal(a.responseCode, 2000);
  assert.equal(mock.messages().length, 1);
});

test('malformed, empty, truncated, inconsistent and http-NNN hooks', async () => {
  const malformed = await send(withAuth({ to: 'malformed@direct.example.org' }));
  assert.equal(malformed.status, 200);
  assert.throws(() => malformed.json(), SyntaxError);

  const empty = await send(withAuth({ to: 'empty@direct.example.org' }));
  assert.equal(empty.status, 200);
  assert.equal(empty.text, '');

  const truncated = await send(withAuth({ to: 'truncated@direct.example.org' }));
  assert.throws(() => truncated.json(), SyntaxError);

  const inconsistent = (await send(withAuth({ to: 'inconsistent@direct.example.org' }))).json();
  assert.equal(inconsistent.successful, true);
  assert.equal(inconsistent.responseCode, 4060);

  const reverse = (await send(withAuth({ to: 'inconsistent-false@direct.example.org' }))).json();
  assert.equal(reverse.successful, false);
  assert.equal(reverse.responseCode, 2000);

  const http503 = await send(withAuth({ to: 'http-503@direct.example.org' }));
  assert.equal(http503.status, 503);
  assert.match(http503.headers['content-type'], /^text\/html/);

  assert.equal(mock.messages().length, 0, 'none of these counts as delivered');
  assert.deepEqual(FAILURE_HOOKS.map((h) => h.localPart).slice(0, 3), ['fail-NNNN', 'slow-MS', 'malformed']);
});

test('hooks apply only to valid requests: bad auth still wins', async () => {
  const a = (await send(withAuth({ to: 'fail-5000@direct.example.org' }, { ...DEMO_AUTH, userId: 'x' }))).json();
  assert.equal(a.responseCode, 4012);
});

test('keeps what it received: body with auth, Idempotency-Key, decoded attachment bytes', async () => {
  const pdf = randomBytes(70000);
  const text = Buffer.from('line one\nline two\n');
  const body = withAuth({
    attachments: [
      { content: pdf.toString('base64'), mimeType: 'application/pdf', fileName: 'scan.pdf' },
      { content: text.toString('base64'), mimeType: 'text/plain', fileName: 'notes.txt' },
    ],
  });
  const a = (await send(body, { 'Idempotency-Key': 'key-123' })).json();
  const res = await request(`${mock.url}/__mock/messages`);
  assert.equal(res.status, 200);
  const [msg, ...rest] = res.json();
  assert.equal(rest.length, 0);
  assert.equal(msg.messageId, a.messageId);
  assert.equal(msg.idempotencyKey, 'key-123');
  assert.deepEqual(msg.body.auth, DEMO_AUTH);
  assert.equal(msg.body.subject, 'Test subject');
  assert.deepEqual(msg.response, a);
  assert.equal(msg.attachments.length, 2);
  for (const [i, bytes] of [pdf, text].entries()) {
    const got = msg.attachments[i];
    assert.equal(got.size, bytes.length);
    assert.equal(got.sha256, sha256(bytes));
    assert.ok(Buffer.from(got.content, 'base64').equals(bytes), 'the exact bytes arrived');
  }
  assert.equal(msg.attachments[0].fileName, 'scan.pdf');
  assert.equal(msg.attachments[0].mimeType, 'application/pdf');

  const counts = (await request(`${mock.url}/__mock/requests`)).json();
  assert.equal(counts.count, 1);
  assert.deepEqual(counts.requests[0], { method: 'POST', path: '/api/io/PatientDirectMessageSend', status: 200 });

  assert.equal((await request(`${mock.url}/__mock/messages`, { method: 'DELETE' })).status, 200);
  assert.deepEqual((await request(`${mock.url}/__mock/messages`)).json(), []);
  assert.equal((await request(`${mock.url}/__mock/requests`)).json().count, 0);
});

test('the inspection route is for loopback clients only', async () => {
  assert.equal(isLoopbackAddress('127.0.0.1'), true);
  assert.equal(isLoopbackAddress('127.8.9.10'), true);
  assert.equal(isLoopbackAddress('::1'), true);
  assert.equal(isLoopbackAddress('::ffff:127.0.0.1'), true);
  for (const a of ['10.0.0.1', '192.168.1.20', '::ffff:10.0.0.1', 'fe80::1', '128.0.0.1', '', undefined]) {
    assert.equal(isLoopbackAddress(a), false, String(a));
  }
  const fakeReq = (remoteAddress, host) => ({ socket: { remoteAddress }, headers: { host } });
  assert.equal(isInspectionAllowed(fakeReq('127.0.0.1', '127.0.0.1:9999')), true);
  assert.equal(isInspectionAllowed(fakeReq('::1', 'localhost:9999')), true);
  assert.equal(isInspectionAllowed(fakeReq('203.0.113.7', '127.0.0.1:9999')), false);
  assert.equal(isInspectionAllowed(fakeReq('127.0.0.1', 'evil.example:9999')), false, 'DNS rebinding');

  // Through the handler: a remote peer gets 404 and no data.
  const m = createMockUpdox();
  const req = Object.assign(Readable.from([]), {
    url: '/__mock/messages',
    method: 'GET',
    headers: { host: '127.0.0.1' },
    socket: { remoteAddress: '203.0.113.7' },
  });
  const res = { status: 0, body: '', writeHead(s) { this.status = s; }, end(b) { this.body = String(b); }, on() {} };
  await m.handler(req, res);
  assert.equal(res.status, 404);
  assert.doesNotMatch(res.body, /\[/);

  // Over the network: a foreign Host header gets 404 too.
  await send(withAuth());
  const rebinding = await request(`${mock.url}/__mock/messages`, { headers: { Host: 'evil.example' } });
  assert.equal(rebinding.status, 404);
  assert.doesNotMatch(rebinding.text, /Jane/);
});

test("Updox's own sample request (with demo auth) is accepted", async () => {
  const sample = JSON.parse(readFileSync(new URL('updox-sample-request.json', FIXTURES), 'utf8'));
  sample.auth = { ...DEMO_AUTH };
  const a = (await send(sample)).json();
  assert.equal(a.successful, true);
  assert.equal(a.responseCode, 2000);
  assert.equal(a.directAddress, 'test@direct.updoxqa.com');
  const [msg] = mock.messages();
  const expected = Buffer.from(sample.attachments[0].content.replace(/\s+/g, ''), 'base64');
  assert.equal(msg.attachments[0].sha256, sha256(expected));
  assert.match(Buffer.from(msg.attachments[0].content, 'base64').toString(), /THISISATEST/);
  assert.equal(msg.body.patientDemographics.lastName, 'Doe');
});

test('unknown paths and methods are not PatientDirectMessageSend', async () => {
  assert.equal((await request(`${mock.baseUrl}/Ping`, { method: 'POST', body: '{}' })).status, 404);
  assert.equal((await request(sendUrl)).status, 405);
  await sleep(1);
  assert.equal(mock.messages().length, 0);
});

// --- DirectAddressValidate ---------------------------------------------------------------

const validate = (body) => postJson(`${mock.baseUrl}/DirectAddressValidate`, body);
const withValidateAuth = (recipient, auth = DEMO_AUTH) => ({ recipient, auth: { ...auth } });

test('DirectAddressValidate: validDirectAddress true by default, false for untrusted-… local parts', async () => {
  const trusted = (await validate(withValidateAuth('dr.okafor@direct.example.org'))).json();
  assert.deepEqual(trusted, { successful: true, responseMessage: 'OK', responseCode: 2000, validDirectAddress: true });
  const untrusted = (await validate(withValidateAuth('Untrusted-Lab@direct.example.org'))).json();
  assert.equal(untrusted.successful, true);
  assert.equal(untrusted.validDirectAddress, false);
  assert.deepEqual(mock.lookups().map((l) => l.body.recipient), ['dr.okafor@direct.example.org', 'Untrusted-Lab@direct.example.org']);
  assert.equal(mock.messages().length, 0, 'a lookup is not a message');
});

test('DirectAddressValidate: auth codes, 4060 without a recipient, 4640 for a bad address, and the send hooks', async () => {
  assert.equal((await validate(withValidateAuth('a@direct.example.org', { ...DEMO_AUTH, applicationPassword: 'x' }))).json().responseCode, 4010);
  assert.equal((await validate(withValidateAuth('a@direct.example.org', { ...DEMO_AUTH, accountId: 'x' }))).json().responseCode, 4011);
  assert.equal((await validate({ auth: DEMO_AUTH })).json().responseCode, 4060);
  assert.equal((await validate(withValidateAuth('not-an-address'))).json().responseCode, 4640);
  const fail = (await validate(withValidateAuth('fail-4651@direct.example.org'))).json();
  assert.equal(fail.successful, false);
  assert.equal(fail.responseCode, 4651);
  const http = await validate(withValidateAuth('http-502@direct.example.org'));
  assert.equal(http.status, 502);
  assert.match(http.headers['content-type'], /text\/html/);
  assert.equal((await validate(withValidateAuth('malformed@direct.example.org'))).text, '<html>this is not JSON</html>');
  assert.equal((await validate(withValidateAuth('empty@direct.example.org'))).text, '');
  const started = Date.now();
  const slow = (await validate(withValidateAuth('slow-120@direct.example.org'))).json();
  assert.ok(Date.now() - started >= 110);
  assert.equal(slow.validDirectAddress, true);
});
