// Updox's inbound_mdn webhook at the proxy: only the right token (and, when configured, an
// allowed address) reaches it; a duplicate changes nothing; an unknown message is
// acknowledged and dropped; a token under 128 bits is refused at start. With two instances
// on one Redis, a webhook received by one is seen through the other.
import test, { after, before, describe } from 'node:test';
import assert from 'node:assert/strict';
import { DEMO_AUTH, startMockUpdox } from '../../server/mock-updox.mjs';
import { createUpdoxProxy, startProxy } from '../../server/proxy.mjs';
import { postJson, request } from '../support/http.mjs';
import { validMessageFrom } from '../support/message.mjs';
import { hasRedisServer, startRedis } from '../support/redis.mjs';

const TOKEN = 'c2a1f0e9d8b7a6958473625140f1e2d3'; // 128 bits of hex
const START = Date.parse('2026-03-02T09:00:00Z');
let clock = START;
const now = () => clock;

const authorize = (request) => {
  const patient = request.headers.get('x-patient');
  return patient ? { patientId: patient } : null;
};
const as = (patient) => ({ 'X-Patient': patient });

let mock;
before(async () => {
  // MDNs far in the future: here they come only through the webhook.
  mock = await startMockUpdox({ now, mdnDelayMs: 1e9, env: {} });
});
after(() => mock.close());

const options = (extra = {}) => ({ env: {}, baseUrl: mock.baseUrl, auth: DEMO_AUTH, authorize, now, quiet: true, ...extra });

async function send(proxy, local, patient = 'p-1') {
  const res = await postJson(proxy.routeUrl, validMessageFrom(patient, { to: `${local}@direct.example.org` }), as(patient));
  assert.equal(res.status, 200, res.text);
  return res.json().messageId;
}

async function status(proxy, messageId, patient = 'p-1') {
  const res = await postJson(proxy.deliveryUrl, { messageId }, as(patient));
  assert.equal(res.status, 200, res.text);
  return res.json();
}

test('a webhook token under 128 bits, or not a token, is refused at start', () => {
  const base = { baseUrl: 'http://127.0.0.1:9/api/io', auth: DEMO_AUTH, authorize, quiet: true };
  for (const token of ['short', 'a'.repeat(31), 'f'.repeat(24), 'has spaces in it and is long enough', '']) {
    assert.throws(() => createUpdoxProxy({ ...base, webhookToken: token }), /webhookToken must be a random token of at least 128 bits/, token);
  }
  assert.throws(() => createUpdoxProxy({ ...base, webhookAllowedIps: ['not-an-ip'] }), /webhookAllowedIps/);
  const ok = createUpdoxProxy({ ...base, webhookToken: TOKEN, webhookAllowedIps: ['127.0.0.1', '10.0.0.0/8', '::1'] });
  assert.equal(ok.webhookPath, `/api/updox/webhooks/inbound_mdn/${TOKEN}`);
  return ok.close();
});

describe('one instance', () => {
  let proxy;
  const lines = [];
  before(async () => {
    proxy = await startProxy(options({ webhookToken: TOKEN, quiet: false, log: (line) => lines.push(line) }));
  });
  after(() => proxy.close());

  test('a wrong token is 404 and changes nothing; the right one records the MDN', async () => {
    const id = await send(proxy, 'mdn-none-w1');
    const before = await status(proxy, id);
    const base = proxy.webhookUrl.slice(0, -TOKEN.length);
    for (const wrong of [`${TOKEN.slice(0, -1)}0`, TOKEN.toUpperCase(), '', `${TOKEN}/x`, TOKEN.slice(1)]) {
      const res = await postJson(base + wrong, { messageId: id, mdnStatus: 'dispatched' });
      assert.equal(res.status, 404, wrong);
      assert.equal(res.json().error, 'not_found');
    }
    clock += 60000; // past the cached answer's life too
    assert.deepEqual(await status(proxy, id), before, 'nothing changed');
    const ok = await postJson(proxy.webhookUrl, { messageId: id, mdnStatus: 'dispatched' });
    assert.equal(ok.status, 200);
    assert.equal((await status(proxy, id)).state, 'delivered');
    assert.ok(lines.every((line) => !line.includes(TOKEN)), 'the token is never logged');
  });

  test('a duplicate webhook changes nothing', async () => {
    const id = await send(proxy, 'mdn-none-w2');
    assert.equal((await postJson(proxy.webhookUrl, { messageId: id, mdnStatus: 'processed' })).status, 200);
    const first = await status(proxy, id);
    assert.equal(first.state, 'received');
    clock += 5000;
    const again = await postJson(proxy.webhookUrl, { messageId: id, mdnStatus: 'PROCESSED' });
    assert.equal(again.status, 200, 'acknowledged');
    clock += 60000; // past the cached answer's life: what is stored is what is answered
    assert.deepEqual(await status(proxy, id), first, 'same state, events and times');
  });

  test('an unknown messageId is acknowledged and dropped; a malformed body is 400', async () => {
    const unknown = await postJson(proxy.webhookUrl, { messageId: 987654321, mdnStatus: 'dispatched' });
    assert.equal(unknown.status, 200);
    // Were it kept, a message sent later with that id would start delivered.
    assert.equal((await postJson(proxy.deliveryUrl, { messageId: 987654321 }, as('p-1'))).status, 404);
    for (const body of [{ messageId: 1 }, { mdnStatus: 'dispatched' }, { messageId: -1, mdnStatus: 'failed' }, { messageId: 1, mdnStatus: 'opened' }]) {
      assert.equal((await postJson(proxy.webhookUrl, body)).status, 400, JSON.stringify(body));
    }
    assert.equal((await request(proxy.webhookUrl, { method: 'POST', body: 'not json', headers: { 'Content-Type': 'application/json' } })).status, 400);
  });

  test('the webhook needs no patient session, and the status route ignores webhook tokens', async () => {
    const id = await send(proxy, 'mdn-none-w3');
    const res = await postJson(proxy.webhookUrl, { messageId: id, mdnStatus: 'failed' });
    assert.equal(res.status, 200);
    const answer = await status(proxy, id);
    assert.equal(answer.state, 'failed');
    assert.equal(answer.final, true);
  });
});

