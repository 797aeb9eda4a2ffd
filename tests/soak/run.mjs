// The browser part of `npm run soak` (scripts/soak.sh runs it, then the fuzz targets), in each
// engine (Chromium, Firefox, WebKit; UPDOX_ENGINES=name,… picks some):
//   (a) load: RUNS x SENDS sends (text only, small and 1-5 MB attachments), IN_FLIGHT at
//       once, from ONE page through the reference proxy to the mock Updox. Every send must be
//       recorded by the mock exactly once with the right content (subject, text, sender,
//       attachment names and SHA-256). The module's wasm memory must not grow after the
//       warm-up (which encodes a full slice: the module then holds all it ever holds, one
//       encoding buffer and one slice, however many sends are in flight). Where the engine
//       gives a heap figure (Chromium, through its DevTools Protocol), the page's JS heap
//       after a forced GC must return to its baseline and not grow from run to run.
//   (b) the fault table, FAULT_REPEATS times;  (c) the hostile-input table, HOSTILE_REPEATS times.
// Writes a JSON summary to the path given as argv[2]; exits 1 on any failure.
//   node tests/soak/run.mjs test-output/soak/browser.json
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { FAULTS, runFault } from '../support/fault-table.mjs';
import { runHostileTable } from '../support/hostile-table.mjs';
import { PROXY_PATH } from '../support/module-page.mjs';
import { openEngine, selectedEngines } from '../support/engines.mjs';
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
  engines: {},
  runs: [],
  failures: [],
};
let engineName = '';
const fail = (what) => {
  summary.failures.push(`[${engineName}] ${what}`);
  console.log(`FAIL [${engineName}] ${what}`);
};
const say = (what) => console.log(`[${engineName}] ${what}`);
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

