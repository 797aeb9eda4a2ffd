// The browser part of `npm run soak` (scripts/soak.sh runs it, then the fuzz targets):
//   (a) load: RUNS x SENDS sends (text only, small and 1-5 MB attachments), IN_FLIGHT at
//       once, from ONE headless Chromium page through the reference proxy to the mock
//       Updox. Every send must be recorded by the mock exactly once with the right content
//       (subject, text, sender, attachment names and SHA-256); the page's JS heap after a
//       forced GC must return to its baseline and not grow from run to run.
//   (b) the fault table, FAULT_REPEATS times;  (c) the hostile-input table, HOSTILE_REPEATS times.
// Writes a JSON summary to the path given as argv[2]; exits 1 on any failure.
//   node tests/soak/run.mjs test-output/soak/browser.json
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { FAULTS, runFault } from '../support/fault-table.mjs';
import { runHostileTable } from '../support/hostile-table.mjs';
import { PROXY_PATH } from '../support/module-page.mjs';
import { openEngine } from '../support/engines.mjs';
import { startServers } from '../support/servers.mjs';

const env = process.env;
const RUNS = Number(env.SOAK_RUNS || 3);
const SENDS = Number(env.SOAK_SENDS || 200);
const IN_FLIGHT = Number(env.SOAK_IN_FLIGHT || 20);
const FAULT_REPEATS = Number(env.SOAK_FAULT_REPEATS || 3);
const HOSTILE_REPEATS = Number(env.SOAK_HOSTILE_REPEATS || 2);
// The heap after a run may exceed the baseline by this much (V8 keeps some caches).
const HEAP_TOLERANCE = Number(env.SOAK_HEAP_TOLERANCE_BYTES || 1024 * 1024);
// ...and the last run's heap may exceed the first run's by this much.
const HEAP_GROWTH_TOLERANCE = Number(env.SOAK_HEAP_GROWTH_TOLERANCE_BYTES || 256 * 1024);

const summary = {
  sends: 0,
  lost: 0,
  duplicated: 0,
  wrongContent: 0,
  failedSends: 0,
  faults: 0,
  faultFailures: 0,
  inputsTried: 0,
  hostileFailures: 0,
  heap: {},
  runs: [],
  failures: [],
};
const fail = (what) => {
  summary.failures.push(what);
  console.log(`FAIL ${what}`);
};
const mib = (n) => `${(n / 1024 / 1024).toFixed(2)} MiB`;

// ---- (a) load ---------------------------------------------------------------------------

/** Size of send i's attachments: half text only, 30 % small (1-200 KB), 20 % 1-5 MB. */
function plan(i) {
  const slot = i % 20;
  const rnd = (((i + 1) * 2654435761) >>> 0) / 2 ** 32;
  if (slot < 10) return [];
  if (slot < 16) return [1000 + Math.floor(rnd * 199000)];
  const large = 1_000_000 + Math.floor(rnd * 4_000_000);
  return slot === 19 ? [large, 5000] : [large];
}

/** Runs in the page: `n` sends, `inFlight` at once; returns one summary per send. */
async function pageRun({ runId, sends, inFlight, proxyUrl }) {
  const hex = (buf) => [...new Uint8Array(buf)].map((b) => b.toString(16).padStart(2, '0')).join('');
  const bytes = (size, seed) => {
    const words = new Uint32Array(Math.ceil(size / 4));
    let x = seed >>> 0 || 1;
    for (let k = 0; k < words.length; k++) {
      x ^= x << 13;
      x ^= x >>> 17;
      x ^= x << 5;
      words[k] = x >>> 0;
    }
    return new Uint8Array(words.buffer, 0, size);
  };
  const one = async ({ i, sizes }) => {
    const files = [];
    const expected = [];
    for (const [k, size] of sizes.entries()) {
      const data = bytes(size, (runId * 7919 + i * 131 + k) | 1);
      const name = `soak-${i}-${k}.bin`;
      expected.push({ fileName: name, size, sha256: hex(await crypto.subtle.digest('SHA-256', data)) });
      files.push(new File([data], name, { type: 'application/octet-stream' }));
    }
    const subject = `soak ${runId} #${i}`;
    const textMessage = `Soak message ${i} of run ${runId}. `.repeat(1 + (i % 7));
    const message = { to: 'clinic@direct.example.org', subject, textMessage, attachments: files };
    if (i % 2) message.from = `patient:soak-${i}`;
    else message.patientDemographics = { patientId: `soak-${i}`, firstName: 'Soak', lastName: `Run${runId}`, dateOfBirth: '1980-01-0' + (1 + (i % 9)), gender: 'U' };
    const r = await window.settle(window.updox.sendPatientDirectMessage(message, { proxyUrl, timeoutMs: 60000 }));
    return {
      i,
      subject,
      textMessage,
      sender: message.from ?? `demographics:soak-${i}`,
      expected,
      ok: r.ok,
      messageId: r.ok ? r.value.messageId : null,
      error: r.ok ? null : { kind: r.error.kind, status: r.error.status, responseCode: r.error.responseCode, message: r.error.message },
    };
  };
  const queue = sends.slice();
  const results = [];
  const worker = async () => {
    while (queue.length) results.push(await one(queue.shift()));
  };
  await Promise.all(Array.from({ length: inFlight }, worker));
  return results.sort((a, b) => a.i - b.i);
}

