// Under load and on the wire: the Host allow-list (DNS rebinding), the 413 before reading far
// past the limit, the bytes-in-flight cap (503 proxy_busy before reading on), and the body
// forwarded as the bytes received with only `auth` replaced (never re-serialised).
import test, { before, after, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import http from 'node:http';
import net from 'node:net';
import { DEMO_AUTH, startMockUpdox } from '../../server/mock-updox.mjs';
import { createUpdoxProxy, startProxy } from '../../server/proxy.mjs';
import { request, sleep } from '../support/http.mjs';
import { validMessage } from '../support/message.mjs';

let mock;
const mockPosts = () => mock.requests().filter((r) => r.method === 'POST').length;
const demo = (extra = {}) => startProxy({ env: {}, baseUrl: mock.baseUrl, auth: DEMO_AUTH, demo: true, quiet: true, ...extra });
const json = (body) => ({ method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });

before(async () => {
  mock = await startMockUpdox();
});
after(() => mock.close());
beforeEach(() => mock.reset());

/** A POST with `headers` (Host included) whose body arrives as `writes` dictates; resolves the answer. */
function rawPost(url, { headers, write }) {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method: 'POST', headers, agent: false, setHost: !('Host' in headers) });
    let written = 0;
    req.on('response', (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        resolve({ status: res.statusCode, headers: res.headers, text, json: () => JSON.parse(text), writtenBefore: written });
        req.destroy();
      });
    });
    req.on('error', (err) => (err.code === 'ECONNRESET' || err.code === 'EPIPE' ? null : reject(err)));
    req.flushHeaders();
    write?.((chunk) => {
      written += chunk.length;
      return new Promise((r) => (req.write(chunk) ? r() : req.once('drain', r)));
    }, () => req.end());
  });
}

test('Host allow-list: by default the listening address and port (and localhost on loopback); others get 421, never forwarded', async () => {
  const p = await demo();
  const port = new URL(p.url).port;
  try {
    for (const host of [`127.0.0.1:${port}`, `localhost:${port}`, `LOCALHOST:${port}`]) {
      const res = await request(p.routeUrl, { ...json(validMessage()), headers: { 'Content-Type': 'application/json', Host: host } });
      assert.equal(res.status, 200, host);
    }
    assert.equal(mockPosts(), 3);
    mock.reset();
    for (const host of [`rebind.attacker.example:${port}`, 'rebind.attacker.example', `127.0.0.1:${Number(port) + 1}`, `10.0.0.7:${port}`, `127.0.0.1.attacker.example:${port}`]) {
      const res = await request(p.routeUrl, { ...json(validMessage()), headers: { 'Content-Type': 'application/json', Host: host } });
      assert.equal(res.status, 421, JSON.stringify(host));
      assert.equal(res.json().error, 'host_not_allowed');
    }
    // HTTP/1.0 allows leaving Host out: refused too.
    const body = JSON.stringify(validMessage());
    const noHost = await new Promise((resolve, reject) => {
      const socket = net.connect(Number(port), '127.0.0.1', () =>
        socket.end(`POST /api/updox/PatientDirectMessageSend HTTP/1.0\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`),
      );
      let answer = '';
      socket.on('data', (c) => (answer += c));
      socket.on('end', () => resolve(answer));
      socket.on('error', reject);
    });
    assert.match(noHost, /^HTTP\/1\.[01] 421 /);
    assert.equal(mockPosts(), 0);
  } finally {
    await p.close();
  }
});

