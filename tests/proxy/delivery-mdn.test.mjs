// The reader of Updox's MdnStatusList answer, whose shape Updox does not document: every
// variant it accepts gives the same MDNs, and anything else is reported as unreadable (never
// an invented state, never a throw). Then the rules that turn MDNs into a patient's state.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MDN_STATUSES, mdnStatusOf, mdnTimeOf, parseMdnStatusList } from '../../server/proxy/mdn.mjs';
import { DELIVERY_STATES, deliveryStatus } from '../../server/proxy/delivery-state.mjs';

const OK = { successful: true, responseCode: 2000, responseMessage: 'OK' };
const T1 = '2026-03-02T09:00:01.000Z';
const T2 = '2026-03-02T09:00:02.000Z';
const WANT = [
  { status: 'processed', at: Date.parse(T1) },
  { status: 'dispatched', at: Date.parse(T2) },
];
const read = (value) => parseMdnStatusList(typeof value === 'string' ? value : JSON.stringify(value));

test('every accepted shape gives the same MDNs', () => {
  const variants = {
    'the mock (mdnStatuses, mdnStatus, mdnDate)': { ...OK, mdnStatuses: [{ messageId: 1, mdnStatus: 'processed', mdnDate: T1 }, { messageId: 1, mdnStatus: 'dispatched', mdnDate: T2 }] },
    'mdns with status and date': { ...OK, mdns: [{ status: 'processed', date: T1 }, { status: 'dispatched', date: T2 }] },
    'other letter case of names and values': { Successful: true, ResponseCode: '2000', MdnStatusList: [{ MdnStatus: 'PROCESSED', CreatedDate: T1 }, { MDNSTATUS: 'Dispatched', createdDate: T2 }] },
    'nested under data': { ...OK, data: { statuses: [{ mdnType: 'processed', timestamp: Date.parse(T1) }, { mdnType: 'dispatched', timestamp: Date.parse(T2) / 1000 }] } },
    'RFC 3798 dispositions': { ...OK, items: [{ disposition: 'automatic-action/MDN-sent-automatically; processed', receivedDate: '2026-03-02 09:00:01' }, { disposition: 'automatic-action/MDN-sent-automatically;dispatched', receivedDate: '2026-03-02T09:00:02+00:00' }] },
    'a bare array': [{ mdnStatus: 'processed', date: T1 }, { mdnStatus: 'dispatched', date: T2 }],
    'epoch seconds as text': { ...OK, list: [{ status: 'processed', time: String(Date.parse(T1) / 1000) }, { status: 'dispatched', time: String(Date.parse(T2) / 1000) }] },
  };
  for (const [name, answer] of Object.entries(variants)) {
    const r = read(answer);
    assert.equal(r.ok, true, name);
    assert.deepEqual(r.events, WANT, name);
    assert.equal(r.skipped, 0, name);
  }
});

test('no MDN: an empty list, 4410 (no such message) and 4430 (no MDNs for this kind)', () => {
  for (const answer of [
    { ...OK, mdnStatuses: [] },
    { successful: false, responseCode: 4410, responseMessage: 'Message not found' },
    { successful: false, responseCode: 4430, responseMessage: 'No MDNs' },
    [],
  ]) {
    assert.deepEqual(read(answer), { ok: true, events: [], skipped: 0 }, JSON.stringify(answer));
  }
});

test('one MDN at the top level, a list of bare statuses, and items without a time', () => {
  assert.deepEqual(read({ ...OK, mdnStatus: 'failed', date: T1 }).events, [{ status: 'failed', at: Date.parse(T1) }]);
  assert.deepEqual(read({ ...OK, statuses: ['processed', 'dispatched'] }).events, [
    { status: 'processed', at: null },
    { status: 'dispatched', at: null },
  ]);
  const partial = read({ ...OK, mdns: [{ status: 'processed', date: 'last tuesday' }, { status: 'opened' }, 42] });
  assert.deepEqual(partial, { ok: true, events: [{ status: 'processed', at: null }], skipped: 2 });
});

