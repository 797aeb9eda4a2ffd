// The dev server (`npm start`): static page and package with the right types and security
// headers, no way out of its folders, and the proxy route wired to the mock Updox.
import test, { before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CONTENT_SECURITY_POLICY, resolveStaticPath, startDevServer } from '../../server/dev-server.mjs';
import { postJson, request } from '../support/http.mjs';
import { validMessage } from '../support/message.mjs';

let root;
let dev;
const WASM = Buffer.from([0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00]);

before(async () => {
  root = mkdtempSync(join(tmpdir(), 'updox-dev-'));
  mkdirSync(join(root, 'www'));
  mkdirSync(join(root, 'pkg'));
  writeFileSync(join(root, 'www', 'index.html'), '<!doctype html><title>demo</title>');
  writeFileSync(join(root, 'www', 'app.js'), 'export {};');
  writeFileSync(join(root, 'pkg', 'updox_direct.js'), 'export default 1;');
  writeFileSync(join(root, 'pkg', 'updox_direct_bg.wasm'), WASM);
  writeFileSync(join(root, 'secret.txt'), 'TOP-SECRET');
  dev = await startDevServer({ root, env: {}, quiet: true });
});
after(async () => {
  await dev.close();
  rmSync(root, { recursive: true, force: true });
});

test('serves the page at / with a strict CSP and the security headers', async () => {
  const res = await request(dev.url);
  assert.equal(res.status, 200);
  assert.match(res.headers['content-type'], /^text\/html/);
  assert.equal(res.headers['content-security-policy'], CONTENT_SECURITY_POLICY);
  assert.match(CONTENT_SECURITY_POLICY, /script-src 'self' 'wasm-unsafe-eval';/);
  assert.match(CONTENT_SECURITY_POLICY, /frame-ancestors 'none'/);
  assert.equal(res.headers['x-content-type-options'], 'nosniff');
  assert.equal(res.headers['referrer-policy'], 'no-referrer');
  assert.equal(res.headers['cache-control'], 'no-store');
  assert.match(res.text, /<title>demo<\/title>/);
  assert.match(dev.url, /^http:\/\/127\.0\.0\.1:\d+\/$/);
});

test('serves www/ and pkg/ with the right Content-Type (application/wasm for .wasm)', async () => {
  const js = await request(new URL('app.js', dev.url));
  assert.match(js.headers['content-type'], /^text\/javascript/);
  const pkgJs = await request(new URL('pkg/updox_direct.js', dev.url));
  assert.equal(pkgJs.status, 200);
  assert.match(pkgJs.headers['content-type'], /^text\/javascript/);
  const wasm = await request(new URL('pkg/updox_direct_bg.wasm', dev.url));
  assert.equal(wasm.status, 200);
  assert.equal(wasm.headers['content-type'], 'application/wasm');
  assert.equal(Number(wasm.headers['content-length']), WASM.length);
  const head = await request(new URL('pkg/updox_direct.js', dev.url), { method: 'HEAD' });
  assert.equal(head.status, 200);
  assert.equal(head.text, '');
});

test('404 for missing files and no directory traversal', async () => {
  assert.equal((await request(new URL('nope.js', dev.url))).status, 404);
  assert.equal((await request(new URL('pkg/nope.wasm', dev.url))).status, 404);
  for (const path of ['/../secret.txt', '/%2e%2e/secret.txt', '/pkg/..%2fsecret.txt', '/pkg/%2e%2e%2f%2e%2e%2fsecret.txt',
    '/..%5csecret.txt', '/%00', '/%E0%A4%A']) {
    const res = await request(`${dev.url.slice(0, -1)}${path}`);
    assert.ok(res.status === 404 || res.status === 400, `${path} -> ${res.status}`);
    assert.doesNotMatch(res.text, /TOP-SECRET/);
  }
  assert.equal(resolveStaticPath('/srv/www', '/', '/a/../../x'), null);
  assert.equal(resolveStaticPath('/srv/www', '/', '/a/b.js'), '/srv/www/a/b.js');
  assert.equal((await request(dev.url, { method: 'POST', body: 'x' })).status, 405);
});

test('the proxy route forwards to the mock Updox with the server credentials', async () => {
  const res = await postJson(dev.proxyUrl, { ...validMessage(), auth: { applicationPassword: 'from-browser' } });
  assert.equal(res.status, 200);
  const answer = res.json();
  assert.equal(answer.successful, true);
  const [msg] = dev.mock.messages();
  assert.equal(msg.messageId, answer.messageId);
  assert.equal(msg.body.auth.applicationId, 'demo-app');
  assert.doesNotMatch(JSON.stringify(msg.body), /from-browser/);
  assert.match(dev.mockUrl, /^http:\/\/127\.0\.0\.1:\d+\/api\/io$/);
  dev.mock.reset();
  assert.equal(dev.mock.messages().length, 0);
});
