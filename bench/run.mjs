// `npm run bench`: the module against plain-JS clients in headless Chromium.
// Five cases — end-to-end send, encoding throughput (and the two base64 encoders in wasm),
// peak memory, start-up and sizes, small messages —
// then each target printed once as PASS or MISS, and bench/results.json + bench/results.md.
// BENCH_QUICK=1 runs a reduced version (fewer runs and memory samples) for development and
// writes bench/results.local.json (git-ignored) instead of results.json / results.md.
// Exits non-zero only on errors (a send failing, a wrong body, a crash), never on a MISS.
import { readFileSync, readdirSync, writeFileSync, statSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { join } from 'node:path';
import { cpus, loadavg } from 'node:os';
import { launchBrowser } from './browser.mjs';
import { startBenchServer } from './server.mjs';

const QUICK = /^(1|true|yes)$/i.test(process.env.BENCH_QUICK ?? '');
const ROOT = new URL('..', import.meta.url).pathname;
const BENCH = join(ROOT, 'bench');
const MiB = 1024 * 1024;

const CONFIG = QUICK
  ? { sizes: [1, 10, 25], runs: 3, encodeRuns: 3, memSizes: [25], memSamples: { 25: 1 }, startupRuns: 3, smallRounds: 4, smallPerRound: 25, smallWarm: 20 }
  : { sizes: [1, 10, 25], runs: 7, encodeRuns: 7, memSizes: [1, 10, 25], memSamples: { 1: 3, 10: 3, 25: 5 }, startupRuns: 9, smallRounds: 10, smallPerRound: 30, smallWarm: 30 };

const CLIENTS = ['module', 'bestJs', 'naiveJs', 'floor'];
const ENCODERS = ['module', 'toBase64', 'toBase64Ready', 'readAsDataURL', 'readOnly'];

// --- small helpers ---------------------------------------------------------------------------
const started = Date.now();
const log = (...a) => console.log(`[${((Date.now() - started) / 1000).toFixed(0).padStart(3)} s]`, ...a);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  if (!s.length) return null;
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}
const r1 = (x) => (x == null ? null : Math.round(x * 10) / 10);
const r3 = (x) => (x == null ? null : Math.round(x * 1000) / 1000);
const fmt = (x, d = 0) => (x == null ? '—' : x.toLocaleString('en-US', { minimumFractionDigits: d, maximumFractionDigits: d }));

async function openPage(browser) {
  const page = await browser.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  await page.goto(`${server.origin}/`);
  await page.waitForFunction(() => window.benchReady === true, null, { timeout: 30000 }).catch(() => {
    throw new Error(`bench page did not load: ${errors.join('; ') || 'timeout'}`);
  });
  return page;
}

// --- /proc: peak resident memory of the browser's processes ----------------------------------
function procTree(rootPid) {
  const parent = new Map();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      parent.set(Number(name), ppid);
    } catch {
      /* gone */
    }
  }
  const inTree = (pid) => {
    for (let p = pid, i = 0; p > 1 && i < 64; p = parent.get(p), i++) if (p === rootPid) return true;
    return false;
  };
  return [...parent.keys()].filter(inTree);
}
/** Chromium browser processes started by this Node process (Playwright spawns them directly). */
function chromiumChildren() {
  const out = new Set();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === process.pid && procType(Number(name)) === 'browser' && /chrom/i.test(stat.slice(0, stat.lastIndexOf(')')))) {
        out.add(Number(name));
      }
    } catch {
      /* gone */
    }
  }
  return out;
}
/** Launches a fresh Chromium and finds its browser process id (Playwright's Browser has no process()). */
async function launchWithPid(args) {
  const before = chromiumChildren();
  const browser = await launchBrowser(args);
  const pids = [...chromiumChildren()].filter((p) => !before.has(p));
  if (pids.length !== 1) {
    await browser.close();
    throw new Error(`cannot identify the browser process (${pids.length} candidates)`);
  }
  return { browser, pid: pids[0] };
}
function procType(pid) {
  try {
    const cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split(/[\0 ]/); // setproctitle joins with spaces
    const t = cmd.find((a) => a.startsWith('--type='));
    if (!t) return 'browser';
    const sub = cmd.find((a) => a.startsWith('--utility-sub-type='));
    return sub ? `utility:${sub.slice(19)}` : t.slice(7);
  } catch {
    return 'gone';
  }
}
function statusKb(pid, field) {
  const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) : 0;
}

