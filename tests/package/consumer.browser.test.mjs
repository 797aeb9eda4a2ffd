// The package as a customer gets it: `npm pack` of pkg/, installed by name into a small
// Vite + TypeScript app (tests/consumer/), type-checked with `tsc --strict`, built with
// `vite build`, served on loopback with the reference proxy and the mock Updox, and run in
// each browser engine. Also the CDN-style path: the unpacked tarball served as static files
// and imported from a plain <script type="module">. Needs pkg/ (bash scripts/build.sh).
//
//   node --test --test-concurrency=1 --test-reporter=spec tests/package/consumer.browser.test.mjs
//
// vite and typescript are devDependencies of the repository; the temporary app gets only
// the tarball installed and runs the repository's node_modules/.bin/{tsc,vite}.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { selectedEngines } from '../support/engines.mjs';
import { startFront } from '../support/front.mjs';
import { mustRun, run } from '../support/run.mjs';
import { useServers } from '../support/servers.mjs';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const PKG = join(ROOT, 'pkg');
const BIN = join(ROOT, 'node_modules', '.bin');
const TEST_TIMEOUT = 60_000;
const PROXY_PATH = '/api/updox/PatientDirectMessageSend';

const sha256 = (bytes) => createHash('sha256').update(bytes).digest('hex');

const tmp = mkdtempSync(join(tmpdir(), 'updox-consumer-')); // everything this test writes
const app = join(tmp, 'app'); // the temporary copy of tests/consumer
const site = join(tmp, 'site'); // what the loopback server serves: www/ (the Vite build + the CDN page), pkg/
let tarball;

before(async () => {
  for (const file of ['package.json', 'updox_direct.js', 'updox_direct_bg.wasm']) {
    assert.ok(existsSync(join(PKG, file)), `pkg/${file} is missing: run bash scripts/build.sh first`);
  }
  for (const bin of ['tsc', 'vite']) {
    assert.ok(existsSync(join(BIN, bin)), `node_modules/.bin/${bin} is missing: run npm install`);
  }
  const packed = await mustRun('npm', ['pack', '--json', '--pack-destination', tmp], { cwd: PKG });
  tarball = join(tmp, JSON.parse(packed.stdout)[0].filename);

  cpSync(join(ROOT, 'tests', 'consumer'), app, {
    recursive: true,
    filter: (src) => !/[\\/](node_modules|dist)$/.test(src),
  });
  await mustRun(
    'npm',
    ['install', '--no-audit', '--no-fund', '--ignore-scripts', '--no-package-lock', '--loglevel=error', tarball],
    { cwd: app, timeout: 120_000 },
  );

  mkdirSync(join(site, 'pkg'), { recursive: true });
  await mustRun('tar', ['-xzf', tarball, '-C', join(site, 'pkg'), '--strip-components=1']);
});

after(() => {
  rmSync(tmp, { recursive: true, force: true });
});


test('the tarball installs into the app by name', () => {
  const installed = JSON.parse(readFileSync(join(app, 'node_modules', 'updox-direct', 'package.json'), 'utf8'));
  const built = JSON.parse(readFileSync(join(PKG, 'package.json'), 'utf8'));
  assert.equal(installed.name, 'updox-direct');
  assert.equal(installed.version, built.version);
  const deps = JSON.parse(readFileSync(join(app, 'package.json'), 'utf8')).dependencies;
  assert.match(deps['updox-direct'], /^file:.*\.tgz$/);
});

test('tsc --strict --noEmit accepts the app', { timeout: TEST_TIMEOUT }, async () => {
  const r = await run(join(BIN, 'tsc'), ['-p', 'tsconfig.json', '--strict', '--noEmit'], { cwd: app });
  assert.equal(r.code, 0, `tsc reported errors:\n${r.stdout}${r.stderr}`);
});