/** Wasm memory, and (Chromium only: its DevTools Protocol) the JS heap after a forced GC. */
async function memoryNow(cdp, page) {
  let used = null;
  if (cdp) {
    for (let k = 0; k < 3; k++) {
      await cdp.send('HeapProfiler.collectGarbage');
      await new Promise((r) => setTimeout(r, 100));
    }
    const { metrics } = await cdp.send('Performance.getMetrics');
    used = metrics.find((m) => m.name === 'JSHeapUsedSize')?.value ?? NaN;
  }
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
    // Field by field: WebDriver (WebKit) hands objects back with their keys reordered.
    const expected = r.expected.map((a) => ({ fileName: a.fileName, size: a.size, sha256: a.sha256 }));
    if (JSON.stringify(attachments) !== JSON.stringify(expected)) problems.push('attachments');
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

/** The warm-up: a text-only send, a small file, and a file over one 3 MiB slice. */
const WARM_UP = [
  { i: 0, sizes: [] },
  { i: 10, sizes: [50_000] },
  { i: 16, sizes: [4_000_000] },
];

async function load(engine) {
  const servers = await startServers({ engine: () => engine, dev: true, modulePage: 'dev', open: true });
  const { dev, page } = servers;
  const heap = { baselineBytes: null, afterRunsBytes: [], wasmBaselineBytes: null, wasmAfterRunsBytes: [] };
  summary.engines[engine.name] = { version: engine.version, heap };
  try {
    const cdp = engine.name === 'chromium' ? await page.raw.createCDPSession() : null;
    await cdp?.send('Performance.enable');
    // Warm up (module, fetch, crypto, the encoding buffer at its full size), then the baseline.
    await page.evaluate(pageRun, { runId: 0, sends: WARM_UP, inFlight: 3, proxyUrl: PROXY_PATH });
    dev.mock.reset();
    const baseline = await memoryNow(cdp, page);
    heap.baselineBytes = baseline.used;
    heap.wasmBaselineBytes = baseline.wasm;
    say(`load: baseline JS heap ${cdp ? mib(baseline.used) : 'not measured (no heap figure in this engine)'}, wasm memory ${mib(baseline.wasm)}`);
    for (let run = 1; run <= RUNS; run++) {
      const t0 = Date.now();
      const sends = Array.from({ length: SENDS }, (_, i) => ({ i, sizes: plan(i) }));
      const bytes = sends.reduce((s, x) => s + x.sizes.reduce((a, b) => a + b, 0), 0);
      const results = await page.evaluate(pageRun, { runId: run, sends, inFlight: IN_FLIGHT, proxyUrl: PROXY_PATH });
      const ms = Date.now() - t0;
      const v = verify(run, results, dev.mock.messages());
      dev.mock.reset();
      const now = await memoryNow(cdp, page);
      heap.afterRunsBytes.push(now.used);
      heap.wasmAfterRunsBytes.push(now.wasm);
      summary.sends += results.length;
      summary.lost += v.lost;
      summary.duplicated += v.duplicated;
      summary.wrongContent += v.wrong;
      summary.failedSends += v.failed;
      summary.runs.push({ engine: engine.name, run, sends: results.length, attachmentBytes: bytes, ms, heapBytes: now.used, wasmBytes: now.wasm, ...v });
      say(
        `load run ${run}: ${results.length} sends (${mib(bytes)} attached) in ${(ms / 1000).toFixed(1)} s; ` +
          `lost ${v.lost}, duplicated ${v.duplicated}, wrong ${v.wrong}, failed ${v.failed}; ` +
          `${cdp ? `JS heap after GC ${mib(now.used)}, ` : ''}wasm memory ${mib(now.wasm)}`,
      );
      if (cdp && now.used > baseline.used + HEAP_TOLERANCE) fail(`run ${run}: JS heap ${mib(now.used)} above baseline ${mib(baseline.used)} + ${mib(HEAP_TOLERANCE)}`);
      if (now.wasm > baseline.wasm) fail(`run ${run}: wasm memory grew after the warm-up: ${mib(baseline.wasm)} -> ${mib(now.wasm)}`);
    }
    const [first, last] = [heap.afterRunsBytes[0], heap.afterRunsBytes.at(-1)];
    if (cdp && last > first + HEAP_GROWTH_TOLERANCE) fail(`JS heap grew across runs: ${mib(first)} -> ${mib(last)}`);
    const leaked = (await page.consoleEntries()).filter((e) => /soak-\d|Soak message/.test(e.text) || e.type === 'pageerror');
    if (leaked.length) fail(`console got message content or errors: ${JSON.stringify(leaked.slice(0, 3))}`);
  } finally {
    await servers.close();
  }
}

// ---- (b) faults and (c) hostile input ----------------------------------------------------

async function faultsAndHostile(engine) {
  const servers = await startServers({ engine: () => engine, faults: true, modulePage: true, open: true });
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
      say(`fault table repeat ${rep}: ${FAULTS.length} faults, ${bad} failed, ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    }
    for (let rep = 1; rep <= HOSTILE_REPEATS; rep++) {
      const t0 = Date.now();
      const { rows } = await runHostileTable(page, { proxyUrl: `${faults.url}/echo` });
      summary.inputsTried += rows.length;
      const bad = rows.filter((r) => r.problem);
      summary.hostileFailures += bad.length;
      for (const r of bad) fail(`hostile ${r.api} ${r.label}: ${r.problem}`);
      say(`hostile-input table repeat ${rep}: ${rows.length} inputs, ${bad.length} failed, ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    }
  } finally {
    await servers.close();
  }
}

const out = process.argv[2] || 'test-output/soak/browser.json';
for (const name of selectedEngines()) {
  engineName = name;
  let engine;
  try {
    engine = await openEngine(name);
    await load(engine);
    await faultsAndHostile(engine);
  } catch (err) {
    fail(`soak crashed: ${err?.stack ?? err}`);
  } finally {
    await engine?.close();
  }
}
mkdirSync(dirname(out), { recursive: true });
writeFileSync(out, JSON.stringify(summary, null, 2));
console.log(
  `browser soak: sends ${summary.sends}, faults ${summary.faults}, inputs tried ${summary.inputsTried}, ` +
    `lost ${summary.lost}, duplicated ${summary.duplicated}, failures ${summary.failures.length}`,
);
process.exit(summary.failures.length ? 1 : 0);