// --- the cases -----------------------------------------------------------------------------
async function caseStartup(browser) {
  log('case 4: start-up (cold context per sample)');
  const samples = [];
  for (let i = 0; i < CONFIG.startupRuns; i++) {
    const context = await browser.newContext();
    try {
      const page = await context.newPage();
      await page.goto(`${server.origin}/bench/startup.html`);
      samples.push(
        await page.evaluate(async () => {
          const t0 = performance.now();
          const m = await import('/pkg/updox_direct.js');
          const t1 = performance.now();
          await m.default();
          const t2 = performance.now();
          const wasm = performance.getEntriesByType('resource').find((e) => e.name.endsWith('.wasm'));
          return { importMs: t1 - t0, initMs: t2 - t1, wasmFetchMs: wasm ? wasm.responseEnd - wasm.startTime : null };
        }),
      );
    } finally {
      await context.close();
    }
  }
  // Sizes, raw and gzip -9: the default load (the .wasm and the one JavaScript module, with
  // the English sentences), and the Spanish module loaded on demand.
  const pkg = join(ROOT, 'pkg');
  const files = { wasm: ['updox_direct_bg.wasm'], js: ['updox_direct.js'], spanish: ['locales/es.js'] };
  const size = (list) => {
    let raw = 0;
    let gzip = 0;
    for (const f of list) {
      const data = readFileSync(join(pkg, f));
      raw += data.length;
      gzip += gzipSync(data, { level: 9 }).length;
    }
    return { files: list, raw, gzip };
  };
  const wasm = size(files.wasm);
  const js = size(files.js);
  return {
    samples: samples.map((s) => ({ importMs: r3(s.importMs), initMs: r3(s.initMs), wasmFetchMs: r3(s.wasmFetchMs) })),
    median: {
      initMs: r3(median(samples.map((s) => s.initMs))),
      importMs: r3(median(samples.map((s) => s.importMs))),
      wasmFetchMs: r3(median(samples.map((s) => s.wasmFetchMs ?? NaN).filter((x) => !Number.isNaN(x)))),
    },
    bytes: { wasm, js, total: { raw: wasm.raw + js.raw, gzip: wasm.gzip + js.gzip }, spanish: size(files.spanish) },
  };
}