test('without webhookToken there is no webhook route', async () => {
  const proxy = await startProxy(options());
  try {
    assert.equal(proxy.webhookUrl, null);
    const res = await postJson(`${proxy.url}/api/updox/webhooks/inbound_mdn/${TOKEN}`, { messageId: 1, mdnStatus: 'dispatched' });
    assert.equal(res.status, 404);
  } finally {
    await proxy.close();
  }
});

test('webhookAllowedIps: a caller outside the list gets 404 and changes nothing', async () => {
  const closed = await startProxy(options({ webhookToken: TOKEN, webhookAllowedIps: ['10.0.0.0/8'] }));
  const open = await startProxy(options({ webhookToken: TOKEN, webhookAllowedIps: ['10.0.0.0/8', '127.0.0.0/8'] }));
  try {
    const id = await send(closed, 'mdn-none-w4');
    assert.equal((await postJson(closed.webhookUrl, { messageId: id, mdnStatus: 'dispatched' })).status, 404);
    assert.equal((await status(closed, id)).state, 'sent');
    const id2 = await send(open, 'mdn-none-w5');
    assert.equal((await postJson(open.webhookUrl, { messageId: id2, mdnStatus: 'dispatched' })).status, 200);
    assert.equal((await status(open, id2)).state, 'delivered');
  } finally {
    await closed.close();
    await open.close();
  }
});

describe('two instances on one Redis', { skip: !hasRedisServer() && 'redis-server is not installed' }, () => {
  let redis;
  let a;
  let b;
  before(async () => {
    redis = await startRedis();
    // Instances that share a store share the server secret too.
    const shared = { redisUrl: redis.url, webhookToken: TOKEN, serverSecret: 'delivery-test-server-secret-0123456789abcdef' };
    a = await startProxy(options(shared));
    b = await startProxy(options(shared));
    await Promise.all([a.handler.ready, b.handler.ready]);
  });
  after(async () => {
    await a?.close();
    await b?.close();
    await redis?.stop();
  });

  test('a message sent through one is known to the other; a webhook received by one is seen through the other', async () => {
    const id = await send(a, 'mdn-none-r1');
    const viaA = await status(a, id);
    assert.equal(viaA.state, 'sent', 'and now cached in Redis');
    assert.deepEqual(await status(b, id), viaA);
    assert.equal((await postJson(b.webhookUrl, { messageId: id, mdnStatus: 'processed' })).status, 200);
    assert.equal((await status(a, id)).state, 'received', "b's webhook dropped the cached answer a would have used");
    assert.equal((await postJson(a.webhookUrl, { messageId: id, mdnStatus: 'dispatched' })).status, 200);
    const delivered = await status(b, id);
    assert.equal(delivered.state, 'delivered');
    assert.deepEqual(
      delivered.events.map((e) => e.status),
      ['processed', 'dispatched'],
    );
    assert.equal((await postJson(b.deliveryUrl, { messageId: id }, as('p-2'))).status, 404, 'still only its sender');
  });
});

test('through the fetch handler: the caller address is context.remoteAddress', async () => {
  const handler = createUpdoxProxy(options({ webhookToken: TOKEN, webhookAllowedIps: ['192.0.2.0/24'] }));
  try {
    const hook = (context) =>
      handler(
        new Request(`http://localhost${handler.webhookPath}`, {
          method: 'POST',
          headers: { 'Content-Type': 'application/json' },
          body: JSON.stringify({ messageId: 5, mdnStatus: 'processed' }),
        }),
        context,
      );
    assert.equal((await hook({ remoteAddress: '192.0.2.7' })).status, 200);
    assert.equal((await hook({ remoteAddress: '198.51.100.7' })).status, 404);
    assert.equal((await hook(undefined)).status, 404, 'no address known: refused');
    const post = (path, body) =>
      handler(
        new Request(`http://localhost${path}`, {
          method: 'POST',
          headers: { 'Content-Type': 'application/json', 'X-Patient': 'p-1' },
          body: JSON.stringify(body),
        }),
      );
    const sent = await (await post('/api/updox/PatientDirectMessageSend', validMessageFrom('p-1', { to: 'mdn-none-f@direct.example.org' }))).json();
    const ask = await post('/api/updox/MdnStatusList', { messageId: sent.messageId });
    assert.equal(ask.status, 200);
    assert.equal((await ask.json()).state, 'sent');
  } finally {
    await handler.close();
  }
});
