// Delivery status through the proxy's route, against the mock Updox, on a fake clock shared
// by both: each kind of mock recipient ends in its state; a message without MDNs becomes
// `unconfirmed` after the wait and a late `dispatched` still makes it `delivered`; only the
// patient who sent a message can ask about it (anyone else gets the same 404 as for a message
// that does not exist, and Updox is not asked).
import test, { after, before, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { DEMO_AUTH, startMockUpdox } from '../../server/mock-updox.mjs';
import { startProxy } from '../../server/proxy.mjs';
import { startDevServer } from '../../server/dev-server.mjs';
import { postJson, sleep } from '../support/http.mjs';
import { validMessageFrom } from '../support/message.mjs';

const START = Date.parse('2026-03-02T09:00:00Z');
const STEP = 1000; // the mock's MDN delay per step
const HOUR = 3600 * 1000;
const TOKEN = 'Vq3mB0dX9sLr7TzW2yKc8hNf4Pj6Ga1E'; // 192 bits of base64url

let clock = START;
const now = () => clock;
const advance = (ms) => {
  clock += ms;
};

let mock;
let proxy;
const logLines = [];
const as = (patient) => ({ 'X-Patient': patient });
const mdnReads = () => mock.requests().filter((r) => r.path.endsWith('/MdnStatusList')).length;

before(async () => {
  mock = await startMockUpdox({ now, mdnDelayMs: STEP, env: {} });
  proxy = await startProxy({
    env: {},
    baseUrl: mock.baseUrl,
    auth: DEMO_AUTH,
    // The portal's session, reduced to a header naming the patient.
    authorize: (request) => {
      const patient = request.headers.get('x-patient');
      return patient ? { patientId: patient } : null;
    },
    now,
    webhookToken: TOKEN,
    log: (line) => logLines.push(line),
  });
});
after(async () => {
  await proxy.close();
  await mock.close();
});
beforeEach(() => {
  clock = START;
  logLines.length = 0;
});

/** Sends a message from `patient` to `local@direct.example.org`; resolves its messageId. */
async function send(local, patient = 'p-1') {
  const res = await postJson(proxy.routeUrl, validMessageFrom(patient, { to: `${local}@direct.example.org` }), as(patient));
  assert.equal(res.status, 200, res.text);
  assert.equal(res.json().successful, true);
  return res.json().messageId;
}

const ask = (messageId, patient = 'p-1') => postJson(proxy.deliveryUrl, { messageId }, as(patient));

async function status(messageId, patient) {
  const res = await ask(messageId, patient);
  assert.equal(res.status, 200, res.text);
  return res.json();
}

const statuses = (answer) => answer.events.map((e) => e.status);

test('each kind of mock recipient ends in its state', async () => {
  const cases = [
    ['mdn-delivered-a', 'delivered', ['processed', 'dispatched']],
    ['mdn-received-a', 'received', ['processed']],
    ['mdn-failed-a', 'failed', ['failed']],
    ['mdn-none-a', 'sent', []],
    ['dr-jones', 'delivered', ['processed', 'dispatched']],
  ];
  const ids = [];
  for (const [local] of cases) ids.push(await send(local));
  for (const id of ids) {
    const first = await status(id);
    assert.equal(first.state, 'sent', 'no MDN is due yet');
    assert.equal(first.final, false);
    assert.deepEqual(first.events, []);
    assert.equal(first.sentAt, new Date(START).toISOString());
  }
  advance(2 * STEP + 31000); // every MDN due, and the cached answers expired
  for (const [i, [, state, events]] of cases.entries()) {
    const answer = await status(ids[i]);
    assert.deepEqual(Object.keys(answer).sort(), ['events', 'final', 'messageId', 'sentAt', 'state', 'updatedAt']);
    assert.equal(answer.messageId, ids[i]);
    assert.equal(answer.state, state, cases[i][0]);
    assert.equal(answer.final, state === 'delivered' || state === 'failed');
    assert.deepEqual(statuses(answer), events);
    for (const e of answer.events) assert.ok(Date.parse(e.at) > START, 'MDN times come from Updox');
  }
});

test('the answer is reused for a while, then Updox is asked again', async () => {
  const id = await send('mdn-delivered-b');
  const before = mdnReads();
  await status(id);
  await status(id);
  assert.equal(mdnReads() - before, 1, 'the second question is answered from the cache');
  advance(2 * STEP);
  assert.equal((await status(id)).state, 'sent', 'still cached (30 s)');
  advance(30000);
  assert.equal((await status(id)).state, 'delivered');
  assert.equal(mdnReads() - before, 2);
});

test('no MDN: sent within the hour, unconfirmed after it, and a late dispatched makes it delivered', async () => {
  const id = await send('mdn-none-b');
  advance(HOUR - 60000);
  assert.equal((await status(id)).state, 'sent');
  advance(60000);
  const late = await status(id);
  assert.equal(late.state, 'unconfirmed');
  assert.equal(late.final, false, 'a later MDN still changes it');
  assert.equal(late.updatedAt, new Date(START + HOUR).toISOString());
  advance(5 * 60000);
  assert.equal((await status(id)).state, 'unconfirmed', 'read again, and cached for 30 s');
  assert.ok(mock.addMdn(id, 'dispatched'));
  // Updox's webhook says so; the proxy drops its cached answer and re-reads MdnStatusList.
  const hook = await postJson(proxy.webhookUrl, { messageId: id, mdnStatus: 'dispatched' });
  assert.equal(hook.status, 200);
  const delivered = await status(id);
  assert.equal(delivered.state, 'delivered');
  assert.equal(delivered.final, true);
  assert.deepEqual(statuses(delivered), ['dispatched']);
  assert.equal(delivered.updatedAt, new Date(START + HOUR + 5 * 60000).toISOString());
});

test('a late MDN is seen without a webhook once the cached answer expires', async () => {
  const id = await send('mdn-none-c');
  advance(HOUR);
  assert.equal((await status(id)).state, 'unconfirmed');
  mock.addMdn(id, 'processed');
  assert.equal((await status(id)).state, 'unconfirmed', 'cached for 30 s');
  advance(30000);
  assert.equal((await status(id)).state, 'received');
});

test("another patient asking about a message gets the answer of a message that does not exist, and Updox is not asked", async () => {
  const id = await send('mdn-delivered-c', 'p-1');
  const before = mdnReads();
  const other = await ask(id, 'p-2');
  const missing = await ask(id + 1000, 'p-1');
  assert.equal(other.status, 404);
  assert.equal(other.json().error, 'not_found');
  assert.equal(other.text, missing.text, 'the same answer: existence is not revealed');
  assert.equal(mdnReads(), before, 'Updox was not asked');
  const anonymous = await postJson(proxy.deliveryUrl, { messageId: id });
  assert.equal(anonymous.status, 401);
  assert.equal((await status(id, 'p-1')).state, 'sent', 'the sender still can');
});

test('a send Updox refused is not recorded', async () => {
  const res = await postJson(proxy.routeUrl, validMessageFrom('p-1', { to: 'fail-4650@direct.example.org' }), as('p-1'));
  assert.equal(res.json().successful, false);
  const guess = mock.messages().length ? mock.messages().at(-1).messageId + 1 : 249600;
  assert.equal((await ask(guess)).status, 404);
});

test('a question must be exactly {"messageId": positive integer}', async () => {
  for (const body of [{}, { messageId: 0 }, { messageId: -4 }, { messageId: 1.5 }, { messageId: '12' }, { messageId: 1, x: 1 }, [1]]) {
    const res = await postJson(proxy.deliveryUrl, body, as('p-1'));
    assert.equal(res.status, 400, JSON.stringify(body));
    assert.equal(res.json().error, 'invalid_request');
  }
});

test('an unreadable MdnStatusList answer leaves the state as it was and logs without PHI', async () => {
  // A relay to the mock whose MdnStatusList answer the test can replace.
  let replacement = null;
  const relay = http.createServer(async (req, res) => {
    const chunks = [];
    for await (const chunk of req) chunks.push(chunk);
    if (replacement !== null && req.url.endsWith('/MdnStatusList')) {
      res.writeHead(200, { 'Content-Type': 'application/json' });
      return res.end(replacement);
    }
    const up = await fetch(mock.url + req.url, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: Buffer.concat(chunks) });
    res.writeHead(up.status, { 'Content-Type': up.headers.get('content-type') ?? 'application/json' });
    res.end(Buffer.from(await up.arrayBuffer()));
  });
  await new Promise((resolve) => relay.listen(0, '127.0.0.1', resolve));
  const other = await startProxy({
    env: {},
    baseUrl: `http://127.0.0.1:${relay.address().port}/api/io`,
    auth: DEMO_AUTH,
    authorize: (request) => ({ patientId: request.headers.get('x-patient') }),
    now,
    log: (line) => logLines.push(line),
  });
  const garbage = [
    '<html>not JSON</html>',
    '{"successful":true,"responseCode":2000,"whatever":{"x":1}}',
    '{"successful":false,"responseCode":5000,"responseMessage":"An unknown error has occurred"}',
    '{"successful":true,"responseCode":2000,"mdnStatuses":[{"mdnStatus":"opened"}]}',
    '[',
    '',
  ];
  try {
    const sent = await postJson(other.routeUrl, validMessageFrom('p-9', { to: 'mdn-received-x@direct.example.org' }), as('p-9'));
    const id = sent.json().messageId;
    const ask9 = async () => (await postJson(other.deliveryUrl, { messageId: id }, as('p-9'))).json();
    replacement = garbage[0];
    assert.equal((await ask9()).state, 'sent', 'nothing is invented');
    replacement = null;
    advance(STEP);
    assert.equal((await ask9()).state, 'received', 'an unusable answer is not cached');
    for (const text of garbage) {
      replacement = text;
      advance(31000);
      const answer = await ask9();
      assert.equal(answer.state, 'received', text);
      assert.deepEqual(statuses(answer), ['processed']);
    }
    const all = logLines.join('\n');
    assert.match(all, /MdnStatusList answer not readable/);
    assert.doesNotMatch(all, /p-9|mdn-received|direct\.example|opened/);
    // The audit line of each request names Updox's messageId (docs/exactly-once.md); the
    // delivery reader's own lines do not.
    const readerLines = logLines.filter((line) => line.includes('delivery:')).join('\n');
    assert.ok(readerLines.length > 0);
    assert.doesNotMatch(readerLines, new RegExp(String(id)), 'no messageId in the reader lines');
  } finally {
    await other.close();
    await new Promise((resolve) => relay.close(resolve));
  }
});