async function caseEndToEnd(page) {
  log(`case 1: end-to-end send, ${CONFIG.runs} runs per client and size after a verified warm-up`);
  const out = {};
  for (const mib of CONFIG.sizes) {
    const size = mib * MiB;
    const { bodyBytes } = await page.evaluate((s) => bench.prepare(s), size);
    // Warm-up round: the sink checks every client's body byte for byte.
    for (const c of CLIENTS) await page.evaluate(([c, s]) => bench.send(c, s, { verify: true }), [c, size]);
    const runs = Object.fromEntries(CLIENTS.map((c) => [c, []]));
    const ratios = [];
    for (let i = 0; i < CONFIG.runs; i++) {
      // Rotate the order each round so no client always follows the same one.
      const order = CLIENTS.map((_, j) => CLIENTS[(i + j) % CLIENTS.length]);
      const round = {};
      for (const c of order) {
        round[c] = await page.evaluate(([c, s]) => bench.send(c, s), [c, size]);
        runs[c].push(round[c]);
      }
      ratios.push(round.module.ms / round.bestJs.ms);
    }
    const med = Object.fromEntries(
      CLIENTS.map((c) => [
        c,
        {
          ms: r1(median(runs[c].map((x) => x.ms))),
          longtaskMs: r1(median(runs[c].map((x) => x.longtaskMs))),
          longtaskWorstMs: r1(Math.max(...runs[c].map((x) => x.longtaskMs))),
          lagMs: r1(median(runs[c].map((x) => x.lagMs))),
          lagWorstMs: r1(Math.max(...runs[c].map((x) => x.lagMs))),
        },
      ]),
    );
    for (const c of CLIENTS) med[c].overFloorMs = r1(med[c].ms - med.floor.ms);
    out[mib] = {
      attachmentBytes: size,
      bodyBytes,
      median: med,
      ratioModuleToBestJs: r3(median(ratios)),
      samples: {
        ...Object.fromEntries(
          CLIENTS.map((c) => [c, runs[c].map((x) => ({ ms: r1(x.ms), longtaskMs: r1(x.longtaskMs), longtasks: x.longtasks, lagMs: r1(x.lagMs) }))]),
        ),
        ratioModuleToBestJs: ratios.map(r3),
      },
    };
    log(
      `  ${mib} MiB: ` + CLIENTS.map((c) => `${c} ${fmt(med[c].ms)} ms`).join(', ') + `; module/bestJs ${fmt(median(ratios), 2)}×`,
    );
  }
  return out;
}

async function caseEncode(page) {
  log(`case 2: encoding throughput, ${CONFIG.encodeRuns} runs per encoder and size`);
  const out = {};
  for (const mib of CONFIG.sizes) {
    const size = mib * MiB;
    await page.evaluate((s) => bench.prepare(s, { floor: false }), size);
    if (!(await page.evaluate((s) => bench.encodersAgree(s), size))) {
      throw new Error(`encodeAttachment and toBase64 disagree at ${mib} MiB`);
    }
    const reps = Math.max(1, Math.round((16 * MiB) / size));
    for (const e of ENCODERS) await page.evaluate(([e, s]) => bench.encode(e, s, 1), [e, size]); // warm-up
    const samples = Object.fromEntries(ENCODERS.map((e) => [e, []]));
    for (let i = 0; i < CONFIG.encodeRuns; i++) {
      for (let j = 0; j < ENCODERS.length; j++) {
        const e = ENCODERS[(i + j) % ENCODERS.length];
        const { ms, bytes } = await page.evaluate(([e, s, n]) => bench.encode(e, s, n), [e, size, reps]);
        samples[e].push(bytes / 1e6 / (ms / 1000));
      }
    }
    out[mib] = {
      repsPerSample: reps,
      medianMBps: Object.fromEntries(ENCODERS.map((e) => [e, Math.round(median(samples[e]))])),
      samplesMBps: Object.fromEntries(ENCODERS.map((e) => [e, samples[e].map((x) => Math.round(x))])),
    };
    log(`  ${mib} MiB: ` + ENCODERS.map((e) => `${e} ${fmt(out[mib].medianMBps[e])} MB/s`).join(', '));
  }
  return out;
}

/** base64-simd against the `base64` crate, both in wasm, on the same 3 MiB slice. */
async function caseKernels(page) {
  const size = 3 * MiB;
  const reps = 8;
  log(`case 2b: the two base64 encoders in wasm, ${reps} × 3 × 3 MiB each`);
  await page.evaluate((s) => bench.prepare(s, { floor: false }), size);
  const { ms, bytes } = await page.evaluate(([s, n]) => bench.encoderKernels(s, n), [size, reps]);
  const mbps = (t) => Math.round(bytes / 1e6 / (t / 1000));
  // Their cost in bytes: the wasm as wasm-pack builds it with each (before finish-pkg).
  const gz = (variant) => gzipSync(readFileSync(join(ROOT, 'target', variant, 'updox_direct_bg.wasm')), { level: 9 }).length;
  const out = {
    simdMBps: mbps(ms.simd),
    scalarMBps: mbps(ms.scalar),
    wasmGzip: { simd: gz('simd-encoder'), scalar: gz('scalar-encoder') },
  };
  log(`  base64-simd ${fmt(out.simdMBps)} MB/s, base64 crate ${fmt(out.scalarMBps)} MB/s; wasm ${fmt(out.wasmGzip.simd)} vs ${fmt(out.wasmGzip.scalar)} bytes gzipped`);
  return out;
}

