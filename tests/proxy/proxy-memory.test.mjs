// Memory is bounded by construction: the standalone proxy, run with a 256 MB heap, is sent
// bodies built to make a JSON reader keep a record per member or per nesting level (30 MB
// each, three at once): it answers 400 to each and keeps serving.
import test from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import http from 'node:http';
import { fileURLToPath } from 'node:url';
import { postJson } from '../support/http.mjs';
import { validMessage } from '../support/message.mjs';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const MiB = 1024 * 1024;

/** Starts `node --max-old-space-size=256 server/proxy.mjs` in demo mode; resolves {routeUrl, child, exited}. */
function startSmallProxy() {
  const child = spawn(process.execPath, ['--max-old-space-size=256', 'server/proxy.mjs'], {
    cwd: ROOT,
    env: { PATH: process.env.PATH, PORT: '0', UPDOX_PROXY_DEMO: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal, output })));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`proxy did not start: ${output}`)), 30000);
    const onData = (chunk) => {
      output += chunk;
      const m = /updox-direct proxy: (http:\/\/\S+)/.exec(output);
      if (m) {
        clearTimeout(timer);
        resolve({ routeUrl: m[1], child, exited });
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    exited.then(({ code, signal }) => reject(new Error(`proxy exited (${code ?? signal}): ${output}`)));
  });
}

/** POSTs a Buffer; resolves {status, json}. */
function postBuffer(url, body) {
  return new Promise((resolve, reject) => {
    const req = http.request(url, {
      method: 'POST',
      agent: false,
      headers: { 'Content-Type': 'application/json', 'Content-Length': body.length },
    });
    req.on('response', (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode, json: JSON.parse(Buffer.concat(chunks).toString('utf8') || 'null') }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** `{"<name>":0, ...}` of about `bytes`, as one top-level object (or inside `to` when nested). */
function manyMembers(bytes, nested) {
  const member = Buffer.from('"a":0,');
  const count = Math.floor((bytes - 64) / member.length);
  const head = Buffer.from(nested ? '{"to":{' : '{');
  const tail = Buffer.from(nested ? '"a":0}}' : '"a":0}');
  const body = Buffer.alloc(head.length + count * member.length + tail.length);
  head.copy(body, 0);
  for (let i = 0; i < count; i++) member.copy(body, head.length + i * member.length);
  tail.copy(body, head.length + count * member.length);
  return body;
}

/** `{"to":[[[[…` of about `bytes`, never closed. */
function deepNesting(bytes) {
  const body = Buffer.alloc(bytes, 0x5b);
  Buffer.from('{"to":').copy(body, 0);
  return body;
}

test('many members and deep nesting, 30 MB each, three at once, under a 256 MB heap: 400, and the proxy keeps serving', async () => {
  const proxy = await startSmallProxy();
  try {
    const size = 29 * MiB;
    const rounds = [
      ['many top-level members', () => manyMembers(size, false)],
      ['many nested members', () => manyMembers(size, true)],
      ['deep nesting', () => deepNesting(size)],
    ];
    for (const [name, make] of rounds) {
      const bodies = [make(), make(), make()];
      const answers = await Promise.all(bodies.map((b) => postBuffer(proxy.routeUrl, b)));
      for (const a of answers) {
        assert.equal(a.status, 400, `${name}: ${JSON.stringify(a.json)}`);
        assert.match(a.json.error, /^invalid_(request|json)$/, name);
      }
      const ok = await postJson(proxy.routeUrl, validMessage(), { 'Idempotency-Key': `memory-${name.replace(/ /g, '-')}` });
      assert.equal(ok.status, 200, `${name}: still serving`);
      assert.equal(proxy.child.exitCode, null, `${name}: still running`);
    }
  } finally {
    proxy.child.kill('SIGTERM');
    await proxy.exited;
  }
});
