// Sending from a Web Worker (the documented option for portals that want no encoding work
// on the main thread): the module runs in a dedicated module worker, with no `window`,
// encodes a File and sends it through the reference proxy to the mock Updox.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { selectedEngines } from '../support/engines.mjs';
import { useServers } from '../support/servers.mjs';

const WORKER_JS = `
import init, { sendPatientDirectMessage } from '/pkg/updox_direct.js';
const ready = init();
self.onmessage = async ({ data }) => {
  await ready;
  const phases = new Set();
  try {
    const file = new File([data.bytes], 'scan.pdf', { type: 'application/pdf' });
    const result = await sendPatientDirectMessage(
      { to: data.to, from: 'patient:48213', subject: 'From a worker', attachments: [file] },
      { proxyUrl: '/api/updox/PatientDirectMessageSend', onProgress: (p) => phases.add(p.phase) },
    );
    self.postMessage({ ok: true, messageId: result.messageId, phases: [...phases],
                       hasWindow: typeof window !== 'undefined' });
  } catch (err) {
    self.postMessage({ ok: false, kind: err.kind, code: err.responseCode, name: err.name });
  }
};`;

const PAGE_HTML = `<!doctype html><meta charset="utf-8"><title>worker</title><link rel="icon" href="data:,">
<script type="module" src="/worker-test-page.js"></script>`;
const PAGE_JS = `
window.sendFromWorker = (to, bytes) => new Promise((resolve) => {
  const worker = new Worker('/worker-test.js', { type: 'module' });
  worker.onmessage = ({ data }) => { worker.terminate(); resolve(data); };
  worker.onerror = (e) => resolve({ ok: false, kind: 'worker-error', message: String(e.message) });
  worker.postMessage({ to, bytes });
});`;

const js = (body) => ({ type: 'text/javascript; charset=utf-8', body });
// The test's own page and worker script, served from the module page's origin, whose proxy
// route forwards to the dev server's reference proxy and mock Updox.
const FILES = {
  '/worker-test.html': { type: 'text/html; charset=utf-8', body: PAGE_HTML },
  '/worker-test-page.js': js(PAGE_JS),
  '/worker-test.js': js(WORKER_JS),
};

for (const engineName of selectedEngines()) describe(engineName, () => {
const s = useServers({ dev: true, modulePage: { upstream: 'dev', files: FILES }, engine: engineName });

async function openPage() {
  const page = await s.engine.newPage(`${s.modulePage.url}/worker-test.html`);
  await page.waitFor(() => typeof window.sendFromWorker === 'function');
  return { page };
}

test('a module worker encodes and sends a File; the mock receives the exact bytes', async () => {
  s.dev.mock.reset();
  const { page } = await openPage();
  const bytes = Buffer.from(Array.from({ length: 200_000 }, (_, i) => (i * 31 + 7) & 0xff));
  const answer = await page.evaluate(
    ([to, arr]) => window.sendFromWorker(to, new Uint8Array(arr)),
    ['dr.okafor@direct.example-clinic.org', [...bytes]],
  );
  assert.equal(answer.ok, true, `worker send failed: ${answer.kind}`);
  assert.equal(answer.hasWindow, false);
  assert.deepEqual(answer.phases.sort(), ['done', 'encoding', 'sending']);
  const messages = await s.dev.mock.messages();
  assert.equal(messages.length, 1);
  const [attachment] = messages[0].attachments;
  assert.equal(attachment.fileName, 'scan.pdf');
  assert.equal(attachment.sha256, createHash('sha256').update(bytes).digest('hex'));
  assert.equal(typeof answer.messageId, 'number');
  assert.deepEqual((await page.consoleEntries()).filter((e) => e.type === 'error' || e.type === 'pageerror'), []);
  await page.close();
});

test('a failure in the worker arrives as an UpdoxError with its code', async () => {
  const { page } = await openPage();
  const answer = await page.evaluate(
    (to) => window.sendFromWorker(to, new Uint8Array([1, 2, 3])),
    'fail-4651@direct.example-clinic.org',
  );
  assert.deepEqual(answer, { ok: false, kind: 'updox', code: 4651, name: 'UpdoxError' });
  await page.close();
});
});