async function caseSmall(page) {
  const n = CONFIG.smallPerRound;
  log(`case 5: small messages, ${CONFIG.smallRounds} rounds of ${n} sequential sends per client`);
  for (const c of ['module', 'bestJs']) await page.evaluate(([c, k]) => bench.smallSends(c, k), [c, CONFIG.smallWarm]);
  const rates = { module: [], bestJs: [] };
  const ratios = [];
  for (let i = 0; i < CONFIG.smallRounds; i++) {
    const order = i % 2 ? ['bestJs', 'module'] : ['module', 'bestJs'];
    const round = {};
    for (const c of order) {
      const ms = await page.evaluate(([c, k]) => bench.smallSends(c, k), [c, n]);
      round[c] = n / (ms / 1000);
      rates[c].push(round[c]);
    }
    ratios.push(round.module / round.bestJs);
  }
  const out = {
    sendsPerRound: n,
    totalSendsPerClient: n * CONFIG.smallRounds,
    medianPerSecond: { module: r1(median(rates.module)), bestJs: r1(median(rates.bestJs)) },
    ratioModuleToBestJs: r3(median(ratios)),
    samplesPerSecond: { module: rates.module.map(r1), bestJs: rates.bestJs.map(r1) },
    samplesRatio: ratios.map(r3),
  };
  log(`  module ${fmt(out.medianPerSecond.module)}/s, bestJs ${fmt(out.medianPerSecond.bestJs)}/s, ratio ${fmt(out.ratioModuleToBestJs, 2)}×`);
  return out;
}

/** One memory sample: a fresh browser, one warm-up send, then one measured send. */
async function memorySample(client, size) {
  const { browser, pid: root } = await launchWithPid(['--js-flags=--expose-gc']);
  try {
    const page = await openPage(browser);
    await page.evaluate(() => bench.initModule());
    await page.evaluate((c) => bench.warmUp(c), client);
    await page.evaluate((s) => bench.prepare(s, { floor: false }), size);
    await page.evaluate(() => window.gc());
    await sleep(300);
    const before = new Map();
    for (const pid of procTree(root)) {
      try {
        writeFileSync(`/proc/${pid}/clear_refs`, '5');
        before.set(pid, { type: procType(pid), rssKb: statusKb(pid, 'VmRSS') });
      } catch {
        /* exited meanwhile */
      }
    }
    const measured = await page.evaluate(([c, s]) => bench.send(c, s), [client === 'floor' ? 'floorFromPieces' : client, size]);
    const procs = [];
    for (const pid of procTree(root)) {
      let hwmKb;
      try {
        hwmKb = statusKb(pid, 'VmHWM');
      } catch {
        continue;
      }
      const b = before.get(pid);
      procs.push({ pid, type: b?.type ?? procType(pid), new: !b, addedKb: b ? hwmKb - b.rssKb : hwmKb });
    }
    const sum = (f) => procs.filter(f).reduce((a, p) => a + p.addedKb * 1024, 0);
    const byType = {};
    for (const p of procs) {
      const k = p.type + (p.new ? ' (new)' : '');
      byType[k] = (byType[k] ?? 0) + p.addedKb * 1024;
    }
    return {
      rendererAndBrowserBytes: sum((p) => !p.new && (p.type === 'browser' || p.type === 'renderer')),
      allProcessesBytes: sum(() => true),
      ms: r1(measured.ms),
      byType,
    };
  } finally {
    await browser.close();
  }
}