test('npm start wires the mock\'s MDNs to the proxy\'s webhook: a send to mdn-delivered- is delivered within seconds', async () => {
  const dev = await startDevServer({ quiet: true, env: { UPDOX_MOCK_MDN_DELAY_MS: '50' } });
  try {
    const sent = await postJson(dev.proxyUrl, validMessageFrom('p-1', { to: 'mdn-delivered-demo@direct.example.org' }));
    const { messageId } = sent.json();
    const deliveryUrl = new URL(dev.proxy.paths.delivery, dev.url).href;
    // Whatever the machine's load, the state only moves forward, and ends delivered.
    const order = ['sent', 'received', 'delivered'];
    let last = 'sent';
    const deadline = Date.now() + 15000;
    while (last !== 'delivered' && Date.now() < deadline) {
      const answer = (await postJson(deliveryUrl, { messageId })).json();
      assert.ok(order.indexOf(answer.state) >= order.indexOf(last), `${last} -> ${answer.state}`);
      last = answer.state;
      if (last !== 'delivered') await sleep(50);
    }
    assert.equal(last, 'delivered');
  } finally {
    await dev.close();
  }
});

test("the mock's MdnStatusList: 4410 for a message it did not accept, the MDNs due by its clock otherwise", async () => {
  const id = await send('mdn-failed-m');
  const ask = (body) => postJson(`${mock.baseUrl}/MdnStatusList`, body).then((r) => r.json());
  assert.equal((await ask({ messageId: id + 999, auth: DEMO_AUTH })).responseCode, 4410);
  assert.equal((await ask({ messageId: id, auth: { ...DEMO_AUTH, applicationPassword: 'x' } })).responseCode, 4010);
  assert.equal((await ask({ messageId: String(id), auth: DEMO_AUTH })).responseCode, 4060);
  assert.deepEqual((await ask({ messageId: id, auth: DEMO_AUTH })).mdnStatuses, []);
  advance(STEP);
  const due = await ask({ messageId: id, auth: DEMO_AUTH });
  assert.equal(due.successful, true);
  assert.deepEqual(due.mdnStatuses, [{ messageId: id, mdnStatus: 'failed', mdnDate: new Date(START + STEP).toISOString() }]);
});