test('Host allow-list: configurable (allowedHosts / UPDOX_PROXY_ALLOWED_HOSTS), and loopback-only for a fetch handler by default', async () => {
  const p = await demo({ env: { UPDOX_PROXY_ALLOWED_HOSTS: 'portal.example.org, api.example.org:8443' } });
  try {
    const as = (host) => request(p.routeUrl, { ...json(validMessage()), headers: { 'Content-Type': 'application/json', Host: host } });
    assert.equal((await as('portal.example.org')).status, 200);
    assert.equal((await as('portal.example.org:443')).status, 200, 'a name without a port allows any port');
    assert.equal((await as('api.example.org:8443')).status, 200);
    assert.equal((await as('api.example.org:8444')).status, 421);
    assert.equal((await as(new URL(p.url).host)).status, 421, 'the list replaces the default');
    assert.equal(mockPosts(), 3);
  } finally {
    await p.close();
  }
  mock.reset();
  const handler = createUpdoxProxy({ baseUrl: mock.baseUrl, auth: DEMO_AUTH, demo: true, quiet: true });
  try {
    const post = (url) => handler(new Request(url, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(validMessage()) }));
    assert.equal((await post('http://127.0.0.1:3000/api/updox/PatientDirectMessageSend')).status, 200);
    const rebound = await post('http://rebind.attacker.example:3000/api/updox/PatientDirectMessageSend');
    assert.equal(rebound.status, 421);
    assert.equal((await rebound.json()).error, 'host_not_allowed');
    assert.equal(mockPosts(), 1);
  } finally {
    await handler.close();
  }
});

test('requests without Origin work; allow-listed origins get Access-Control-Allow-Credentials (cookie sessions)', async () => {
  const p = await demo({ corsOrigins: ['https://portal.example'] });
  const off = await demo({ corsOrigins: ['https://portal.example'], corsCredentials: false });
  try {
    assert.equal((await request(p.routeUrl, json(validMessage()))).status, 200, 'server to server, no Origin');
    const preflight = await request(p.routeUrl, {
      method: 'OPTIONS',
      headers: { Origin: 'https://portal.example', 'Access-Control-Request-Method': 'POST', 'Access-Control-Request-Headers': 'content-type, authorization' },
    });
    assert.equal(preflight.status, 204);
    assert.equal(preflight.headers['access-control-allow-credentials'], 'true');
    assert.match(preflight.headers['access-control-allow-headers'].toLowerCase(), /authorization/);
    const post = await request(p.routeUrl, { ...json(validMessage()), headers: { 'Content-Type': 'application/json', Origin: 'https://portal.example' } });
    assert.equal(post.status, 200);
    assert.equal(post.headers['access-control-allow-origin'], 'https://portal.example');
    assert.equal(post.headers['access-control-allow-credentials'], 'true');
    const stranger = await request(p.routeUrl, { ...json(validMessage()), headers: { 'Content-Type': 'application/json', Origin: 'https://evil.example' } });
    assert.equal(stranger.status, 403);
    assert.equal(stranger.headers['access-control-allow-credentials'], undefined);
    const without = await request(off.routeUrl, { ...json(validMessage()), headers: { 'Content-Type': 'application/json', Origin: 'https://portal.example' } });
    assert.equal(without.headers['access-control-allow-credentials'], undefined, 'corsCredentials: false leaves it out');
  } finally {
    await p.close();
    await off.close();
  }
});

test('413 comes before the body is read: at once for a Content-Length over the limit, at the limit without one', async () => {
  const p = await demo({ bodyLimit: 1024 * 1024 });
  try {
    // Declares 100 MiB and sends nothing: the answer must not wait for the body.
    const declared = await rawPost(p.routeUrl, { headers: { 'Content-Type': 'application/json', 'Content-Length': String(100 * 1024 * 1024) } });
    assert.equal(declared.status, 413);
    assert.equal(declared.json().error, 'payload_too_large');
    assert.equal(declared.writtenBefore, 0);

    // Chunked: the client sends a little more than the limit and then waits (never ends).
    const chunked = await rawPost(p.routeUrl, {
      headers: { 'Content-Type': 'application/json', 'Transfer-Encoding': 'chunked' },
      write: async (write) => {
        await write(Buffer.from('{"textMessage":"'));
        for (let i = 0; i < 20; i++) await write(Buffer.alloc(64 * 1024, 0x61)); // 1.25 MiB, then silence
      },
    });
    assert.equal(chunked.status, 413);
    assert.ok(chunked.writtenBefore <= 1.25 * 1024 * 1024 + 64, 'answered without the client ending its body');
    assert.equal(mockPosts(), 0);
  } finally {
    await p.close();
  }
});