async function caseMemory() {
  log(`case 3: peak memory, a fresh browser per sample (${CONFIG.memSizes.map((m) => `${m} MiB × ${CONFIG.memSamples[m]}`).join(', ')})`);
  const out = {};
  for (const mib of CONFIG.memSizes) {
    const size = mib * MiB;
    const samples = Object.fromEntries(CLIENTS.map((c) => [c, []]));
    for (let i = 0; i < CONFIG.memSamples[mib]; i++) {
      for (const c of CLIENTS) samples[c].push(await memorySample(c, size));
    }
    const med = (c, k) => median(samples[c].map((s) => s[k]));
    out[mib] = {
      attachmentBytes: size,
      samplesPerClient: CONFIG.memSamples[mib],
      medianRendererAndBrowserBytes: Object.fromEntries(CLIENTS.map((c) => [c, med(c, 'rendererAndBrowserBytes')])),
      medianAllProcessesBytes: Object.fromEntries(CLIENTS.map((c) => [c, med(c, 'allProcessesBytes')])),
      samples,
    };
    log(`  ${mib} MiB: ` + CLIENTS.map((c) => `${c} ${fmt(med(c, 'rendererAndBrowserBytes') / 1e6)} MB`).join(', '));
  }
  return out;
}

// --- targets and reports -------------------------------------------------------------------
function targets(r) {
  const t = [];
  const add = (id, name, goal, value, display, pass) => t.push({ id, name, goal, value, display, pass: Boolean(pass) });
  for (const mib of [10, 25]) {
    const ratio = r.endToEnd[mib]?.ratioModuleToBestJs;
    add(`e2e-${mib}`, `End-to-end ${mib} MiB: module / best plain JS`, '≤ 0.9×', ratio, `${fmt(ratio, 2)}× (${fmt(r.endToEnd[mib]?.median.module.ms)} vs ${fmt(r.endToEnd[mib]?.median.bestJs.ms)} ms)`, ratio != null && ratio <= 0.9);
  }
  const m25 = r.endToEnd[25]?.median.module;
  add('longtask-25', 'Longest main-thread task, 25 MiB module send', '≤ 50 ms', m25?.longtaskMs,
    `${m25?.longtaskMs ? `${fmt(m25.longtaskMs)} ms` : 'no task > 50 ms'} (median; worst run ${m25?.longtaskWorstMs ? `${fmt(m25.longtaskWorstMs)} ms` : 'none > 50 ms'}; max event-loop lag ${fmt(m25?.lagMs)} ms)`,
    m25 && m25.longtaskMs <= 50);
  const mem = r.memory[25]?.medianRendererAndBrowserBytes.module;
  add('memory-25', 'Peak memory added by a 25 MiB module send', `≤ 4× attachment (≤ ${fmt((4 * 25 * MiB) / 1e6, 1)} MB)`, mem,
    `${fmt(mem / 1e6, 1)} MB (${fmt(mem / (25 * MiB), 2)}× attachment)`, mem != null && mem <= 4 * 25 * MiB);
  const enc = r.encode[25]?.medianMBps.module;
  add('encode', 'Encoding throughput (encodeAttachment, 25 MiB)', '≥ 2,000 MB/s', enc, `${fmt(enc)} MB/s`, enc >= 2000);
  const gz = r.startup.bytes.total.gzip;
  add('size', 'Default load (.wasm + JS + English), gzipped', '≤ 35 KB', gz, `${fmt(gz / 1000, 1)} KB (wasm ${fmt(r.startup.bytes.wasm.gzip / 1000, 1)} + JS ${fmt(r.startup.bytes.js.gzip / 1000, 1)})`, gz <= 35000);
  const es = r.startup.bytes.spanish.gzip;
  add('size-es', 'Spanish module (locales/es.js), gzipped', '≤ 4 KB', es, `${fmt(es / 1000, 1)} KB`, es <= 4000);
  const init = r.startup.median.initMs;
  add('startup', 'Fetch + compile + instantiate (init(), cold)', '≤ 20 ms', init, `${fmt(init, 1)} ms`, init <= 20);
  const small = r.small.ratioModuleToBestJs;
  add('small', 'Small messages: module / best plain JS sends per second', '≥ 1.0×', small,
    `${fmt(small, 2)}× (median rates ${fmt(r.small.medianPerSecond.module)} vs ${fmt(r.small.medianPerSecond.bestJs)} /s)`, small >= 1.0);
  return t;
}

