// The reference proxy: replaces browser credentials with the server's, relays Updox's
// answers unchanged, reports its own failures as JSON, keeps CORS closed unless told, and
// logs nothing from the message.
import test, { before, after, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import { DEMO_AUTH, startMockUpdox } from '../../server/mock-updox.mjs';
import { startProxy } from '../../server/proxy.mjs';
import { freePort, postJson, request } from '../support/http.mjs';
import { validMessage } from '../support/message.mjs';

const SERVER_AUTH = {
  applicationId: 'server-app',
  applicationPassword: 'server-password-Z9',
  accountId: 'server-account',
  userId: 'server-user',
};
const ENV = {
  UPDOX_APPLICATION_ID: SERVER_AUTH.applicationId,
  UPDOX_APPLICATION_PASSWORD: SERVER_AUTH.applicationPassword,
  UPDOX_ACCOUNT_ID: SERVER_AUTH.accountId,
  UPDOX_USER_ID: SERVER_AUTH.userId,
};

let mock;
let proxy;
const logLines = [];
const post = (body, headers) => postJson(proxy.routeUrl, body, headers);
const mockPosts = () => mock.requests().filter((r) => r.method === 'POST').length;

function assertJsonError(res, status, code) {
  assert.equal(res.status, status);
  assert.match(res.headers['content-type'], /^application\/json/);
  const body = res.json();
  assert.equal(body.error, code);
  assert.equal(typeof body.message, 'string');
  assert.ok(body.message.length > 10, 'a plain-English message');
  assert.deepEqual(Object.keys(body).sort(), ['error', 'message']);
}

before(async () => {
  mock = await startMockUpdox(SERVER_AUTH);
  proxy = await startProxy({ env: { ...ENV, UPDOX_BASE_URL: mock.baseUrl }, demo: true, log: (line) => logLines.push(line) });
});
after(async () => {
  await proxy.close();
  await mock.close();
});
beforeEach(() => mock.reset());

test('strips the auth block a browser sent and adds the server credentials from env', async () => {
  const body = validMessage({
    auth: { applicationId: 'browser-app', applicationPassword: 'browser-secret', accountId: 'b', userId: 'b' },
  });
  const res = await post(body);
  assert.equal(res.status, 200);
  assert.equal(res.json().responseCode, 2000, 'the mock accepted the server credentials');
  const [msg] = mock.messages();
  assert.deepEqual(msg.body.auth, SERVER_AUTH);
  assert.doesNotMatch(JSON.stringify(msg.body), /browser-secret|browser-app/);
  assert.equal(msg.body.subject, body.subject);
  assert.deepEqual(msg.body.patientDemographics, body.patientDemographics);
});

test('a page that sends no auth block gets the server credentials too', async () => {
  const res = await post(validMessage());
  assert.equal(res.json().successful, true);
  assert.deepEqual(mock.messages()[0].body.auth, SERVER_AUTH);
  assert.equal(res.headers['cache-control'], 'no-store');
});

test('415 for anything but application/json, and nothing reaches Updox', async () => {
  const text = await request(proxy.routeUrl, {
    method: 'POST',
    headers: { 'Content-Type': 'text/plain' },
    body: JSON.stringify(validMessage()),
  });
  assertJsonError(text, 415, 'unsupported_media_type');
  const none = await request(proxy.routeUrl, { method: 'POST', body: JSON.stringify(validMessage()) });
  assertJsonError(none, 415, 'unsupported_media_type');
  const withCharset = await request(proxy.routeUrl, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json; charset=utf-8' },
    body: JSON.stringify(validMessage()),
  });
  assert.equal(withCharset.status, 200);
  assert.equal(mockPosts(), 1);
});

test('413 above the default 30 MiB body limit; just under it is forwarded', async () => {
  const limit = 30 * 1024 * 1024;
  const filler = (n) => JSON.stringify(validMessage({ textMessage: 'x'.repeat(n) }));
  const overhead = filler(0).length;
  const over = await request(proxy.routeUrl, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: filler(limit - overhead + 1),
  });
  assertJsonError(over, 413, 'payload_too_large');
  assert.equal(mockPosts(), 0);
  const at = await request(proxy.routeUrl, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: filler(limit - overhead),
  });
  assert.equal(at.status, 200);
  assert.equal(mockPosts(), 1);
});

