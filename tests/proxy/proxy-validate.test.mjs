// The proxy's second route, POST /api/updox/DirectAddressValidate: {"recipient": address}
// only, the server's auth added, the patient authenticated and rate-limited, answers cached
// per scope and recipient; and no Updox method but the two is reachable through the proxy.
import test, { before, after, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import { SignJWT } from 'jose';
import { DEMO_AUTH, startMockUpdox } from '../../server/mock-updox.mjs';
import { startProxy } from '../../server/proxy.mjs';
import { postJson, request, sleep } from '../support/http.mjs';
import { validMessage } from '../support/message.mjs';

const SECRET = 'validate-test-secret-of-at-least-32-bytes';
let mock;
let proxy;
const logLines = [];
const lookups = () => mock.requests().filter((r) => r.path.endsWith('/DirectAddressValidate')).length;
const token = (sub) =>
  new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).setIssuedAt().setAudience('updox-direct-tests').setSubject(sub).setExpirationTime('5m').sign(new TextEncoder().encode(SECRET));
let alice;
let bob;

before(async () => {
  mock = await startMockUpdox();
  proxy = await startProxy({
    env: {},
    baseUrl: mock.baseUrl,
    auth: DEMO_AUTH,
    jwt: { secret: SECRET, audience: 'updox-direct-tests' },
    rateLimit: { validate: { points: 40, duration: 60 } },
    log: (line) => logLines.push(line),
  });
  alice = { Authorization: `Bearer ${await token('alice-1')}` };
  bob = { Authorization: `Bearer ${await token('bob-2')}` };
});
after(async () => {
  await proxy.close();
  await mock.close();
});
beforeEach(() => mock.reset());

const check = (recipient, headers = alice, url = proxy.validateUrl) => postJson(url, { recipient }, headers);

test('a trusted and an untrusted recipient: Updox’s answer passes through; the server’s auth is added', async () => {
  const trusted = await check('dr.okafor@Direct.Example-Clinic.org');
  assert.equal(trusted.status, 200, trusted.text);
  assert.equal(trusted.json().successful, true);
  assert.equal(trusted.json().validDirectAddress, true);
  const untrusted = await check('untrusted-lab@direct.example.org');
  assert.equal(untrusted.json().validDirectAddress, false);
  const sent = mock.lookups();
  assert.equal(sent.length, 2);
  assert.deepEqual(Object.keys(sent[0].body).sort(), ['auth', 'recipient']);
  assert.deepEqual(sent[0].body.auth, DEMO_AUTH);
  assert.equal(sent[0].body.recipient, 'dr.okafor@direct.example-clinic.org', 'the domain is lower-cased');
});

test('the body must be exactly {"recipient": "<Direct address>"}: anything else is refused and not forwarded', async () => {
  const refused = [
    [{}, 'invalid_request'],
    [{ recipient: 42 }, 'invalid_request'],
    [{ recipient: 'not an address' }, 'invalid_request'],
    [{ recipient: 'a@localhost' }, 'invalid_request'],
    [{ recipient: 'a@direct.example.org', auth: { applicationPassword: 'browser' } }, 'invalid_request'],
    [{ recipient: 'a@direct.example.org', includeLoA: true }, 'invalid_request'],
    [{ Recipient: 'a@direct.example.org' }, 'invalid_request'],
    [['a@direct.example.org'], 'invalid_json'],
  ];
  for (const [body, code] of refused) {
    const res = await postJson(proxy.validateUrl, body, alice);
    assert.equal(res.status, 400, JSON.stringify(body));
    assert.equal(res.json().error, code, JSON.stringify(body));
  }
  for (const raw of ['{"recipient":"a@direct.example.org"', 'null', '']) {
    const res = await request(proxy.validateUrl, { method: 'POST', headers: { 'Content-Type': 'application/json', ...alice }, body: raw });
    assert.equal(res.json().error, 'invalid_json', raw);
  }
  const big = await request(proxy.validateUrl, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', ...alice },
    body: JSON.stringify({ recipient: `${'a'.repeat(5000)}@direct.example.org` }),
  });
  assert.equal(big.status, 413);
  const text = await request(proxy.validateUrl, { method: 'POST', headers: { 'Content-Type': 'text/plain', ...alice }, body: '{"recipient":"a@direct.example.org"}' });
  assert.equal(text.status, 415);
  assert.equal((await request(proxy.validateUrl, { headers: alice })).status, 405);
  assert.equal(lookups(), 0, 'none reached Updox');
});

