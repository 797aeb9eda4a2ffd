// `node bench/validate.mjs`: what validatePatientDirectMessage costs a page that calls it on
// every keystroke while the message holds a 20 MiB pre-encoded attachment (about 28 MB of
// base64): the first call, then the time per call over 100 calls with the same message, and
// the wasm memory before, after the first call and after the 100. In each engine of
// tests/support/engines.mjs (UPDOX_ENGINES to choose), with the built package (pkg/; run
// scripts/build.sh first). Prints one JSON object; writes nothing. Goal: at most 2 ms per
// call, and no growth of wasm memory across the calls.
//
// Two contents: plain base64, and the same broken into 76-character lines (as a MIME
// encoder writes it), whose whitespace the module removes.
import { openEngine, selectedEngines } from '../tests/support/engines.mjs';
import { openModulePage, startModulePage } from '../tests/support/module-page.mjs';

const CALLS = 100;
const MiB = 1024 * 1024;

// Runs in the page: the module is window.updox, its wasm memory's size window.updoxWasmMemory().
async function measure({ calls, bytes, lines }) {
  const U = window.updox;
  // 'QUJD' is 3 bytes; 'QUI=' the last 2: exactly `bytes` decoded.
  let content = `${'QUJD'.repeat(Math.floor(bytes / 3))}${bytes % 3 === 2 ? 'QUI=' : bytes % 3 === 1 ? 'QQ==' : ''}`;
  if (lines) content = content.replace(/.{76}/g, '$&\r\n');
  const message = {
    to: 'dr.okafor@direct.example-clinic.org',
    from: 'patient:48213',
    subject: 'Knee X-ray',
    textMessage: 'The scan is attached.',
    attachments: [{ content, fileName: 'scan.dcm', mimeType: 'application/dicom' }],
  };
  const limits = { maxAttachmentBytes: bytes, maxTotalAttachmentBytes: bytes };
  const memoryBefore = window.updoxWasmMemory();
  let t = performance.now();
  const first = U.validatePatientDirectMessage(message, limits);
  const firstMs = performance.now() - t;
  const memoryAfterFirst = window.updoxWasmMemory();
  // Keystrokes come apart: each call in a task of its own, after a pause for the engine
  // (building the 27 MB text above is the page's garbage to collect, not the module's).
  await new Promise((resolve) => setTimeout(resolve, 300));
  const times = [];
  let total = 0;
  for (let i = 0; i < calls; i++) {
    await new Promise((resolve) => setTimeout(resolve, 0));
    t = performance.now();
    const issues = U.validatePatientDirectMessage(message, limits);
    times.push(performance.now() - t);
    total += times.at(-1);
    if (issues.length) throw new Error(`issues: ${JSON.stringify(issues)}`);
  }
  if (first.length) throw new Error(`issues: ${JSON.stringify(first)}`);
  times.sort((a, b) => a - b);
  return {
    contentChars: content.length,
    firstCallMs: firstMs,
    // Some engines round performance.now() to 1 ms (Firefox, WebKit): the mean is the finer.
    perCallMs: { mean: total / calls, median: times[times.length >> 1], p95: times[Math.floor(times.length * 0.95)], max: times.at(-1) },
    wasmMemoryBytes: { before: memoryBefore, afterFirstCall: memoryAfterFirst, afterAllCalls: window.updoxWasmMemory() },
  };
}

const round = (x) => Math.round(x * 1000) / 1000;
const out = { measured: new Date().toISOString(), attachmentBytes: 20 * MiB, calls: CALLS, goalMsPerCall: 2, engines: {} };
const server = await startModulePage();
try {
  for (const name of selectedEngines()) {
    const engine = await openEngine(name);
    try {
      const result = { version: engine.version };
      for (const [label, lines] of [['plain', false], ['with line breaks', true]]) {
        // A fresh page each time, so that each starts from the module's first memory.
        const page = await openModulePage(engine, server.url);
        try {
          const r = await page.evaluate(measure, { calls: CALLS, bytes: 20 * MiB, lines });
          r.firstCallMs = round(r.firstCallMs);
          for (const k of Object.keys(r.perCallMs)) r.perCallMs[k] = round(r.perCallMs[k]);
          r.withinGoal = r.perCallMs.mean <= out.goalMsPerCall;
          r.wasmMemoryGrew = r.wasmMemoryBytes.afterAllCalls > r.wasmMemoryBytes.afterFirstCall;
          result[label] = r;
        } finally {
          await page.close();
        }
      }
      out.engines[name] = result;
    } finally {
      await engine.close();
    }
  }
} finally {
  await server.close();
}
console.log(JSON.stringify(out, null, 2));