test('400 for a body that is not a JSON object; 405 for other methods', async () => {
  for (const body of ['{"to": "a@b.c"', '[]', '"text"', 'null', '']) {
    const res = await request(proxy.routeUrl, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body });
    assertJsonError(res, 400, 'invalid_json');
  }
  const get = await request(proxy.routeUrl);
  assertJsonError(get, 405, 'method_not_allowed');
  assert.match(get.headers.allow, /POST/);
  assert.equal(mockPosts(), 0);
});

test('502 with a JSON error when Updox refuses the connection', async () => {
  const port = await freePort();
  const dead = await startProxy({ env: {}, auth: DEMO_AUTH, demo: true, baseUrl: `http://127.0.0.1:${port}/api/io`, quiet: true });
  try {
    const res = await postJson(dead.routeUrl, validMessage());
    assertJsonError(res, 502, 'upstream_unreachable');
  } finally {
    await dead.close();
  }
});

test('504 with a JSON error when Updox does not answer in time', async () => {
  const slowMock = await startMockUpdox(SERVER_AUTH); // closed below, with its pending answer
  const slow = await startProxy({ env: { ...ENV, UPDOX_UPSTREAM_TIMEOUT_MS: '150' }, demo: true, baseUrl: slowMock.baseUrl, quiet: true });
  try {
    const started = Date.now();
    const res = await postJson(slow.routeUrl, validMessage({ to: 'slow-20000@direct.example.org' }), {});
    assertJsonError(res, 504, 'upstream_timeout');
    // Updox answers after 20 s: far enough that a loaded machine cannot blur the two.
    assert.ok(Date.now() - started < 10_000, 'answered at the timeout, not when Updox did');
  } finally {
    await slow.close();
    await slowMock.close();
  }
});

test("Updox's own failures pass through unchanged (status and body)", async () => {
  const headers = { 'Content-Type': 'application/json' };
  for (const to of ['fail-4650@direct.example.org', 'fail-4010@direct.example.org', 'not-an-address',
    'malformed@direct.example.org', 'inconsistent@direct.example.org', 'http-503@direct.example.org',
    'http-500@direct.example.org', 'empty@direct.example.org']) {
    const viaProxy = await post(validMessage({ to }));
    const direct = await postJson(`${mock.baseUrl}/PatientDirectMessageSend`, { ...validMessage({ to }), auth: SERVER_AUTH }, headers);
    assert.equal(viaProxy.status, direct.status, to);
    assert.equal(viaProxy.text, direct.text, to);
    assert.equal(viaProxy.headers['content-type'], direct.headers['content-type'], to);
  }
  const reason = (await post(validMessage({ to: 'fail-4650@direct.example.org' }))).json();
  assert.equal(reason.responseCode, 4650);
  assert.equal(typeof reason.reason, 'string');
  assert.equal(mock.messages().length, 0);
});

test('same-origin by default: no CORS headers, foreign origins refused', async () => {
  const foreign = await request(proxy.routeUrl, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Origin: 'https://evil.example' },
    body: JSON.stringify(validMessage()),
  });
  assertJsonError(foreign, 403, 'origin_not_allowed');
  assert.equal(foreign.headers['access-control-allow-origin'], undefined);
  const preflight = await request(proxy.routeUrl, {
    method: 'OPTIONS',
    headers: { Origin: 'https://evil.example', 'Access-Control-Request-Method': 'POST' },
  });
  assert.equal(preflight.headers['access-control-allow-origin'], undefined);
  assert.equal(preflight.headers['access-control-allow-headers'], undefined);
  assert.equal(mockPosts(), 0);

  const same = await request(proxy.routeUrl, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Origin: proxy.url },
    body: JSON.stringify(validMessage()),
  });
  assert.equal(same.status, 200);
  assert.equal(same.headers['access-control-allow-origin'], undefined);
});