function markdown(r) {
  const L = [];
  L.push(`Measured ${r.date.slice(0, 10)} with ${r.environment.chromium} (headless), Node ${r.environment.node}, ${r.environment.cpus} cores (load average ${fmt(r.environment.loadAverageAtStart, 1)} at start${r.environment.loadAverageAtStart > r.environment.cpus * 0.5 ? ': busy, timings noisy' : ''})${r.quick ? ' — **quick run (BENCH_QUICK=1): fewer runs, not for publishing**' : ''}. Loopback sink on the page's origin; medians; ratios are medians of paired, alternating runs.`);
  L.push('');
  L.push('| Target | Goal | Measured | Result | What would close it |');
  L.push('|---|---|---|---|---|');
  for (const t of r.targets) L.push(`| ${t.name} | ${t.goal} | ${t.display} | ${t.pass ? 'PASS' : 'MISS'} | ${t.pass ? '' : '—'} |`);
  L.push('');
  const targetsEnd = L.length;
  L.push(`**End-to-end send**, one attachment, median ms of ${r.config.runs} alternating runs (+ overhead above the upload floor):`);
  L.push('');
  L.push('| Attachment (body) | Module | Best plain JS | Naive plain JS | Upload floor | Module / best JS |');
  L.push('|---|---|---|---|---|---|');
  for (const mib of r.config.sizes) {
    const e = r.endToEnd[mib];
    const cell = (c) => (c === 'floor' ? fmt(e.median[c].ms) : `${fmt(e.median[c].ms)} (+${fmt(e.median[c].overFloorMs)})`);
    L.push(`| ${mib} MiB (${fmt(e.bodyBytes / 1e6, 1)} MB) | ${cell('module')} | ${cell('bestJs')} | ${cell('naiveJs')} | ${cell('floor')} | ${fmt(e.ratioModuleToBestJs, 2)}× |`);
  }
  L.push('');
  L.push('**Main thread during the send**: longest long task (PerformanceObserver `longtask`, only tasks > 50 ms are reported; "—" = none), median run / worst run, and max event-loop lag (gap between setTimeout(0) ticks), median run, ms:');
  L.push('');
  L.push('| Attachment | Module | Best plain JS | Naive plain JS | Upload floor |');
  L.push('|---|---|---|---|---|');
  for (const mib of r.config.sizes) {
    const e = r.endToEnd[mib].median;
    const lt = (x) => (x ? fmt(x) : '—');
    const cell = (c) => `${lt(e[c].longtaskMs)} / ${lt(e[c].longtaskWorstMs)}; lag ${fmt(e[c].lagMs)}`;
    L.push(`| ${mib} MiB | ${cell('module')} | ${cell('bestJs')} | ${cell('naiveJs')} | ${cell('floor')} |`);
  }
  L.push('');
  L.push('**Encoding throughput**, MB/s of input, Blob in → base64 string out (reading the Blob included):');
  L.push('');
  L.push('| Attachment | Module `encodeAttachment` | `toBase64` (incl. `arrayBuffer()`) | `toBase64` (bytes already read) | `FileReader.readAsDataURL` | `blob.arrayBuffer()` alone (no encoding) |');
  L.push('|---|---|---|---|---|---|');
  for (const mib of r.config.sizes) {
    const e = r.encode[mib].medianMBps;
    L.push(`| ${mib} MiB | ${fmt(e.module)} | ${fmt(e.toBase64)} | ${fmt(e.toBase64Ready)} | ${fmt(e.readAsDataURL)} | ${fmt(e.readOnly)} |`);
  }
  L.push('');
  L.push('**Peak memory added by one send**, MB (peak RSS of the browser and renderer processes during the send minus RSS before it; a fresh Chromium per sample; in parentheses: all Chromium processes, GPU and network service included):');
  L.push('');
  L.push('| Attachment | Samples | Module | Best plain JS | Naive plain JS | Upload floor (builds its Blob) |');
  L.push('|---|---|---|---|---|---|');
  for (const mib of r.config.memSizes) {
    const m = r.memory[mib];
    const cell = (c) => `${fmt(m.medianRendererAndBrowserBytes[c] / 1e6)} (${fmt(m.medianAllProcessesBytes[c] / 1e6)})`;
    L.push(`| ${mib} MiB | ${m.samplesPerClient} | ${cell('module')} | ${cell('bestJs')} | ${cell('naiveJs')} | ${cell('floor')} |`);
  }
  L.push('');
  const s = r.startup;
  L.push(`**Start-up** (median of ${s.samples.length} cold browser contexts): \`init()\` (fetch + compile + instantiate the .wasm) ${fmt(s.median.initMs, 1)} ms; importing the JS glue before it ${fmt(s.median.importMs, 1)} ms.`);
  L.push('');
  L.push('| File | Raw bytes | gzip -9 bytes |');
  L.push('|---|---|---|');
  L.push(`| \`.wasm\` | ${fmt(s.bytes.wasm.raw)} | ${fmt(s.bytes.wasm.gzip)} |`);
  L.push(`| \`updox_direct.js\` (glue + API + English) | ${fmt(s.bytes.js.raw)} | ${fmt(s.bytes.js.gzip)} |`);
  L.push(`| Default load (total) | ${fmt(s.bytes.total.raw)} | ${fmt(s.bytes.total.gzip)} |`);
  L.push(`| \`locales/es.js\` (Spanish, loaded on demand) | ${fmt(s.bytes.spanish.raw)} | ${fmt(s.bytes.spanish.gzip)} |`);
  L.push('');
  const k = r.kernels;
  L.push(`**The two base64 encoders in wasm** (same 3 MiB in wasm memory, MB/s of input; .wasm gzip -9 when built with each): base64-simd ${fmt(k.simdMBps)} MB/s, ${fmt(k.wasmGzip.simd)} bytes; \`base64\` crate ${fmt(k.scalarMBps)} MB/s, ${fmt(k.wasmGzip.scalar)} bytes.`);
  L.push('');
  const sm = r.small;
  L.push(`**Small messages** (text only, sequential, ${sm.totalSendsPerClient} sends per client in ${r.config.smallRounds} alternating rounds): module ${fmt(sm.medianPerSecond.module)}/s, best plain JS ${fmt(sm.medianPerSecond.bestJs)}/s (${fmt(sm.ratioModuleToBestJs, 2)}×).`);
  L.push('');
  return { all: L.join('\n'), measurements: [L[0], '', ...L.slice(targetsEnd)].join('\n') };
}

