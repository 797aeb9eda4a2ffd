// Set-up that cannot be wrong by accident: each unsafe option is refused at start with a
// sentence saying what to change, and the checks that can only be made per request (the
// origin's scheme, demo mode off loopback) refuse before anything is forwarded.
import test, { before, after } from 'node:test';
import assert from 'node:assert/strict';
import { DEMO_AUTH, startMockUpdox } from '../../server/mock-updox.mjs';
import { createUpdoxProxy, startProxy } from '../../server/proxy.mjs';
import { startDevServer } from '../../server/dev-server.mjs';
import { request } from '../support/http.mjs';
import { validMessage } from '../support/message.mjs';

let mock;
before(async () => {
  mock = await startMockUpdox();
});
after(() => mock.close());

const HS = 'an-hs256-secret-of-at-least-32-bytes!!';
const local = { baseUrl: 'http://127.0.0.1:9/api/io', auth: DEMO_AUTH, quiet: true };

test('unsafe options are refused at start, each with a sentence saying why', () => {
  const refusals = [
    [{ ...local, jwt: { secret: HS } }, /jwt\.audience is required/],
    [{ ...local, jwt: { secret: HS, audience: '' } }, /jwt\.audience is required/],
    [{ ...local, jwt: { jwksUrl: 'https://idp.example/jwks.json', audience: 'portal' } }, /jwt\.issuer is required with jwt\.jwksUrl/],
    [{ ...local, jwt: { jwksUrl: 'http://idp.example/jwks.json', issuer: 'https://idp.example/', audience: 'portal' } }, /jwksUrl must be https/],
    [{ ...local, baseUrl: 'https://updoxqa.com/api/io', demo: true }, /refusing demo mode with baseUrl on updoxqa\.com/],
    [{ ...local, baseUrl: 'http://updoxqa.com/api/io', authorize: () => null }, /baseUrl must be https/],
    [{ ...local, authorize: () => null, timeoutMs: 60000, idempotencyInFlightTtlMs: 30000 }, /idempotencyInFlightTtlMs \(30000\) must be at least timeoutMs \(60000\)/],
    [{ ...local, authorize: () => null, idempotencyTtlMs: 10 * 60 * 1000 }, /idempotencyTtlMs must be at least .*24 hours/],
    [{ ...local, authorize: () => null, redisUrl: 'redis://127.0.0.1:9' }, /serverSecret is required with redisUrl/],
    [{ ...local, authorize: () => null, redisUrl: 'redis://127.0.0.1:9', serverSecret: 'short' }, /serverSecret must be a string of at least 32 bytes/],
  ];
  for (const [options, why] of refusals) assert.throws(() => createUpdoxProxy(options), why, JSON.stringify(options.jwt ?? options.baseUrl));
  // What is accepted: https JWKS with issuer and audience, a loopback JWKS for development.
  for (const jwt of [
    { jwksUrl: 'https://idp.example/jwks.json', issuer: 'https://idp.example/', audience: 'portal' },
    { jwksUrl: 'http://127.0.0.1:9/jwks.json', issuer: 'dev', audience: ['portal', 'portal-beta'] },
  ]) {
    createUpdoxProxy({ ...local, jwt }).close();
  }
});

test('demo mode only on a loopback listener: the runner, the dev server and a non-loopback socket refuse', async () => {
  await assert.rejects(startProxy({ env: {}, ...local, baseUrl: mock.baseUrl, demo: true, host: '0.0.0.0' }), /refusing demo mode on 0\.0\.0\.0/);
  await assert.rejects(startDevServer({ env: {}, quiet: true, host: '0.0.0.0' }), /refusing demo mode on 0\.0\.0\.0/);
  const handler = createUpdoxProxy({ ...local, baseUrl: mock.baseUrl, demo: true, allowedHosts: ['*'] });
  try {
    // A fetch handler told it arrived on a public address (behind a platform's listener).
    const res = await handler(
      new Request('http://portal.example/api/updox/PatientDirectMessageSend', {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', Host: 'portal.example' },
        body: JSON.stringify(validMessage()),
      }),
      { local: { address: '203.0.113.7', port: 80, defaultPort: 80 } },
    );
    assert.equal(res.status, 403);
    assert.equal((await res.json()).error, 'demo_not_local');
    assert.equal(mock.messages().length, 0);
  } finally {
    await handler.close();
  }
});

test('the same-origin check includes the scheme: a cleartext page of a public host is refused', async () => {
  const p = await startProxy({ env: {}, ...local, baseUrl: mock.baseUrl, demo: true, allowedHosts: ['portal.example', '127.0.0.1'] });
  try {
    const post = (origin, host) =>
      request(p.routeUrl, { method: 'POST', headers: { 'Content-Type': 'application/json', Origin: origin, Host: host }, body: JSON.stringify(validMessage()) });
    const cleartext = await post('http://portal.example', 'portal.example');
    assert.equal(cleartext.status, 403);
    assert.equal(cleartext.json().error, 'origin_not_allowed');
    assert.equal((await post('https://portal.example', 'portal.example')).status, 200, 'the https page (TLS ended in front)');
    assert.equal((await post('https://portal.example:8443', 'portal.example')).status, 403, 'another port is another origin');
    const port = new URL(p.url).port;
    assert.equal((await post(`http://127.0.0.1:${port}`, `127.0.0.1:${port}`)).status, 200, 'plain http on loopback (development)');
    assert.equal(mock.messages().length, 2);
  } finally {
    await p.close();
    mock.reset();
  }
});