async function heapAfterGc(cdp, page) {
  for (let k = 0; k < 3; k++) {
    await cdp.send('HeapProfiler.collectGarbage');
    await new Promise((r) => setTimeout(r, 100));
  }
  const { metrics } = await cdp.send('Performance.getMetrics');
  const used = metrics.find((m) => m.name === 'JSHeapUsedSize')?.value ?? NaN;
  const wasm = await page.evaluate(() => window.updoxWasmMemory());
  return { used, wasm };
}

function verify(run, results, messages) {
  const bySubject = new Map();
  for (const m of messages) {
    const list = bySubject.get(m.body.subject) ?? [];
    list.push(m);
    bySubject.set(m.body.subject, list);
  }
  let lost = 0;
  let duplicated = 0;
  let wrong = 0;
  let failed = 0;
  for (const r of results) {
    const got = bySubject.get(r.subject) ?? [];
    bySubject.delete(r.subject);
    if (!r.ok) {
      failed += 1;
      fail(`run ${run} send ${r.i} failed: ${JSON.stringify(r.error)}`);
    }
    if (got.length === 0) {
      lost += 1;
      fail(`run ${run} send ${r.i}: not recorded by the mock`);
      continue;
    }
    if (got.length > 1) {
      duplicated += got.length - 1;
      fail(`run ${run} send ${r.i}: recorded ${got.length} times`);
    }
    const m = got[0];
    const sender = m.body.from ?? `demographics:${m.body.patientDemographics?.patientId}`;
    const attachments = m.attachments.map((a) => ({ fileName: a.fileName, size: a.size, sha256: a.sha256 }));
    const problems = [];
    if (m.body.textMessage !== r.textMessage) problems.push('textMessage');
    if (sender !== r.sender) problems.push('sender');
    if (JSON.stringify(attachments) !== JSON.stringify(r.expected)) problems.push('attachments');
    if (r.ok && m.messageId !== r.messageId) problems.push('messageId');
    if (problems.length) {
      wrong += 1;
      fail(`run ${run} send ${r.i}: wrong ${problems.join(', ')}`);
    }
  }
  for (const [subject, list] of bySubject) {
    duplicated += list.length;
    fail(`run ${run}: the mock recorded ${list.length} unexpected message(s) "${subject}"`);
  }
  return { lost, duplicated, wrong, failed };
}

