// updox-direct/proxy as a portal gets it: `npm pack` of pkg/, installed by name with Express,
// Hono and @hono/node-server into two small back ends (tests/consumer-server/), each run in its
// own process and sending through to the mock Updox; and `tsc --strict` on a TypeScript file
// that imports the proxy's types. Needs pkg/ (bash scripts/build.sh).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SignJWT } from 'jose';
import { startMockUpdox } from '../../server/mock-updox.mjs';
import { postJson } from '../support/http.mjs';
import { mustRun, run } from '../support/run.mjs';
import { validDemographics, validMessage } from '../support/message.mjs';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const PKG = join(ROOT, 'pkg');
const SERVER_AUTH = {
  applicationId: 'consumer-app',
  applicationPassword: 'consumer-password-Q4',
  accountId: 'consumer-account',
  userId: 'consumer-user',
};
const JWT_SECRET = 'consumer-test-secret-that-is-32-bytes-long!';
const SEND = '/api/updox/PatientDirectMessageSend';

let tmp;
let app;
let mock;
const children = [];

/** Starts `node file` in the app; resolves its base URL once it prints "listening PORT". */
function startApp(file, env) {
  const child = spawn(process.execPath, [file], {
    cwd: app,
    env: { PATH: process.env.PATH, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let output = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${file} did not start: ${output}`)), 20_000);
    const onData = (chunk) => {
      output += chunk;
      const m = /listening (\d+)/.exec(output);
      if (m) {
        clearTimeout(timer);
        resolve(`http://127.0.0.1:${m[1]}`);
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${file} exited (${code}): ${output}`));
    });
  });
}

const envFor = (extra) => ({
  UPDOX_BASE_URL: mock.baseUrl,
  UPDOX_APPLICATION_ID: SERVER_AUTH.applicationId,
  UPDOX_APPLICATION_PASSWORD: SERVER_AUTH.applicationPassword,
  UPDOX_ACCOUNT_ID: SERVER_AUTH.accountId,
  UPDOX_USER_ID: SERVER_AUTH.userId,
  ...extra,
});
const mockPosts = () => mock.requests().filter((r) => r.method === 'POST').length;

before(async () => {
  assert.ok(existsSync(join(PKG, 'proxy', 'index.mjs')), 'pkg/proxy is missing: run bash scripts/build.sh first');
  tmp = mkdtempSync(join(tmpdir(), 'updox-proxy-consumer-'));
  const packed = await mustRun('npm', ['pack', '--json', '--pack-destination', tmp], { cwd: PKG, timeout: 120_000 });
  const tarball = join(tmp, JSON.parse(packed.stdout)[0].filename);
  app = join(tmp, 'app');
  cpSync(join(ROOT, 'tests', 'consumer-server'), app, { recursive: true });
  const dev = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).devDependencies;
  const frameworks = ['express', 'hono', '@hono/node-server'].map((name) => `${name}@${dev[name]}`);
  await mustRun(
    'npm',
    ['install', '--prefer-offline', '--no-audit', '--no-fund', '--ignore-scripts', '--no-package-lock', '--loglevel=error', tarball, ...frameworks],
    { cwd: app, timeout: 180_000 },
  );
  mock = await startMockUpdox(SERVER_AUTH);
});

after(async () => {
  for (const child of children) if (child.exitCode === null) child.kill();
  await mock?.close();
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

test("`import { createUpdoxProxy } from 'updox-direct/proxy'` type-checks under tsc --strict, and wrong use does not", async () => {
  const tsc = join(ROOT, 'node_modules', '.bin', 'tsc');
  const r = await run(tsc, ['-p', join(app, 'tsconfig.json')], { cwd: app, timeout: 120_000 });
  assert.equal(r.code, 0, `tsc failed:\n${r.stdout}\n${r.stderr}`);
});

test('Express: the portal session authorizes, the message reaches Updox with the server credentials', async () => {
  const url = await startApp('express-app.mjs', envFor());
  mock.reset();
  const session = { Cookie: 'sid=session-48213' };
  const body = validMessage({ from: 'patient:48213', patientDemographics: undefined, auth: { applicationPassword: 'from-the-browser' } });
  const sent = await postJson(url + SEND, body, { ...session, 'Idempotency-Key': 'express-key-1' });
  assert.equal(sent.status, 200, sent.text);
  assert.equal(sent.json().successful, true);
  const [received] = mock.messages();
  assert.deepEqual(received.body.auth, SERVER_AUTH);
  assert.equal(received.body.from, 'patient:48213');

  const replay = await postJson(url + SEND, body, { ...session, 'Idempotency-Key': 'express-key-1' });
  assert.equal(replay.headers['idempotent-replayed'], 'true');

  const before401 = mockPosts();
  const anonymous = await postJson(url + SEND, body);
  assert.equal(anonymous.status, 401);
  assert.equal(anonymous.json().error, 'unauthorized');
  const other = await postJson(url + SEND, { ...body, from: 'patient:777' }, session);
  assert.equal(other.status, 403);
  assert.equal(other.json().error, 'sender_mismatch');
  assert.equal(mockPosts(), before401, 'neither reached Updox');

  const health = await fetch(`${url}/health`);
  assert.deepEqual(await health.json(), { ok: true }, "the portal's other routes still work (next())");
});

test('Hono (fetch handler): a JWT signs the patient in, the message reaches Updox', async () => {
  const url = await startApp('hono-app.mjs', envFor({ UPDOX_PROXY_JWT_SECRET: JWT_SECRET, UPDOX_PROXY_JWT_AUDIENCE: 'updox-direct-tests' }));
  mock.reset();
  const token = await new SignJWT({})
    .setProtectedHeader({ alg: 'HS256' })
    .setIssuedAt()
    .setAudience('updox-direct-tests')
    .setSubject('48213')
    .setExpirationTime('5m')
    .sign(new TextEncoder().encode(JWT_SECRET));
  const body = validMessage({ patientDemographics: { ...validDemographics(), patientId: '48213' } });
  const sent = await postJson(url + SEND, body, { Authorization: `Bearer ${token}`, 'Idempotency-Key': 'hono-key-1' });
  assert.equal(sent.status, 200, sent.text);
  assert.equal(sent.json().successful, true);
  assert.deepEqual(mock.messages()[0].body.auth, SERVER_AUTH);

  const anonymous = await postJson(url + SEND, body);
  assert.equal(anonymous.status, 401);
  assert.equal(anonymous.json().error, 'unauthorized');
  assert.equal(mock.messages().length, 1, 'the unauthenticated one did not reach Updox');

  const check = await postJson(`${url}/api/updox/DirectAddressValidate`, { recipient: 'untrusted-dr@direct.example.org' }, { Authorization: `Bearer ${token}` });
  assert.equal(check.status, 200, check.text);
  assert.equal(check.json().validDirectAddress, false);
});
