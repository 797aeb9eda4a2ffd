// The proxy binds every send to an authenticated patient and rate-limits per patient: JWTs
// (HS256 secret, RS256/ES256 JWKS), the authorize() hook, sender binding, refusal to start
// without authentication, demo mode, and rate limits (memory and Redis). Every refusal is
// checked to have reached nothing at the mock Updox.
import test, { before, after, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import http from 'node:http';
import { fileURLToPath } from 'node:url';
import { SignJWT, exportJWK, generateKeyPair } from 'jose';
import { DEMO_AUTH, startMockUpdox } from '../../server/mock-updox.mjs';
import { createUpdoxProxy, startProxy } from '../../server/proxy.mjs';
import { resolveConfig, DEMO_RATE_LIMITS, DEFAULT_RATE_LIMITS } from '../../server/proxy/config.mjs';
import { postJson } from '../support/http.mjs';
import { validDemographics, validMessage } from '../support/message.mjs';
import { hasRedisServer, startRedis } from '../support/redis.mjs';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const SECRET = 'an-hs256-secret-of-at-least-32-bytes!!';
const PATIENT = '48213';
const AUDIENCE = 'portal-under-test';
const ISSUER = 'https://idp.example/';

let mock;
const mockPosts = () => mock.requests().filter((r) => r.method === 'POST').length;
const base = () => ({ env: {}, baseUrl: mock.baseUrl, auth: DEMO_AUTH, quiet: true });

before(async () => {
  mock = await startMockUpdox();
});
after(() => mock.close());
beforeEach(() => mock.reset());

const encoder = new TextEncoder();
/** A JWT; `claims` may set sub, exp (seconds from now, or null for none), alg, key. */
async function token({ sub = PATIENT, exp = 300, alg = 'HS256', key = encoder.encode(SECRET), kid, aud = AUDIENCE, iss = ISSUER } = {}) {
  const jwt = new SignJWT({}).setProtectedHeader(kid ? { alg, kid } : { alg }).setIssuedAt();
  if (aud !== null) jwt.setAudience(aud);
  if (iss !== null) jwt.setIssuer(iss);
  if (sub !== null) jwt.setSubject(sub);
  if (exp !== null) jwt.setExpirationTime(Math.floor(Date.now() / 1000) + exp);
  return jwt.sign(key);
}
const b64url = (value) => Buffer.from(JSON.stringify(value)).toString('base64url');
const bearer = (t) => ({ Authorization: `Bearer ${t}` });
const fromPatient = (id = PATIENT, extra = {}) => validMessage({ from: `patient:${id}`, patientDemographics: undefined, ...extra });

function assertRefused(res, status, code) {
  assert.equal(res.status, status, res.text);
  assert.equal(res.json().error, code);
}

test('the library refuses to start without authentication (unless demo: true) or without credentials', () => {
  const noAuth = { baseUrl: 'http://127.0.0.1:9/api/io', auth: DEMO_AUTH };
  assert.throws(() => createUpdoxProxy(noAuth), /refusing to start without patient authentication: pass authorize/);
  assert.throws(() => createUpdoxProxy({ ...noAuth, authorize: () => null, auth: undefined }), /auth needs the Updox credentials/);
  assert.throws(() => createUpdoxProxy({ ...noAuth, jwt: { secret: 'short' } }), /at least 32 bytes/);
  assert.throws(() => createUpdoxProxy({ ...noAuth, jwt: { secret: SECRET, audience: AUDIENCE }, authorize: () => null }), /either authorize or jwt/);
  const demo = createUpdoxProxy({ ...noAuth, demo: true, quiet: true });
  assert.equal(demo.demo, true);
  return demo.close();
});

/** Runs `node server/proxy.mjs` with `env`; resolves {code, output} when it exits or prints its URL. */
function runner(env) {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['server/proxy.mjs'], {
      cwd: ROOT,
      env: { PATH: process.env.PATH, PORT: '0', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    const onData = (chunk) => {
      output += chunk;
      if (/updox-direct proxy: http/.test(output)) child.kill('SIGTERM');
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    const timer = setTimeout(() => child.kill('SIGKILL'), 20000);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}

test('the standalone runner refuses to start without a JWT setting or UPDOX_PROXY_DEMO=1, saying why', async () => {
  const refused = await runner({});
  assert.equal(refused.code, 1);
  assert.match(refused.output, /refusing to start without patient authentication.*UPDOX_PROXY_JWT_SECRET/s);
  const demo = await runner({ UPDOX_PROXY_DEMO: '1' });
  assert.match(demo.output, /DEMO MODE.*senders are not bound/s, 'demo mode warns');
  assert.match(demo.output, /updox-direct proxy: http:\/\/127\.0\.0\.1:\d+\/api\/updox\/PatientDirectMessageSend/);
  const noAudience = await runner({ UPDOX_PROXY_JWT_SECRET: SECRET });
  assert.equal(noAudience.code, 1);
  assert.match(noAudience.output, /jwt\.audience is required/);
  const jwt = await runner({ UPDOX_PROXY_JWT_SECRET: SECRET, UPDOX_PROXY_JWT_AUDIENCE: AUDIENCE });
  assert.match(jwt.output, /updox-direct proxy: http/);
  assert.doesNotMatch(jwt.output, /DEMO MODE/);
});

test('JWT (HS256): a valid token sends; missing, malformed, expired, wrongly signed, alg none, no exp or no sub: 401, nothing forwarded', async () => {
  const p = await startProxy({ ...base(), jwt: { secret: SECRET, audience: AUDIENCE } });
  try {
    const ok = await postJson(p.routeUrl, fromPatient(), bearer(await token()));
    assert.equal(ok.status, 200, ok.text);
    assert.equal(mock.messages().length, 1);
    mock.reset();

    const none = `${b64url({ alg: 'none', typ: 'JWT' })}.${b64url({ sub: PATIENT, exp: Math.floor(Date.now() / 1000) + 300 })}.`;
    const refusals = {
      missing: {},
      'not bearer': { Authorization: `Basic ${Buffer.from('a:b').toString('base64')}` },
      malformed: bearer('not.a.jwt'),
      garbage: bearer('abc'),
      expired: bearer(await token({ exp: -60 })),
      'wrong secret': bearer(await token({ key: encoder.encode('another-secret-of-at-least-32-bytes!!') })),
      'alg none': bearer(none),
      'alg none with a signature part': bearer(`${none}e30`),
      'no exp': bearer(await token({ exp: null })),
      'no sub': bearer(await token({ sub: null })),
      'sub not a patient ID': bearer(await token({ sub: 'has space' })),
      'minted for another application': bearer(await token({ aud: 'another-app' })),
      'no aud': bearer(await token({ aud: null })),
      'a 100-year exp': bearer(await token({ exp: 100 * 365 * 24 * 3600 })),
    };
    for (const [name, headers] of Object.entries(refusals)) {
      const res = await postJson(p.routeUrl, fromPatient(), headers);
      assert.equal(res.status, 401, name);
      assert.deepEqual(Object.keys(res.json()).sort(), ['error', 'message'], name);
      assert.equal(res.json().error, 'unauthorized', name);
    }
    assert.equal(mockPosts(), 0, 'no refused request reached Updox');
  } finally {
    await p.close();
  }
});

test('JWT (JWKS): RS256 and ES256 tokens of the published keys send; other keys and an HS256 token using the public key: 401', async () => {
  const rsa = await generateKeyPair('RS256');
  const ec = await generateKeyPair('ES256');
  const stranger = await generateKeyPair('ES256');
  const keys = [
    { ...(await exportJWK(rsa.publicKey)), kid: 'rsa', alg: 'RS256', use: 'sig' },
    { ...(await exportJWK(ec.publicKey)), kid: 'ec', alg: 'ES256', use: 'sig' },
  ];
  const jwks = http.createServer((req, res) => {
    res.writeHead(200, { 'Content-Type': 'application/json' });
    res.end(JSON.stringify({ keys }));
  });
  await new Promise((r) => jwks.listen(0, '127.0.0.1', r));
  const p = await startProxy({ ...base(), jwt: { jwksUrl: `http://127.0.0.1:${jwks.address().port}/jwks.json`, issuer: ISSUER, audience: AUDIENCE } });
  try {
    for (const [alg, key, kid] of [['RS256', rsa.privateKey, 'rsa'], ['ES256', ec.privateKey, 'ec']]) {
      const res = await postJson(p.routeUrl, fromPatient(), bearer(await token({ alg, key, kid })));
      assert.equal(res.status, 200, `${alg}: ${res.text}`);
    }
    assert.equal(mock.messages().length, 2);
    mock.reset();
    const forged = [
      await token({ alg: 'ES256', key: stranger.privateKey, kid: 'ec' }),
      await token({ alg: 'ES256', key: stranger.privateKey }),
      await token({ alg: 'HS256', key: encoder.encode(JSON.stringify(keys[1])) }),
    ];
    for (const t of forged) assertRefused(await postJson(p.routeUrl, fromPatient(), bearer(t)), 401, 'unauthorized');
    assert.equal(mockPosts(), 0);
  } finally {
    await p.close();
    await new Promise((r) => jwks.close(r));
  }
});

test('sender binding: only the signed-in patient can be the sender (403 sender_mismatch, never forwarded)', async () => {
  const p = await startProxy({ ...base(), jwt: { secret: SECRET, audience: AUDIENCE } });
  const auth = bearer(await token());
  const demographics = (patientId) => ({ ...validDemographics(), patientId });
  try {
    const accepted = [
      fromPatient(),
      validMessage({ patientDemographics: demographics(PATIENT) }),
      validMessage({ from: null, patientDemographics: demographics(PATIENT) }),
    ];
    for (const body of accepted) assert.equal((await postJson(p.routeUrl, body, auth)).status, 200, JSON.stringify(body));
    assert.equal(mock.messages().length, accepted.length);
    mock.reset();

    const mismatched = {
      'another from': fromPatient('99999'),
      'a look-alike from': fromPatient(`${PATIENT} `),
      'another demographics patientId': validMessage({ patientDemographics: demographics('99999') }),
      'a number as patientId': validMessage({ patientDemographics: demographics(Number(PATIENT)) }),
      'demographics without patientId': validMessage({ patientDemographics: { ...validDemographics(), patientId: undefined } }),
      'from not a string': validMessage({ from: 48213, patientDemographics: undefined }),
    };
    for (const [name, body] of Object.entries(mismatched)) {
      assertRefused(await postJson(p.routeUrl, body, auth), 403, 'sender_mismatch');
      assert.equal(mockPosts(), 0, name);
    }
    // Exactly one sender, and only the members a message has: 400 with the member's path.
    const shapes = {
      'from right, demographics wrong': [validMessage({ from: `patient:${PATIENT}`, patientDemographics: demographics('99999') }), 'patientDemographics'],
      'from wrong, demographics right': [validMessage({ from: 'patient:99999', patientDemographics: demographics(PATIENT) }), 'patientDemographics'],
      'both right': [validMessage({ from: `patient:${PATIENT}`, patientDemographics: demographics(PATIENT) }), 'patientDemographics'],
      'no sender': [validMessage({ patientDemographics: undefined }), 'from'],
      'demographics not an object': [validMessage({ patientDemographics: 'x' }), 'patientDemographics'],
      'an unknown member': [{ ...fromPatient(), cc: 'x@direct.example.org' }, 'cc'],
      'an unknown demographics member': [validMessage({ patientDemographics: { ...demographics(PATIENT), ssn: '000-00-0000' } }), 'patientDemographics.ssn'],
    };
    for (const [name, [body, path]] of Object.entries(shapes)) {
      const res = await postJson(p.routeUrl, body, auth);
      assertRefused(res, 400, 'invalid_request');
      assert.equal(res.json().path, path, name);
      assert.equal(mockPosts(), 0, name);
    }
    for (const raw of [
      `{"to":"a@direct.example.org","from":"patient:${PATIENT}","__proto__":{"from":"patient:99999"}}`,
      `{"to":"a@direct.example.org","patientDemographics":{"patientId":"${PATIENT}","__proto__":{"patientId":"99999"}}}`,
    ]) {
      const res = await fetch(p.routeUrl, { method: 'POST', headers: { 'Content-Type': 'application/json', ...auth }, body: raw });
      assert.equal(res.status, 400, raw);
      assert.match((await res.json()).path, /__proto__$/);
    }
    // Bytes that two JSON readers could read differently are refused outright.
    const ambiguous = [
      `{"to":"a@direct.example.org","from":"patient:${PATIENT}","from":"patient:99999"}`,
      `{"to":"a@direct.example.org","from":"patient:${PATIENT}","From":"patient:99999"}`,
      `{"to":"a@direct.example.org","from":"patient:${PATIENT}","auth":{},"AUTH":{}}`,
      `{"to":"a@direct.example.org","patientDemographics":{"patientId":"${PATIENT}","patientID":"99999"}}`,
    ];
    for (const raw of ambiguous) {
      const res = await fetch(p.routeUrl, { method: 'POST', headers: { 'Content-Type': 'application/json', ...auth }, body: raw });
      assert.equal(res.status, 400, raw);
      assert.equal((await res.json()).error, 'invalid_request', raw);
    }
    assert.equal(mock.messages().length, 0);
  } finally {
    await p.close();
  }
});

test('authorize(request, context): its patient is used (keys are scoped by the patient, not a session); a refusal or a throw is 401', async () => {
  const seen = [];
  const p = await startProxy({
    ...base(),
    authorize: (request, context) => {
      seen.push({ hasBody: request.body !== null, node: Boolean(context?.req) });
      const who = request.headers.get('x-test-session');
      if (who === 'boom') throw new Error('session store down');
      return who ? { patientId: who.split('/')[0], scope: who } : null;
    },
  });
  try {
    const key = { 'Idempotency-Key': 'authorize-key-1' };
    const a = await postJson(p.routeUrl, fromPatient(), { ...key, 'X-Test-Session': `${PATIENT}/tab-1` });
    assert.equal(a.status, 200);
    assert.deepEqual(seen[0], { hasBody: false, node: true }, 'the hook sees headers, not the body, and the Node req');
    const sameScope = await postJson(p.routeUrl, fromPatient(), { ...key, 'X-Test-Session': `${PATIENT}/tab-1` });
    assert.equal(sameScope.headers['idempotent-replayed'], 'true');
    const otherScope = await postJson(p.routeUrl, fromPatient(), { ...key, 'X-Test-Session': `${PATIENT}/tab-2` });
    assert.equal(otherScope.headers['idempotent-replayed'], 'true', 'another session of the same patient finds the key');
    assert.equal(mock.messages().length, 1);
    mock.reset();
    assertRefused(await postJson(p.routeUrl, fromPatient()), 401, 'unauthorized');
    assertRefused(await postJson(p.routeUrl, fromPatient(), { 'X-Test-Session': 'boom' }), 401, 'unauthorized');
    assertRefused(await postJson(p.routeUrl, fromPatient(), { 'X-Test-Session': '99999/x' }), 403, 'sender_mismatch');
    assert.equal(mockPosts(), 0);
  } finally {
    await p.close();
  }
});

test('rate limits per patient: 429 rate_limited with Retry-After, never forwarded; other patients unaffected', async () => {
  const p = await startProxy({ ...base(), jwt: { secret: SECRET, audience: AUDIENCE }, rateLimit: { send: { points: 2, duration: 60 } } });
  try {
    const mine = bearer(await token());
    for (let i = 0; i < 2; i++) assert.equal((await postJson(p.routeUrl, fromPatient(), mine)).status, 200);
    const limited = await postJson(p.routeUrl, fromPatient(), mine);
    assertRefused(limited, 429, 'rate_limited');
    const retryAfter = Number(limited.headers['retry-after']);
    assert.ok(retryAfter >= 1 && retryAfter <= 60, `Retry-After ${limited.headers['retry-after']}`);
    assert.equal(mock.messages().length, 2, 'the third never reached Updox');
    const other = await postJson(p.routeUrl, fromPatient('55555'), bearer(await token({ sub: '55555' })));
    assert.equal(other.status, 200, 'another patient has a budget of their own');
  } finally {
    await p.close();
  }
});

test('demo mode keeps the limiter on, with a high limit; defaults are generous for a person', async () => {
  const config = resolveConfig({ baseUrl: mock.baseUrl, auth: DEMO_AUTH, demo: true, quiet: true });
  assert.deepEqual(config.rateLimits, DEMO_RATE_LIMITS);
  assert.ok(DEMO_RATE_LIMITS.send.points / DEMO_RATE_LIMITS.send.duration >= 1000);
  assert.ok(DEFAULT_RATE_LIMITS.send.points >= 60 && DEFAULT_RATE_LIMITS.send.duration <= 3600);
  const p = await startProxy({ ...base(), demo: true, rateLimit: { send: { points: 1, duration: 60 } } });
  try {
    assert.equal((await postJson(p.routeUrl, validMessage())).status, 200);
    assertRefused(await postJson(p.routeUrl, validMessage()), 429, 'rate_limited');
    assert.equal(mock.messages().length, 1);
  } finally {
    await p.close();
  }
});

test('rate limits are shared through Redis when Redis is configured', { skip: !hasRedisServer() && 'no redis-server' }, async () => {
  const redis = await startRedis();
  const options = { ...base(), jwt: { secret: SECRET, audience: AUDIENCE }, redisUrl: redis.url, serverSecret: 'rate-limit-test-server-secret-0123456789', rateLimit: { send: { points: 2, duration: 60 } } };
  const [a, b] = [await startProxy(options), await startProxy(options)];
  try {
    const mine = bearer(await token());
    assert.equal((await postJson(a.routeUrl, fromPatient(), mine)).status, 200);
    assert.equal((await postJson(b.routeUrl, fromPatient(), mine)).status, 200);
    assertRefused(await postJson(a.routeUrl, fromPatient(), mine), 429, 'rate_limited');
    assertRefused(await postJson(b.routeUrl, fromPatient(), mine), 429, 'rate_limited');
    assert.equal(mock.messages().length, 2);
  } finally {
    await a.close();
    await b.close();
    await redis.stop();
  }
});