test('an explicit CORS allow-list (UPDOX_PROXY_CORS_ORIGINS) opens the route to those origins only', async () => {
  const cors = await startProxy({
    env: { ...ENV, UPDOX_PROXY_CORS_ORIGINS: 'https://portal.example, https://other.example' },
    baseUrl: mock.baseUrl,
    demo: true,
    quiet: true,
  });
  try {
    const preflight = await request(cors.routeUrl, {
      method: 'OPTIONS',
      headers: {
        Origin: 'https://portal.example',
        'Access-Control-Request-Method': 'POST',
        'Access-Control-Request-Headers': 'content-type, idempotency-key',
      },
    });
    assert.equal(preflight.status, 204);
    assert.equal(preflight.headers['access-control-allow-origin'], 'https://portal.example');
    assert.match(preflight.headers['access-control-allow-methods'], /POST/);
    const allowedHeaders = preflight.headers['access-control-allow-headers'].toLowerCase();
    for (const h of ['content-type', 'idempotency-key', 'x-csrf-token']) assert.ok(allowedHeaders.includes(h), h);

    const post2 = await request(cors.routeUrl, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Origin: 'https://other.example' },
      body: JSON.stringify(validMessage()),
    });
    assert.equal(post2.status, 200);
    assert.equal(post2.headers['access-control-allow-origin'], 'https://other.example');
    assert.match(post2.headers.vary, /Origin/);
    assert.match(post2.headers['access-control-expose-headers'], /Idempotent-Replayed/);

    const stranger = await request(cors.routeUrl, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Origin: 'https://portal.example.evil.example' },
      body: JSON.stringify(validMessage()),
    });
    assertJsonError(stranger, 403, 'origin_not_allowed');
    assert.equal(stranger.headers['access-control-allow-origin'], undefined);
    assert.equal(mock.messages().length, 1);
  } finally {
    await cors.close();
  }
});

test('one audit line per request: method, path, status, request id, patient, outcome class, messageId, size, duration; no PHI', async () => {
  logLines.length = 0;
  const phi = {
    first: 'Zephyrine',
    last: 'Quackenbush',
    to: 'zephyrine.q+chart@direct.clinic-example.org',
    subject: 'Biopsy results for Zephyrine',
    text: 'The lump in the left breast',
    key: 'idem-key-5c1c3e2d-TOPSECRET',
    password: 'browser-pass-77',
    file: 'pathology-report-zq.pdf',
  };
  const body = validMessage({
    to: phi.to,
    subject: phi.subject,
    textMessage: phi.text,
    attachments: [{ content: Buffer.from('pathology text').toString('base64'), mimeType: 'application/pdf', fileName: phi.file }],
    patientDemographics: { ...validMessage().patientDemographics, firstName: phi.first, lastName: phi.last, emailAddress: 'zq@mail.example' },
    auth: { applicationPassword: phi.password },
  });
  assert.equal((await post(body, { 'Idempotency-Key': phi.key })).status, 200);
  await post(body, { 'Idempotency-Key': phi.key }); // replayed
  await post({ ...body, to: 'fail-4650@direct.example.org' });
  await request(proxy.routeUrl, { method: 'POST', headers: { 'Content-Type': 'text/plain' }, body: JSON.stringify(body) });
  assert.equal(logLines.length, 4, 'one line per request');
  const line =
    /^\S+Z proxy POST \/api\/updox\/PatientDirectMessageSend (200|415) id=[0-9a-f-]{36} patient=(demo|-) outcome=[a-z-]+ messageId=(\d+|-) in=\d+B out=\d+B \d+\.\dms( replayed)?$/;
  for (const l of logLines) assert.match(l, line);
  assert.match(logLines[0], / outcome=forwarded-final messageId=\d+ /);
  assert.match(logLines[1], / outcome=replayed .* replayed$/);
  assert.match(logLines[2], / outcome=forwarded-final messageId=- /, 'a final failure: no messageId');
  assert.match(logLines[3], / 415 .* outcome=refused /);
  const all = logLines.join('\n');
  for (const secret of [...Object.values(phi), 'zq@mail.example', ...Object.values(SERVER_AUTH), 'fail-4650']) {
    assert.ok(!all.toLowerCase().includes(secret.toLowerCase()), `log leaks ${secret}`);
  }
});