async function load(browser) {
  const servers = await startServers({ engine: () => browser, dev: true, modulePage: 'dev', open: true });
  const { dev, page } = servers;
  try {
    // Chromium's DevTools Protocol, for its heap figures.
    const cdp = await page.raw.createCDPSession();
    await cdp.send('Performance.enable');
    // Warm up (module, fetch, crypto, first allocations), then take the baseline.
    await page.evaluate(pageRun, { runId: 0, sends: [0, 10, 16].map((i) => ({ i, sizes: plan(i) })), inFlight: 3, proxyUrl: PROXY_PATH });
    dev.mock.reset();
    const baseline = await heapAfterGc(cdp, page);
    summary.heap.baselineBytes = baseline.used;
    console.log(`load: baseline JS heap ${mib(baseline.used)}, wasm memory ${mib(baseline.wasm)}`);
    const after = [];
    for (let run = 1; run <= RUNS; run++) {
      const t0 = Date.now();
      const sends = Array.from({ length: SENDS }, (_, i) => ({ i, sizes: plan(i) }));
      const bytes = sends.reduce((s, x) => s + x.sizes.reduce((a, b) => a + b, 0), 0);
      const results = await page.evaluate(pageRun, { runId: run, sends, inFlight: IN_FLIGHT, proxyUrl: PROXY_PATH });
      const ms = Date.now() - t0;
      const v = verify(run, results, dev.mock.messages());
      dev.mock.reset();
      const heap = await heapAfterGc(cdp, page);
      after.push(heap);
      summary.sends += results.length;
      summary.lost += v.lost;
      summary.duplicated += v.duplicated;
      summary.wrongContent += v.wrong;
      summary.failedSends += v.failed;
      summary.runs.push({ run, sends: results.length, attachmentBytes: bytes, ms, heapBytes: heap.used, wasmBytes: heap.wasm, ...v });
      console.log(
        `load run ${run}: ${results.length} sends (${mib(bytes)} attached) in ${(ms / 1000).toFixed(1)} s; ` +
          `lost ${v.lost}, duplicated ${v.duplicated}, wrong ${v.wrong}, failed ${v.failed}; ` +
          `JS heap after GC ${mib(heap.used)}, wasm memory ${mib(heap.wasm)}`,
      );
      if (heap.used > baseline.used + HEAP_TOLERANCE) fail(`run ${run}: JS heap ${mib(heap.used)} above baseline ${mib(baseline.used)} + ${mib(HEAP_TOLERANCE)}`);
    }
    const first = after[0];
    const last = after.at(-1);
    summary.heap.afterRunsBytes = after.map((h) => h.used);
    summary.heap.wasmAfterRunsBytes = after.map((h) => h.wasm);
    if (last.used > first.used + HEAP_GROWTH_TOLERANCE) fail(`JS heap grew across runs: ${mib(first.used)} -> ${mib(last.used)}`);
    if (last.wasm > first.wasm) fail(`wasm memory grew across runs: ${mib(first.wasm)} -> ${mib(last.wasm)}`);
    const leaked = (await page.consoleEntries()).filter((e) => /soak-\d|Soak message/.test(e.text) || e.type === 'pageerror');
    if (leaked.length) fail(`console got message content or errors: ${JSON.stringify(leaked.slice(0, 3))}`);
  } finally {
    await servers.close();
  }
}

// ---- (b) faults and (c) hostile input ----------------------------------------------------

async function faultsAndHostile(browser) {
  const servers = await startServers({ engine: () => browser, faults: true, modulePage: true, open: true });
  const { faults, page } = servers;
  try {
    for (let rep = 1; rep <= FAULT_REPEATS; rep++) {
      const t0 = Date.now();
      let bad = 0;
      for (const f of FAULTS) {
        const { failures, posts } = await runFault(page, faults.url, f);
        summary.faults += 1;
        if (failures.length) {
          bad += 1;
          summary.faultFailures += 1;
          fail(`fault "${f.name}" (repeat ${rep}, ${posts} POSTs): ${failures.join('; ')}`);
        }
      }
      console.log(`fault table repeat ${rep}: ${FAULTS.length} faults, ${bad} failed, ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    }
    for (let rep = 1; rep <= HOSTILE_REPEATS; rep++) {
      const t0 = Date.now();
      const { rows } = await runHostileTable(page, { proxyUrl: `${faults.url}/echo` });
      summary.inputsTried += rows.length;
      const bad = rows.filter((r) => r.problem);
      summary.hostileFailures += bad.length;
      for (const r of bad) fail(`hostile ${r.api} ${r.label}: ${r.problem}`);
      console.log(`hostile-input table repeat ${rep}: ${rows.length} inputs, ${bad.length} failed, ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    }
  } finally {
    await servers.close();
  }
}

const out = process.argv[2] || 'test-output/soak/browser.json';
const browser = await openEngine('chromium');
try {
  await load(browser);
  await faultsAndHostile(browser);
} catch (err) {
  fail(`soak crashed: ${err?.stack ?? err}`);
} finally {
  await browser.close();
}
mkdirSync(dirname(out), { recursive: true });
writeFileSync(out, JSON.stringify(summary, null, 2));
console.log(
  `browser soak: sends ${summary.sends}, faults ${summary.faults}, inputs tried ${summary.inputsTried}, ` +
    `lost ${summary.lost}, duplicated ${summary.duplicated}, failures ${summary.failures.length}`,
);
process.exit(summary.failures.length ? 1 : 0);