test('maxInFlightBytes: a body that would pass the cap gets 503 proxy_busy before it is read, and is never forwarded', async () => {
  const p = await demo({ maxInFlightBytes: 1024 * 1024 });
  try {
    const big = Buffer.from(JSON.stringify(validMessage({ textMessage: 'x'.repeat(700 * 1024), subject: 'held' })));
    // A: declares 700 KiB and sends half of it, then holds its place.
    let finishA;
    const aDone = rawPost(p.routeUrl, {
      headers: { 'Content-Type': 'application/json', 'Content-Length': String(big.length) },
      write: async (write, end) => {
        await write(big.subarray(0, 300 * 1024));
        await new Promise((r) => (finishA = r));
        await write(big.subarray(300 * 1024));
        end();
      },
    });
    await sleep(100);
    // B: would pass the cap: refused at once, before any of its body is sent.
    const b = await rawPost(p.routeUrl, { headers: { 'Content-Type': 'application/json', 'Content-Length': String(big.length) } });
    assert.equal(b.status, 503);
    assert.equal(b.json().error, 'proxy_busy');
    assert.equal(b.headers['retry-after'], '1');
    assert.equal(b.writtenBefore, 0);
    // C: chunked (no Content-Length): refused when its growing body passes the cap.
    const c = await rawPost(p.routeUrl, {
      headers: { 'Content-Type': 'application/json', 'Transfer-Encoding': 'chunked' },
      write: async (write) => {
        for (let i = 0; i < 12; i++) await write(Buffer.alloc(64 * 1024, 0x20));
      },
    });
    assert.equal(c.status, 503);
    assert.equal(c.json().error, 'proxy_busy');
    finishA();
    const a = await aDone;
    assert.equal(a.status, 200, a.text);
    const after = await request(p.routeUrl, json(validMessage({ subject: 'after' })));
    assert.equal(after.status, 200, 'the cap is given back when a request ends');
    assert.deepEqual(mock.messages().map((m) => m.body.subject), ['held', 'after'], 'the refused ones never reached Updox');
  } finally {
    await p.close();
  }
});

test('the body reaches Updox as the bytes received, with only the auth member replaced (never re-serialised)', async () => {
  const p = await demo();
  const server = JSON.stringify(DEMO_AUTH);
  const sha = (text) => createHash('sha256').update(text).digest('hex');
  try {
    const cases = [
      // [sent, what Updox must receive]
      ['{ "to" : "a@direct.example.org",\n  "subject":"caf\\u00e9 \u00e9",  "textMessage": "1.50E+2 \\/", "patientDemographics":{"patientId":"9","firstName":"A","lastName":"B"} }',
        `{ "to" : "a@direct.example.org",\n  "subject":"caf\\u00e9 \u00e9",  "textMessage": "1.50E+2 \\/", "patientDemographics":{"patientId":"9","firstName":"A","lastName":"B"} ,"auth":${server}}`],
      ['{"auth":{"applicationPassword":"from-browser"}, "to":"a@direct.example.org","from":"patient:9","subject":"s"}',
        `{"to":"a@direct.example.org","from":"patient:9","subject":"s","auth":${server}}`],
      ['{"to":"a@direct.example.org","from":"patient:9" , "auth" : {"x":[1,{"y":"}"}]} ,"subject":"s"}',
        `{"to":"a@direct.example.org","from":"patient:9" ,"subject":"s","auth":${server}}`],
      ['{"to":"a@direct.example.org","from":"patient:9","subject":"s","auth":null}',
        `{"to":"a@direct.example.org","from":"patient:9","subject":"s","auth":${server}}`],
    ];
    for (const [sent, expected] of cases) {
      mock.reset();
      const res = await request(p.routeUrl, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: sent });
      assert.equal(res.status, 200, res.text);
      const [got] = mock.messages();
      assert.deepEqual(got.body.auth, DEMO_AUTH);
      assert.equal(got.bodySha256, sha(expected), `forwarded bytes for ${sent}`);
    }
  } finally {
    await p.close();
  }
});