test('garbage is unreadable, with a reason that holds nothing from the answer', () => {
  const garbage = [
    '',
    'not json',
    '<html><body>Bad gateway</body></html>',
    '{"successful":true,"responseCode":20',
    'null',
    '42',
    '"processed"',
    JSON.stringify({ ...OK }),
    JSON.stringify({ ...OK, whatever: { x: 1 } }),
    JSON.stringify({ ...OK, mdns: 'processed' }),
    JSON.stringify({ ...OK, mdns: [{ status: 'opened' }, { status: 'read' }] }),
    JSON.stringify({ successful: false, responseCode: 4010, responseMessage: 'Unauthorized', mdns: [{ status: 'dispatched' }] }),
    JSON.stringify({ successful: true, responseCode: 5000, mdns: [] }),
    JSON.stringify({ successful: 'yes', responseCode: 2000, mdns: [] }),
    JSON.stringify({ hello: 'patient Jane Doe' }),
    JSON.stringify({ ...OK, mdns: [{ status: 'x'.repeat(300) + ' dispatched' }] }),
  ];
  for (const text of garbage) {
    const r = parseMdnStatusList(text);
    assert.equal(r.ok, false, text);
    assert.match(r.reason, /^(not JSON|not an object|responseCode \d{4}|responseCode missing|no envelope|no MDN list|no readable MDN status)$/, text);
  }
  assert.equal(parseMdnStatusList(Buffer.from('{"successful":true,"responseCode":2000,"mdns":[]}')).ok, true, 'bytes too');
});

test('statuses and times', () => {
  for (const s of MDN_STATUSES) assert.equal(mdnStatusOf(` ${s.toUpperCase()} `), s);
  assert.equal(mdnStatusOf('manual-action/MDN-sent-manually; displayed'), null, 'displayed is not an Updox status');
  assert.equal(mdnStatusOf('processed/error'), 'processed');
  assert.equal(mdnStatusOf(3), null);
  assert.equal(mdnTimeOf('2026-03-02 09:00:01'), Date.parse('2026-03-02T09:00:01Z'), 'no zone: UTC');
  assert.equal(mdnTimeOf('2026-03-02T10:00:01+01:00'), Date.parse('2026-03-02T09:00:01Z'));
  assert.equal(mdnTimeOf(1772442001), 1772442001000, 'seconds');
  assert.equal(mdnTimeOf(1772442001000), 1772442001000, 'milliseconds');
  for (const bad of ['', 'soon', '2026-13-45T99:99:99Z', -5, 0, NaN, null, {}, '2026-03-02']) assert.equal(mdnTimeOf(bad), null, String(bad));
});

test('MDNs to a state: dispatched wins, then failed, then any sign it reached the clinic; none is sent, then unconfirmed', () => {
  const sentAt = Date.parse('2026-03-02T09:00:00Z');
  const hour = 3600000;
  const state = (events, now = sentAt + 1000) => deliveryStatus({ messageId: 9, events, sentAt, now, unconfirmedAfterMs: hour });
  const at = (s, ms) => ({ status: s, at: sentAt + ms });
  assert.equal(state([]).state, 'sent');
  assert.equal(state([], sentAt + hour - 1).state, 'sent');
  const late = state([], sentAt + hour);
  assert.equal(late.state, 'unconfirmed');
  assert.equal(late.updatedAt, new Date(sentAt + hour).toISOString());
  for (const s of ['processed', 'received', 'deleted', 'denied']) assert.equal(state([at(s, 5)], sentAt + 2 * hour).state, 'received', s);
  assert.equal(state([at('failed', 5)]).state, 'failed');
  assert.equal(state([at('processed', 1), at('failed', 5)]).state, 'failed');
  assert.equal(state([at('failed', 5), at('dispatched', 9)]).state, 'delivered');
  const delivered = state([at('dispatched', 9), at('processed', 3), at('processed', 7)]);
  assert.deepEqual(delivered, {
    messageId: 9,
    state: 'delivered',
    final: true,
    events: [
      { status: 'processed', at: new Date(sentAt + 3).toISOString() },
      { status: 'dispatched', at: new Date(sentAt + 9).toISOString() },
    ],
    sentAt: new Date(sentAt).toISOString(),
    updatedAt: new Date(sentAt + 9).toISOString(),
  });
  assert.deepEqual(DELIVERY_STATES, ['sent', 'received', 'delivered', 'failed', 'unconfirmed'], 'the names of the contract');
});