// --- main ----------------------------------------------------------------------------------
let server;
async function main() {
  statSync(join(ROOT, 'pkg', 'updox_direct_bg.wasm')); // built by scripts/build.sh
  server = await startBenchServer();
  log(`bench ${QUICK ? '(quick) ' : ''}on ${server.origin}`);
  const loadAtStart = loadavg()[0];
  if (loadAtStart > cpus().length * 0.5) {
    log(`warning: the machine is busy (load average ${loadAtStart.toFixed(1)} on ${cpus().length} cores); timings will be noisy`);
  }
  const browser = await launchBrowser();
  let result;
  try {
    const version = browser.version();
    const page = await openPage(browser);
    const info = await page.evaluate(() => bench.info());
    if (!info.toBase64) throw new Error('this Chromium lacks Uint8Array.prototype.toBase64');
    if (!info.longtaskSupported) throw new Error('this Chromium does not report longtask entries');
    await page.evaluate(() => bench.initModule());
    for (const c of CLIENTS) await page.evaluate((c) => bench.warmUp(c), c);
    const startup = await caseStartup(browser);
    const endToEnd = await caseEndToEnd(page);
    const encode = await caseEncode(page);
    const kernels = await caseKernels(page);
    const small = await caseSmall(page);
    await page.close();
    await browser.close();
    const memory = await caseMemory();
    result = {
      date: new Date().toISOString(),
      quick: QUICK,
      environment: {
        chromium: `Chromium ${version}`,
        userAgent: info.userAgent,
        node: process.versions.node,
        cpus: cpus().length,
        cpuModel: cpus()[0]?.model,
        loadAverageAtStart: r3(loadAtStart),
        loadAverageAtEnd: r3(loadavg()[0]),
      },
      config: CONFIG,
      units: { ms: 'milliseconds', MBps: '1e6 bytes of input per second', bytes: 'bytes', KB: '1000 bytes' },
      method: {
        endToEnd: 'performance.now() around the client call until its result resolved (answer read); alternating, rotated order; warm-up round verified byte for byte by the sink',
        longtask: "max duration of PerformanceObserver 'longtask' entries overlapping the send (0 = none > 50 ms)",
        lag: 'max gap between consecutive setTimeout(0) callbacks during the send (includes the ~4 ms nesting clamp)',
        memory: 'fresh Chromium per sample, one small warm-up send, gc(); write 5 to /proc/PID/clear_refs, read VmRSS; send; read VmHWM; sum of (VmHWM - VmRSS before) over the browser and renderer processes (allProcesses: every process of the browser tree)',
        startup: 'new browser context (cold HTTP cache; server sends no-store), performance.now() around await init() after importing the glue',
        encode: 'Blob in, base64 string out; repetitions per sample so each sample encodes about 16 MiB',
        kernels: 'the same 3 MiB in wasm memory encoded by base64-simd (the shipped encoder) and by the base64 crate, both built into one bench-only wasm (feature bench-encoders); wasmGzip: the release .wasm built with each encoder alone, gzip -9',
        small: 'sequential sends of a text-only message to the same-origin sink; rate per round, median of rounds',
      },
      startup,
      endToEnd,
      encode,
      kernels,
      memory,
      small,
      sink: server.stats,
    };
  } finally {
    await browser.close().catch(() => {});
  }
  result.targets = targets(result);
  result.elapsedSeconds = Math.round((Date.now() - started) / 1000);
  const md = markdown(result);
  // A quick run must not replace the published results: it writes the git-ignored
  // bench/results.local.json (with the Markdown inside) instead.
  if (QUICK) {
    writeFileSync(join(BENCH, 'results.local.json'), JSON.stringify({ ...result, markdown: md.all }, null, 2) + '\n');
  } else {
    writeFileSync(join(BENCH, 'results.json'), JSON.stringify(result, null, 2) + '\n');
    writeFileSync(join(BENCH, 'results.md'), md.all);
  }
  // Stdout: the measurements, then every target exactly once.
  console.log('\n' + md.measurements);
  console.log('Targets:');
  for (const t of result.targets) console.log(`${t.pass ? 'PASS' : 'MISS'}  ${t.name}: ${t.display} (target ${t.goal})`);
  console.log(`\nwrote ${QUICK ? 'bench/results.local.json (quick run)' : 'bench/results.json and bench/results.md'} in ${result.elapsedSeconds} s`);
}

main()
  .then(async () => {
    await server?.close();
    process.exit(0);
  })
  .catch(async (err) => {
    console.error(`bench: ERROR: ${err?.stack ?? err}`);
    await server?.close().catch(() => {});
    process.exit(1);
  });