test('cached per scope and recipient: a repeat does not reach Updox; another patient, or after the TTL, does', async () => {
  const a1 = await check('cache-me@direct.example.org');
  const a2 = await check('cache-me@DIRECT.example.org');
  assert.equal(a2.text, a1.text);
  assert.equal(lookups(), 1, 'the second was answered from the cache');
  assert.equal((await check('cache-me@direct.example.org', bob)).status, 200);
  assert.equal(lookups(), 2, 'another patient’s lookup is their own');

  // Concurrent lookups of one address share one Updox call; failures are not cached.
  mock.reset();
  const same = await Promise.all([1, 2, 3].map(() => check('slow-150@direct.example.org')));
  assert.ok(same.every((r) => r.status === 200 && r.json().validDirectAddress === true));
  assert.equal(lookups(), 1);
  for (let i = 0; i < 2; i++) assert.equal((await check('fail-5000@direct.example.org')).json().responseCode, 5000);
  assert.equal((await check('http-503@direct.example.org')).status, 503);
  assert.equal((await check('http-503@direct.example.org')).status, 503);
  assert.equal(lookups(), 5, 'failures go to Updox each time');

  const short = await startProxy({ env: {}, baseUrl: mock.baseUrl, auth: DEMO_AUTH, demo: true, quiet: true, validateCacheTtlMs: 100 });
  try {
    mock.reset();
    await check('ttl@direct.example.org', {}, short.validateUrl);
    await check('ttl@direct.example.org', {}, short.validateUrl);
    assert.equal(lookups(), 1);
    await sleep(150);
    await check('ttl@direct.example.org', {}, short.validateUrl);
    assert.equal(lookups(), 2, 'expired: asked again');
  } finally {
    await short.close();
  }
});

test('same authentication and rate limit as sends: 401 and 429 never reach Updox', async () => {
  const anonymous = await postJson(proxy.validateUrl, { recipient: 'a@direct.example.org' });
  assert.equal(anonymous.status, 401);
  const limited = await startProxy({
    env: {},
    baseUrl: mock.baseUrl,
    auth: DEMO_AUTH,
    jwt: { secret: SECRET, audience: 'updox-direct-tests' },
    rateLimit: { validate: { points: 2, duration: 60 } },
    quiet: true,
  });
  try {
    for (const n of [1, 2]) assert.equal((await check(`n${n}@direct.example.org`, alice, limited.validateUrl)).status, 200);
    const third = await check('n3@direct.example.org', alice, limited.validateUrl);
    assert.equal(third.status, 429);
    assert.equal(third.json().error, 'rate_limited');
    assert.ok(Number(third.headers['retry-after']) >= 1);
    const send = await postJson(limited.routeUrl, validMessage({ from: 'patient:alice-1', patientDemographics: undefined }), alice);
    assert.equal(send.status, 200, 'sends have their own budget');
  } finally {
    await limited.close();
  }
  assert.equal(lookups(), 2);
});

test('only PatientDirectMessageSend and DirectAddressValidate are reachable: other paths are 404, nothing reaches Updox', async () => {
  const paths = [
    '/api/updox/DirectMessageSend',
    '/api/updox/DirectSimpleSend',
    '/api/updox/Ping',
    '/api/updox/PatientDirectMessageSend/../DirectMessageSend',
    '/api/updox/PatientDirectMessageSend/',
    '/api/updox/directaddressvalidate',
    '/api/updox/DirectAddressValidate/x',
    '/api/updox/%2e%2e/io/PingWithAuth',
    '/api/updox/PatientDirectMessageSend%2f..%2fDirectMessageSend',
    '/api/io/MessageRetrieve',
    '/',
  ];
  for (const path of paths) {
    const res = await request(`${proxy.url}${path}`, { method: 'POST', headers: { 'Content-Type': 'application/json', ...alice }, body: '{}' });
    assert.equal(res.status, 404, path);
    assert.equal(res.json().error, 'not_found', path);
  }
  assert.equal(mock.requests().length, 0);
  await postJson(proxy.routeUrl, validMessage({ from: 'patient:alice-1', patientDemographics: undefined }), alice);
  await check('x@direct.example.org');
  assert.deepEqual([...new Set(mock.requests().map((r) => r.path))].sort(), ['/api/io/DirectAddressValidate', '/api/io/PatientDirectMessageSend']);
});

test('the route path is configurable, and its log lines carry no address', async () => {
  logLines.length = 0;
  await check('zebulon.quartermaine@direct.example.org');
  assert.equal(logLines.length, 1);
  assert.match(
    logLines[0],
    /^\S+Z proxy POST \/api\/updox\/DirectAddressValidate 200 id=[0-9a-f-]{36} patient=[0-9a-f]{16} outcome=lookup messageId=- in=\d+B out=\d+B \d+\.\dms$/,
  );
  await check('zebulon.quartermaine@direct.example.org');
  assert.match(logLines[1], / cached$/);
  assert.doesNotMatch(logLines.join('\n'), /zebulon|quartermaine/i);

  const custom = await startProxy({ env: {}, baseUrl: mock.baseUrl, auth: DEMO_AUTH, demo: true, quiet: true, validatePath: '/portal/check-recipient' });
  try {
    assert.equal(custom.validateUrl, `${custom.url}/portal/check-recipient`);
    assert.equal((await check('y@direct.example.org', {}, custom.validateUrl)).json().validDirectAddress, true);
    assert.equal((await check('y@direct.example.org', {}, `${custom.url}/api/updox/DirectAddressValidate`)).status, 404);
  } finally {
    await custom.close();
  }
});
