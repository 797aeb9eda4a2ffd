// Attachments arrive byte for byte or not at all, in each browser engine: a file picked from
// disk (a real <input type=file>, files written by this test) that is then deleted,
// rewritten or emptied; reads that reject, come back short or never settle. Each send must
// either reject with a validation UpdoxError on attachments[i] whose sentence asks the
// patient to attach the file again, with nothing reaching the proxy, or (where the engine
// reads a changed file as it is now) deliver exactly the bytes the file has now: never a mix
// of old and new bytes, never short. The module must send a valid message afterwards.
// Engines differ in what a changed file looks like, and in some engines which of the two
// allowed outcomes happens depends on when the engine asks the disk: each row lists the
// outcomes each engine may show, and the test accepts exactly those.
import { after, before, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, unlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { validMessage } from '../support/message.mjs';
import { selectedEngines } from '../support/engines.mjs';
import { useServers } from '../support/servers.mjs';

const sha = (bytes) => createHash('sha256').update(bytes).digest('hex');
const UNREADABLE = 'attachment.unreadable';
const EMPTY = 'attachments.empty';
const SENT = 'sent';

/**
 * What happens to a picked file, and what each engine then shows the module (measured with
 * Chromium 156, Firefox 153 ESR, WebKitGTK 2.50):
 *   Chromium  reading a File after its file was deleted fails (NotFoundError), after any
 *             change (NotReadableError). A File whose size is first asked after its file
 *             was deleted has size 0, and its slices read 0 bytes: the module reads every
 *             File of size 0 whole before sending, which fails for a deleted one. Chromium
 *             asks the disk for a File's size and modification time lazily, so when that
 *             happens after the change (a loaded machine), the File *is* the rewritten file
 *             and it is sent as it is now: both outcomes are right.
 *   Firefox   reading a deleted file fails (AbortError); a rewritten one is read as it is
 *             now, with the size it was picked with: a file of the same length gives the new
 *             bytes (nothing tells them apart), a longer or shorter one reads another length.
 *   WebKit    reading after any change fails (NotFoundError); it too asks the disk lazily,
 *             so a rewritten file may be read as it is now.
 * `expect`: the outcomes each engine may show (a deleted file has no bytes to send, so it
 * is always refused); `late`: the page takes the File from the input only after the change;
 * `size`: what the engine may then say the File's size is.
 */
const CHANGED = [UNREADABLE, SENT]; // refused, or sent as the file is now: never a mix
const CHANGES = [
  { name: 'deleted', change: (path) => unlinkSync(path), expect: { chromium: [UNREADABLE], firefox: [UNREADABLE], webkit: [UNREADABLE] } },
  {
    name: 'deleted, taken from the input afterwards',
    late: true,
    change: (path) => unlinkSync(path),
    expect: { chromium: [UNREADABLE], firefox: [UNREADABLE], webkit: [UNREADABLE] },
    // The sizes the engine may then report for the File: Chromium and WebKit ask the disk
    // lazily, so they report 0 or the picked size depending on when their file-info request
    // ran. The module must refuse the file either way, which is what this case is for.
    size: { chromium: [0, 5000], firefox: [5000], webkit: [0, 5000] },
  },
  { name: 'rewritten with other bytes of the same length', change: (path) => rewrite(path, 5000), expect: { chromium: CHANGED, firefox: [SENT], webkit: CHANGED } },
  { name: 'rewritten longer', change: (path) => rewrite(path, 9000), expect: { chromium: CHANGED, firefox: [UNREADABLE], webkit: CHANGED } },
  { name: 'rewritten shorter', change: (path) => rewrite(path, 100), expect: { chromium: CHANGED, firefox: [UNREADABLE], webkit: CHANGED } },
  { name: 'of 4 MiB (two slices), deleted', bytes: 4 * 1024 * 1024, change: (path) => unlinkSync(path), expect: { chromium: [UNREADABLE], firefox: [UNREADABLE], webkit: [UNREADABLE] } },
  { name: 'of 4 MiB (two slices), cut to 3.5 MiB', bytes: 4 * 1024 * 1024, change: (path) => rewrite(path, 3.5 * 1024 * 1024), expect: { chromium: CHANGED, firefox: [UNREADABLE], webkit: CHANGED } },
];

/** The bytes of a file as first written: every byte value, in a pattern. */
const original = (size) => Buffer.from(Array.from({ length: size }, (_, i) => (i * 7 + 3) & 0xff));

/** Rewrites `path` with `size` bytes unlike the original, and a later modification time. */
function rewrite(path, size) {
  writeFileSync(path, Buffer.alloc(size, 0x42));
  const later = new Date(Date.now() + 10_000);
  utimesSync(path, later, later);
}

for (const engineName of selectedEngines()) describe(engineName, () => {
  const s = useServers({ engine: engineName, dev: true, modulePage: 'dev', open: true });
  let dir;
  let front;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'updox-picked-'));
    front = s.modulePage.front;
  });
  after(() => rmSync(dir, { recursive: true, force: true }));
  beforeEach(() => s.dev.mock.reset());

  /** Writes `bytes` to a file and picks it with a real file input of the page. */
  async function pick(name, bytes) {
    const path = join(dir, name);
    writeFileSync(path, bytes);
    await s.page.evaluate(() => {
      document.body.replaceChildren(Object.assign(document.createElement('input'), { type: 'file', id: 'pick' }));
      window.picked = null;
    });
    await s.page.setFiles('#pick', [path]);
    return path;
  }

  /** Sends a message with the picked file (kept since it was picked, or taken now). */
  function sendPicked(late, options = {}) {
    return s.page.evaluate(
      async ({ message, late, options }) => {
        const file = late ? document.getElementById('pick').files[0] : window.picked;
        return window.settle(window.updox.sendPatientDirectMessage({ ...message, attachments: [file] }, { proxyUrl: '/api/updox/PatientDirectMessageSend', ...options }));
      },
      { message: validMessage(), late, options },
    );
  }

  /** The call refused the file as `rule`, and nothing reached the proxy or Updox. */
  function assertRefused(result, rule, postsBefore, field = 'attachments[0]') {
    assert.equal(result.ok, false, 'the send did not resolve');
    const err = result.error;
    assert.deepEqual([err.isUpdoxError, err.kind, err.rule, err.delivery, err.retryable], [true, 'validation', rule, 'not-sent', false]);
    assert.deepEqual(err.issues.map((i) => [i.field, i.rule]), [[field, rule]]);
    assert.match(err.message, /attach it again/);
    assert.equal(front.posts, postsBefore, 'no request reached the proxy');
    assert.equal(s.dev.mock.messages().length, 0, 'nothing reached Updox');
  }

  /** A valid message (with a file) still goes through. */
  async function assertStillSends() {
    const r = await s.page.evaluate(async (message) => {
      const file = new File([new Uint8Array([1, 2, 3, 4, 5])], 'after.txt');
      return window.settle(window.updox.sendPatientDirectMessage({ ...message, attachments: [file] }, { proxyUrl: '/api/updox/PatientDirectMessageSend' }));
    }, validMessage());
    assert.ok(r.ok, `the module still sends: ${JSON.stringify(r.error)}`);
  }

  const outcomeName = (o) => (o === SENT ? 'sent as it reads now' : o);
  for (const c of CHANGES) {
    const allowed = c.expect[engineName];
    test(`a picked file ${c.name}: ${allowed.map(outcomeName).join(', or ')}`, async () => {
      const bytes = original(c.bytes ?? 5000);
      const path = await pick(`${c.name.replace(/\W+/g, '-')}.pdf`, bytes);
      if (!c.late) await s.page.evaluate(() => (window.picked = document.getElementById('pick').files[0]));
      c.change(path);
      const postsBefore = front.posts;
      const result = await sendPicked(c.late);
      const outcome = result.ok ? SENT : result.error.rule;
      assert.ok(allowed.includes(outcome), `${engineName} may show ${allowed.join(' or ')}, showed ${outcome}: ${JSON.stringify(result.error ?? null)}`);
      if (outcome === SENT) {
        // What the engine reads now is what Updox gets, whole: never a mix of old and new
        // bytes, never short.
        const now = readFileSync(path);
        const messages = s.dev.mock.messages();
        assert.equal(messages.length, 1, 'delivered once');
        assert.deepEqual([messages[0].attachments[0].size, messages[0].attachments[0].sha256], [now.length, sha(now)]);
      } else {
        assertRefused(result, outcome, postsBefore);
      }
      if (c.size) {
        const size = await s.page.evaluate(() => document.getElementById('pick').files[0].size);
        assert.ok(c.size[engineName].includes(size), `${engineName} reports the File's size as ${size}`);
      }
      s.dev.mock.reset();
      await assertStillSends();
    });
  }

  test('an empty file from disk is attachments.empty, in validation and sending', async () => {
    await pick('empty.txt', Buffer.alloc(0));
    const postsBefore = front.posts;
    const issues = await s.page.evaluate((message) => {
      const file = document.getElementById('pick').files[0];
      return window.updox.validatePatientDirectMessage({ ...message, attachments: [file] }).map((i) => [i.field, i.rule]);
    }, validMessage());
    assert.deepEqual(issues, [['attachments[0]', EMPTY]]);
    assertRefused(await sendPicked(true), EMPTY, postsBefore);
    await assertStillSends();
  });

  test('encodeAttachment refuses a deleted file the same way', async () => {
    const path = await pick('gone.pdf', original(3000));
    await s.page.evaluate(() => (window.picked = document.getElementById('pick').files[0]));
    unlinkSync(path);
    const r = await s.page.evaluate(() => window.settle(window.updox.encodeAttachment(window.picked)));
    assert.equal(r.ok, false);
    assert.deepEqual([r.error.kind, r.error.rule, r.error.issues[0].field], ['validation', UNREADABLE, 'file']);
  });

  test('reads that reject, come back short or with something else are refused', async () => {
    const cases = await s.page.evaluate(async (message) => {
      const proxyUrl = '/api/updox/PatientDirectMessageSend';
      const send = (content) => window.settle(window.updox.sendPatientDirectMessage({ ...message, attachments: [{ content, fileName: 'x.pdf' }] }, { proxyUrl }));
      const out = {};
      // The blob's own read rejects.
      const rejecting = new Blob(['%PDF-1.4 results']);
      rejecting.arrayBuffer = () => Promise.reject(new DOMException('gone', 'NotReadableError'));
      out.rejecting = await send(rejecting);
      // A large blob (two slices) whose second slice cannot be read.
      const big = new Blob([new Uint8Array(4 * 1024 * 1024).fill(7)]);
      const slice = big.slice.bind(big);
      big.slice = (start, end) => {
        const part = slice(start, end);
        if (start > 0) part.arrayBuffer = () => Promise.reject(new DOMException('gone', 'NotFoundError'));
        return part;
      };
      out.secondSlice = await send(big);
      // Every Blob's read rejects (the page's own doing), here for a File.
      const own = Blob.prototype.arrayBuffer;
      Blob.prototype.arrayBuffer = () => Promise.reject(new Error('broken'));
      try {
        out.prototype = await window.settle(window.updox.sendPatientDirectMessage({ ...message, attachments: [new File(['abc'], 'a.txt')] }, { proxyUrl }));
      } finally {
        Blob.prototype.arrayBuffer = own;
      }
      // Fewer bytes than the size the body was based on.
      const short = new Blob(['0123456789']);
      short.arrayBuffer = () => new Blob(['01234']).arrayBuffer();
      out.short = await send(short);
      // More bytes (a file that grew).
      const long = new Blob(['0123456789']);
      long.arrayBuffer = () => new Blob(['0123456789abc']).arrayBuffer();
      out.long = await send(long);
      // Not bytes at all (a number would read as that many zero bytes).
      const odd = new Blob(['0123456789']);
      odd.arrayBuffer = () => Promise.resolve(10);
      out.notBytes = await send(odd);
      return out;
    }, validMessage());
    for (const [name, result] of Object.entries(cases)) {
      assert.equal(result.ok, false, name);
      assert.deepEqual([result.error.kind, result.error.rule, result.error.issues[0].field], ['validation', UNREADABLE, 'attachments[0]'], name);
    }
    assert.equal(s.dev.mock.messages().length, 0, 'nothing reached Updox');
    await assertStillSends();
  });

  test('a read that never settles ends within the call’s timeout, or at once when cancelled', async () => {
    const postsBefore = front.posts;
    const out = await s.page.evaluate(async (message) => {
      const proxyUrl = '/api/updox/PatientDirectMessageSend';
      const stuck = () => {
        const blob = new Blob(['%PDF-1.4 results']);
        blob.arrayBuffer = () => new Promise(() => {});
        return { content: blob, fileName: 'stuck.pdf' };
      };
      const timed = await window.settle(window.updox.sendPatientDirectMessage({ ...message, attachments: [stuck()] }, { proxyUrl, timeoutMs: 600 }));
      const cancel = new AbortController();
      setTimeout(() => cancel.abort(), 150);
      const cancelled = await window.settle(window.updox.sendPatientDirectMessage({ ...message, attachments: [stuck()] }, { proxyUrl, timeoutMs: 60_000, signal: cancel.signal }));
      const encoded = await window.settle(window.updox.encodeAttachment(stuck().content, { fileName: 'stuck.pdf', timeoutMs: 400 }));
      return { timed, cancelled, encoded };
    }, validMessage());
    // The reads never settle, so a call that settles at all was ended by its timeout or its
    // signal, and the rule says which; the times show it did not give up before its timeout
    // and that the abort did not wait for the timeout. (How late a timer fires on a loaded
    // machine is not something the module controls, so there is no tighter upper bound.)
    assert.deepEqual([out.timed.error.kind, out.timed.error.rule, out.timed.error.issues[0].field], ['validation', UNREADABLE, 'attachments[0]']);
    assert.ok(out.timed.ms >= 550, `settled after ${Math.round(out.timed.ms)} ms, before its timeoutMs of 600`);
    assert.deepEqual([out.cancelled.error.kind, out.cancelled.error.rule, out.cancelled.error.delivery], ['aborted', 'aborted', 'not-sent']);
    assert.ok(out.cancelled.ms < 30_000, `cancelled after ${Math.round(out.cancelled.ms)} ms: it waited for the 60 s timeout`);
    assert.deepEqual([out.encoded.error.kind, out.encoded.error.rule], ['validation', UNREADABLE]);
    assert.ok(out.encoded.ms >= 350, `encodeAttachment gave up after ${Math.round(out.encoded.ms)} ms, before its timeoutMs of 400`);
    assert.equal(front.posts, postsBefore, 'no request reached the proxy');
    await assertStillSends();
  });

  test('encodeAttachment refuses an invalid timeoutMs like a send does', async () => {
    const r = await s.page.evaluate(() => window.settle(window.updox.encodeAttachment(new Blob(['abc']), { fileName: 'a.txt', timeoutMs: -1 })));
    assert.deepEqual([r.error.kind, r.error.rule, r.error.issues[0].field], ['validation', 'options.timeoutMs.invalid', 'options.timeoutMs']);
  });
});