test('tsc --strict rejects a misspelt message field, option, rule id and locale', { timeout: TEST_TIMEOUT }, async () => {
  const r = await run(join(BIN, 'tsc'), ['-p', 'tsconfig.misspelt.json', '--strict', '--noEmit'], { cwd: app });
  const out = r.stdout + r.stderr;
  assert.notEqual(r.code, 0, 'tsc accepted typecheck-fail/misspelt.ts');
  assert.match(out, /misspelt\.ts\(\d+,\d+\): error TS\d+: .*'textMesage' does not exist in type 'PatientDirectMessage'/);
  assert.match(out, /misspelt\.ts\(\d+,\d+\): error TS\d+: .*'proxyURL' does not exist in type 'SendOptions'/);
  assert.match(out, /misspelt\.ts\(\d+,\d+\): error TS\d+: .*'+to\.invalidd'+ does not exist in type 'Partial<Record<RuleId, string>>'/);
  assert.match(out, /misspelt\.ts\(\d+,\d+\): error TS\d+: .*'"sp"' is not assignable to type 'Locale/);
  assert.equal(out.match(/error TS\d+/g).length, 4, `unexpected errors:\n${out}`);
});

test('vite build bundles the glue and emits the wasm as an asset', { timeout: TEST_TIMEOUT }, async () => {
  await mustRun(join(BIN, 'vite'), ['build', '--logLevel', 'warn'], { cwd: app });
  const assets = readdirSync(join(app, 'dist', 'assets'));
  const wasm = assets.filter((f) => f.endsWith('.wasm'));
  assert.equal(wasm.length, 1, `expected one .wasm asset, got ${assets.join(', ')}`);
  assert.equal(
    sha256(readFileSync(join(app, 'dist', 'assets', wasm[0]))),
    sha256(readFileSync(join(PKG, 'updox_direct_bg.wasm'))),
    'the emitted wasm differs from pkg/updox_direct_bg.wasm',
  );
  const js = assets.filter((f) => f.endsWith('.js'));
  assert.ok(
    js.some((f) => readFileSync(join(app, 'dist', 'assets', f), 'utf8').includes(wasm[0])),
    'no bundle refers to the emitted wasm',
  );
  // The Spanish sentences are a chunk of their own, loaded only when asked for.
  const spanish = js.filter((f) => readFileSync(join(app, 'dist', 'assets', f), 'utf8').includes('Escriba la dirección Direct'));
  assert.equal(spanish.length, 1, `expected one chunk with the Spanish sentences, got ${spanish.join(', ')}`);
  assert.ok(!readFileSync(join(app, 'dist', 'assets', spanish[0]), 'utf8').includes(wasm[0]), 'Spanish is bundled into the main chunk');

  // The site: the build at /, the CDN-style page at /cdn/, the unpacked package at /pkg/.
  cpSync(join(app, 'dist'), join(site, 'www'), { recursive: true });
  cpSync(join(app, 'cdn'), join(site, 'www', 'cdn'), { recursive: true });
});

for (const engineName of selectedEngines()) describe(engineName, () => {
// The loopback server (the site, the reference proxy and the mock Updox; env {}: the proxy
// talks to the mock with its demo credentials, whatever the shell has) behind a front that
// records what the browser fetched.
const servers = useServers({ dev: { root: site }, front: true, engine: engineName });

/** The loopback server, its mock Updox reset, once the site is built. */
async function serve() {
  assert.ok(existsSync(join(site, 'www', 'index.html')), 'the vite build did not run');
  servers.dev.mock.reset();
  return servers.front;
}

/** Opens `path`, waits for the page to finish, returns {outcome, logs, wasmTypes, csp}. */
async function runPage(path) {
  const { url, log } = await serve();
  const mark = log.length;
  const page = await servers.engine.newPage(new URL(path, url).href);
  try {
    await page.waitFor(() => document.body.dataset.state !== 'loading', { timeout: 30_000 });
    const outcome = JSON.parse(await page.evaluate(() => document.getElementById('result').textContent));
    const fetched = log.slice(mark);
    const failed = fetched.filter((r) => r.status >= 400).map((r) => `${r.status} ${r.path}`);
    assert.deepEqual(failed, [], 'requests failed');
    const wasmTypes = fetched.filter((r) => r.path.endsWith('.wasm')).map((r) => r.responseHeaders?.['content-type']);
    const csp = fetched.find((r) => r.path === new URL(path, url).pathname)?.responseHeaders?.['content-security-policy'] ?? '';
    return { outcome, logs: await page.consoleEntries(), wasmTypes, csp };
  } finally {
    await page.close();
  }
}

test('the built app sends a message with a File through the proxy to the mock', { timeout: TEST_TIMEOUT }, async () => {
  const { outcome, logs, wasmTypes, csp } = await runPage('/');
  assert.match(csp, /script-src 'self' 'wasm-unsafe-eval'/, 'the page should run under the strict CSP');
  assert.deepEqual(logs, [], 'the page logged to the console');
  assert.deepEqual(wasmTypes, ['application/wasm']);
  assert.equal(outcome.ok, true, `the send failed: ${JSON.stringify(outcome.error ?? outcome)}`);

  const { checks, result } = outcome;
  assert.deepEqual(checks.validIssues, []);
  assert.equal(checks.invalidAddressIssue?.code, 4640);
  assert.equal(checks.isValidDirectAddress, true);
  assert.equal(checks.rejectedWithUpdoxError, true, 'a bundled app must see UpdoxError via instanceof');
  assert.equal(checks.rejectedKind, 'validation');
  // Spanish from a bundled app: the send loaded the locale module itself.
  assert.equal(checks.rejectedRule, 'to.invalid');
  assert.match(checks.rejectedMessage, /^La dirección Direct del destinatario no es válida\./);
  assert.equal(checks.spanishIssue?.rule, 'to.invalid');
  assert.equal(checks.spanishIssue?.message, checks.rejectedMessage);
  assert.equal(checks.customIssue?.message, 'Revise la dirección.');
  assert.ok(checks.knownCodes > 10);
  assert.equal(checks.maxAttachments, 20);
  assert.deepEqual(checks.phases.at(-1), 'done');

  const messages = servers.dev.mock.messages();
  assert.equal(messages.length, 1, 'the mock should have received exactly the one valid message');
  const [m] = messages;
  assert.equal(result.responseCode, 2000);
  assert.equal(result.sender, 'patientDemographics');
  assert.equal(result.messageId, m.messageId);
  assert.equal(result.patientDirectAddress, m.response.patientDirectAddress);
  assert.equal(m.body.to, 'care-team@direct.example-clinic.org');
  assert.equal(m.body.subject, 'Blood pressure log');
  assert.equal(m.body.patientDemographics.gender, 'F', 'gender should be normalised to upper case');
  assert.equal(m.body.from ?? null, null);
  assert.ok(m.body.auth, 'the proxy should have added the credentials');
  assert.equal(m.attachments.length, 1);
  assert.equal(m.attachments[0].fileName, 'bp-log.txt');
  assert.equal(m.attachments[0].mimeType, 'text/plain');
  assert.equal(
    Buffer.from(m.attachments[0].content, 'base64').toString('utf8'),
    'Blood pressure log, week 47: 128/82, 131/85, 125/80\n',
  );
});

test('CDN-style: a plain module page imports the unpacked package and sends', { timeout: TEST_TIMEOUT }, async () => {
  const { outcome, logs, wasmTypes } = await runPage('/cdn/');
  // No deprecation warning from init({module_or_path}), no MIME-type fallback warning.
  assert.deepEqual(logs, [], 'the page logged to the console');
  assert.deepEqual(wasmTypes, ['application/wasm']);
  assert.equal(outcome.ok, true, `the send failed: ${JSON.stringify(outcome)}`);
  assert.equal(outcome.result.sender, 'from');

  const messages = servers.dev.mock.messages();
  assert.equal(messages.length, 1);
  const [m] = messages;
  assert.equal(outcome.result.messageId, m.messageId);
  assert.equal(m.body.from, 'patient:48213');
  assert.equal(m.body.patientDemographics ?? null, null);
  assert.equal(m.attachments.length, 1);
  assert.equal(m.attachments[0].fileName, 'insurance-card.png');
  assert.equal(m.attachments[0].mimeType, 'image/png');
  assert.deepEqual(
    [...Buffer.from(m.attachments[0].content, 'base64')],
    [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 255],
  );
});

test('vite dev serves the package and loads its wasm without configuration', { timeout: TEST_TIMEOUT }, async () => {
  await serve(); // for the browser
  const vite = spawn(join(BIN, 'vite'), ['--host', '127.0.0.1', '--port', '0', '--clearScreen', 'false'], {
    cwd: app,
    env: { ...process.env, NO_COLOR: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let page;
  let front;
  try {
    let printed = '';
    const url = await new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`vite dev did not start:\n${printed}`)), 20_000);
      const read = (chunk) => {
        printed += chunk;
        const m = /http:\/\/127\.0\.0\.1:\d+\//.exec(printed);
        if (m) {
          clearTimeout(timer);
          resolve(m[0]);
        }
      };
      vite.stdout.on('data', read);
      vite.stderr.on('data', read);
      vite.once('exit', (code) => reject(new Error(`vite dev exited (${code}):\n${printed}`)));
    });
    // A front records what the browser fetched from vite.
    front = await startFront(url);
    page = await servers.engine.newPage(front.url);
    await page.waitFor(() => document.body.dataset.state !== 'loading', { timeout: 30_000 });
    const outcome = JSON.parse(await page.evaluate(() => document.getElementById('result').textContent));
    const wasm = front.log.filter((r) => r.path.endsWith('.wasm')).map((r) => `${r.status} ${r.responseHeaders?.['content-type']}`);
    assert.deepEqual(wasm, ['200 application/wasm']);
    // The wasm ran (validation answered); the send itself fails: vite dev has no proxy.
    assert.deepEqual(outcome.checks?.validIssues, [], JSON.stringify(outcome));
    assert.equal(outcome.checks.rejectedWithUpdoxError, true);
    assert.equal(outcome.error?.kind, 'http');
  } finally {
    await page?.close();
    await front?.close();
    vite.kill();
  }
});
});
