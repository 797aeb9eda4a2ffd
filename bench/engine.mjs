// The benchmark's measurements in one browser engine (bench/run.mjs runs them in each engine;
// tests/bench/bench.browser.test.mjs runs a tiny configuration of them so that they keep working). Every
// engine is opened through tests/support/engines.mjs and driven through its page API; only the
// CPU profile uses Chromium's DevTools Protocol (`page.raw`), because only Chromium has one.
//
//   const r = await measureEngine('firefox', { origin, config, log });
//
// `config` (see run.mjs for the full and quick ones):
//   sizes [MiB], runs          end-to-end sends: attachment sizes, runs per client and size
//   encodeRuns                 encoding throughput samples per encoder and size (0: skip)
//   kernels                    the two base64 encoders in wasm (needs target/bench-encoders)
//   memSizes [MiB], memSamples {MiB: n}, memClients   peak memory, a fresh engine per sample
//                              (memClients: which clients; default all)
//   startupRuns                cold pages timed for import + init()
//   smallRounds, smallPerRound, smallWarm, phaseSends, overheadSends, profileSends
//                              small messages (see caseSmall)
//   sizeUnit                   bytes in the sizes above (default 1 MiB; the test uses KiB)
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { ensureDisplay, openEngine } from '../tests/support/engines.mjs';
import { openTracked, peaksAbove, resetPeaks } from './proc.mjs';

const ROOT = new URL('..', import.meta.url).pathname;
const MiB = 1024 * 1024;
/** Clients of the end-to-end case: the module, the two best plain-JS clients, the upload floor. */
export const CLIENTS = ['module', 'oneShot', 'chunked', 'floor'];

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
export function median(xs) {
  const s = xs.filter((x) => x != null && !Number.isNaN(x)).sort((a, b) => a - b);
  if (!s.length) return null;
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}
export const r1 = (x) => (x == null ? null : Math.round(x * 10) / 10);
export const r3 = (x) => (x == null ? null : Math.round(x * 1000) / 1000);

/** The bench page, loaded and ready (`?module=raw`: the unbundled JavaScript, for profiles). */
async function openBenchPage(engine, origin, query = '') {
  const page = await engine.newPage(`${origin}/${query}`);
  try {
    await page.waitFor(() => window.benchReady === true, { timeout: 30_000 });
  } catch (err) {
    const errors = (await page.consoleEntries()).filter((e) => e.type === 'pageerror' || e.type === 'error');
    throw new Error(`bench page did not load in ${engine.name}: ${errors.map((e) => e.text).join('; ') || err.message}`);
  }
  return page;
}

// ---- start-up -------------------------------------------------------------------------------
async function caseStartup(engine, origin, config, log) {
  log(`start-up: ${config.startupRuns} cold pages`);
  const samples = [];
  for (let i = 0; i < config.startupRuns; i++) {
    // A new page: a fresh browser context in Chromium and Firefox, a new window in WebKit;
    // the server sends everything no-store, so nothing comes from a cache.
    const page = await engine.newPage(`${origin}/bench/startup.html`);
    try {
      samples.push(
        await page.evaluate(async () => {
          const t0 = performance.now();
          const m = await import('/pkg/updox_direct.js');
          const t1 = performance.now();
          await m.default();
          const t2 = performance.now();
          return { importMs: t1 - t0, initMs: t2 - t1 };
        }),
      );
    } finally {
      await page.close();
    }
  }
  return {
    samples: samples.map((s) => ({ importMs: r3(s.importMs), initMs: r3(s.initMs) })),
    median: { initMs: r3(median(samples.map((s) => s.initMs))), importMs: r3(median(samples.map((s) => s.importMs))) },
  };
}

// ---- end-to-end sends of one attachment ----------------------------------------------------
async function caseEndToEnd(page, config, log) {
  log(`end-to-end: ${config.runs} runs per client and size after a verified warm-up`);
  const out = {};
  for (const n of config.sizes) {
    const size = n * config.sizeUnit;
    const { bodyBytes } = await page.evaluate((s) => bench.prepare(s), size);
    // Warm-up round: the sink checks every client's body byte for byte.
    for (const c of CLIENTS) await page.evaluate((c, s) => bench.send(c, s, { verify: true }), c, size);
    const runs = Object.fromEntries(CLIENTS.map((c) => [c, []]));
    const ratios = { oneShot: [], chunked: [], best: [] };
    for (let i = 0; i < config.runs; i++) {
      // Rotate the order each round so no client always follows the same one.
      const round = {};
      for (let j = 0; j < CLIENTS.length; j++) {
        const c = CLIENTS[(i + j) % CLIENTS.length];
        round[c] = await page.evaluate((c, s) => bench.send(c, s), c, size);
        runs[c].push(round[c]);
      }
      ratios.oneShot.push(round.module.ms / round.oneShot.ms);
      ratios.chunked.push(round.module.ms / round.chunked.ms);
      ratios.best.push(round.module.ms / Math.min(round.oneShot.ms, round.chunked.ms));
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
    out[n] = {
      attachmentBytes: size,
      bodyBytes,
      median: med,
      ratio: Object.fromEntries(Object.entries(ratios).map(([k, v]) => [k, r3(median(v))])),
      samples: Object.fromEntries(CLIENTS.map((c) => [c, runs[c].map((x) => ({ ms: r1(x.ms), longtaskMs: r1(x.longtaskMs), lagMs: r1(x.lagMs) }))])),
    };
    log(`  ${n}: ` + CLIENTS.map((c) => `${c} ${med[c].ms} ms`).join(', ') + `; module/best plain ${out[n].ratio.best}×`);
  }
  return out;
}

// ---- encoding throughput -------------------------------------------------------------------
async function caseEncode(page, config, log) {
  const kinds = await page.evaluate(() => bench.encoderKinds());
  log(`encoding throughput: ${config.encodeRuns} runs per encoder and size (${kinds.join(', ')})`);
  const out = {};
  for (const n of config.sizes) {
    const size = n * config.sizeUnit;
    await page.evaluate((s) => bench.prepare(s, { floor: false }), size);
    if (!(await page.evaluate((s) => bench.encodersAgree(s), size))) throw new Error(`encodeAttachment and the native encoder disagree at ${n}`);
    const reps = Math.max(1, Math.round((16 * MiB) / size));
    for (const e of kinds) await page.evaluate((e, s) => bench.encode(e, s, 1), e, size); // warm-up
    const samples = Object.fromEntries(kinds.map((e) => [e, []]));
    for (let i = 0; i < config.encodeRuns; i++) {
      for (let j = 0; j < kinds.length; j++) {
        const e = kinds[(i + j) % kinds.length];
        const { ms, bytes } = await page.evaluate((e, s, k) => bench.encode(e, s, k), e, size, reps);
        samples[e].push(bytes / 1e6 / (ms / 1000));
      }
    }
    out[n] = { repsPerSample: reps, medianMBps: Object.fromEntries(kinds.map((e) => [e, Math.round(median(samples[e]))])) };
    log(`  ${n}: ` + kinds.map((e) => `${e} ${out[n].medianMBps[e]} MB/s`).join(', '));
  }
  return out;
}

/** base64-simd against the `base64` crate, both in wasm, on the same 3 MiB slice. */
async function caseKernels(page, log) {
  const size = 3 * MiB;
  const reps = 8;
  log(`the two base64 encoders in wasm, ${reps} × 3 × 3 MiB each`);
  await page.evaluate((s) => bench.prepare(s, { floor: false }), size);
  const { ms, bytes } = await page.evaluate((s, n) => bench.encoderKernels(s, n), size, reps);
  const mbps = (t) => Math.round(bytes / 1e6 / (t / 1000));
  return { simdMBps: mbps(ms.simd), scalarMBps: mbps(ms.scalar) };
}

// ---- small messages ------------------------------------------------------------------------
/**
 * Text-only sends, the module against the plain client sending a string: sends per second in
 * alternating rounds; where each send's time goes (before fetch / fetch / after), and each
 * client's own cost with the network taken out (fetch answered at once).
 */
async function caseSmall(page, config, log) {
  const n = config.smallPerRound;
  const clients = ['module', 'plain'];
  log(`small messages: ${config.smallRounds} rounds of ${n} sequential sends per client`);
  for (const c of clients) await page.evaluate((c, k) => bench.smallSends(c, k), c, config.smallWarm);
  const rates = { module: [], plain: [] };
  const ratios = [];
  for (let i = 0; i < config.smallRounds; i++) {
    const round = {};
    for (const c of i % 2 ? ['plain', 'module'] : clients) {
      const ms = await page.evaluate((c, k) => bench.smallSends(c, k), c, n);
      round[c] = n / (ms / 1000);
      rates[c].push(round[c]);
    }
    ratios.push(round.module / round.plain);
  }
  const phases = {};
  const overheadUs = {};
  for (const c of clients) {
    const runs = [];
    for (let i = 0; i < 2; i++) runs.push(await page.evaluate((c, k) => bench.smallPhases(c, k), c, config.phaseSends));
    phases[c] = Object.fromEntries(Object.keys(runs[0]).map((k) => [k, r3(median(runs.map((r) => r[k])))]));
  }
  for (const c of clients) await page.evaluate((c, k) => bench.smallOverhead(c, k), c, config.overheadSends); // warm-up
  const over = { module: [], plain: [] };
  for (let i = 0; i < 3; i++) for (const c of clients) over[c].push(await page.evaluate((c, k) => bench.smallOverhead(c, k), c, config.overheadSends));
  for (const c of clients) overheadUs[c] = r1(median(over[c]));
  const out = {
    sendsPerRound: n,
    medianPerSecond: { module: r1(median(rates.module)), plain: r1(median(rates.plain)) },
    ratio: r3(median(ratios)),
    samplesRatio: ratios.map(r3),
    phasesMs: phases,
    overheadUs,
  };
  log(`  module ${out.medianPerSecond.module}/s, plain ${out.medianPerSecond.plain}/s, ratio ${out.ratio}×; own cost ${overheadUs.module} vs ${overheadUs.plain} µs per send`);
  return out;
}

/**
 * Where the CPU goes during small sends, from Chromium's sampling profiler (DevTools Protocol)
 * on a page that loads the package's JavaScript unbundled (so each sample names its file).
 * Self time per send, by the file of the nearest JavaScript frame; the browser functions a
 * file calls are named after it (e.g. "transport.js → Request").
 */
async function caseProfile(engine, origin, config, log) {
  log(`CPU profile (Chromium DevTools Protocol), ${config.profileSends} sends per client`);
  const page = await openBenchPage(engine, origin, '?module=raw');
  try {
    await page.evaluate(() => bench.initModule());
    const cdp = await page.raw.createCDPSession();
    await cdp.send('Profiler.enable');
    await cdp.send('Profiler.setSamplingInterval', { interval: 50 });
    const out = {};
    for (const c of ['module', 'plain']) {
      await page.evaluate((c, k) => bench.smallSends(c, k), c, config.smallWarm);
      await cdp.send('Profiler.start');
      const ms = await page.evaluate((c, k) => bench.smallSends(c, k), c, config.profileSends);
      const { profile } = await cdp.send('Profiler.stop');
      out[c] = { msPerSend: r3(ms / config.profileSends), usPerSend: selfTimes(profile, config.profileSends) };
    }
    await cdp.detach();
    return out;
  } finally {
    await page.close();
  }
}

/** The module's files as the unbundled page loads them, and what each is. */
const FILES = {
  'en.js': 'glue',
  'updox_error.js': 'glue',
  'locales.js': 'glue',
  'updox_direct_core.js': 'glue',
  'clients.mjs': 'plain client',
  'harness.mjs': 'bench loop',
};

/** Self time per send (µs) by place, from a CDP profile. */
function selfTimes(profile, sends) {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const placeOf = (frame) => {
    if (frame.url.endsWith('.wasm') || /^(wasm-function|js-to-wasm|wasm-to-js)/.test(frame.functionName)) return 'wasm';
    const file = frame.url.slice(frame.url.lastIndexOf('/') + 1);
    return frame.url ? (FILES[file] ?? file) : null;
  };
  const label = (id) => {
    const f = byId.get(id).callFrame;
    if (/^\((idle|program|garbage collector)\)$/.test(f.functionName)) return f.functionName;
    const own = placeOf(f);
    if (own) return own;
    // A browser function: named after the nearest JavaScript frame that called it.
    for (let p = parent.get(id); p !== undefined; p = parent.get(p)) {
      const place = placeOf(byId.get(p).callFrame);
      if (place) return `${place} → ${f.functionName || '(native)'}`;
    }
    return f.functionName || '(native)';
  };
  const labels = new Map();
  const us = {};
  for (let i = 0; i < profile.samples.length; i++) {
    const id = profile.samples[i];
    if (!labels.has(id)) labels.set(id, label(id));
    const k = labels.get(id);
    us[k] = (us[k] ?? 0) + (profile.timeDeltas[i + 1] ?? 0);
  }
  return Object.fromEntries(Object.entries(us).map(([k, v]) => [k, r1(v / sends)]).sort((a, b) => b[1] - a[1]));
}

// ---- peak memory -----------------------------------------------------------------------------
/** One sample: a fresh engine, one warm-up send, then one measured send. */
async function memorySample(name, origin, client, size) {
  if (name === 'webkit') await ensureDisplay(); // the X server is not the engine's memory
  const options = name === 'chromium' ? { args: ['--js-flags=--expose-gc'] } : {};
  const { engine, pids } = await openTracked(() => openEngine(name, options));
  try {
    const page = await openBenchPage(engine, origin);
    await page.evaluate(() => bench.initModule());
    await page.evaluate((c) => bench.warmUp(c), client);
    await page.evaluate((s) => bench.prepare(s, { floor: false }), size);
    // Only Chromium lets a page force a collection (--expose-gc); elsewhere, a pause.
    await page.evaluate(() => globalThis.gc?.());
    await sleep(300);
    const before = resetPeaks(pids());
    const measured = await page.evaluate((c, s) => bench.send(c, s), client === 'floor' ? 'floorFromPieces' : client, size);
    const { totalBytes, pageBytes, byName } = peaksAbove(before, pids());
    return { bytes: pageBytes, allBytes: totalBytes, byName, ms: r1(measured.ms) };
  } finally {
    await engine.close();
  }
}

async function caseMemory(name, origin, config, log) {
  log(`peak memory, a fresh ${name} per sample (${config.memSizes.map((m) => `${m} × ${config.memSamples[m]}`).join(', ')})`);
  const out = {};
  const clients = config.memClients ?? CLIENTS;
  for (const n of config.memSizes) {
    const size = n * config.sizeUnit;
    const samples = Object.fromEntries(clients.map((c) => [c, []]));
    for (let i = 0; i < config.memSamples[n]; i++) {
      for (const c of clients) samples[c].push(await memorySample(name, origin, c, size));
    }
    out[n] = {
      attachmentBytes: size,
      samplesPerClient: config.memSamples[n],
      medianBytes: Object.fromEntries(clients.map((c) => [c, median(samples[c].map((s) => s.bytes))])),
      medianAllBytes: Object.fromEntries(clients.map((c) => [c, median(samples[c].map((s) => s.allBytes))])),
      samples,
    };
    log(`  ${n}: ` + clients.map((c) => `${c} ${(out[n].medianBytes[c] / 1e6).toFixed(0)} MB (all processes ${(out[n].medianAllBytes[c] / 1e6).toFixed(0)})`).join(', '));
  }
  return out;
}

// ---- one engine --------------------------------------------------------------------------------
/** Every case in engine `name`; resolves the results (see run.mjs for how they are reported). */
export async function measureEngine(name, { origin, config, log = () => {} }) {
  config = { sizeUnit: MiB, ...config };
  const say = (...a) => log(`[${name}]`, ...a);
  const result = { engine: name };
  const engine = await openEngine(name);
  try {
    result.version = engine.version;
    result.userAgent = engine.userAgent;
    const page = await openBenchPage(engine, origin);
    result.info = await page.evaluate(() => bench.info());
    await page.evaluate(() => bench.initModule());
    for (const c of CLIENTS) await page.evaluate((c) => bench.warmUp(c), c);
    result.startup = await caseStartup(engine, origin, config, say);
    result.endToEnd = await caseEndToEnd(page, config, say);
    if (config.encodeRuns) result.encode = await caseEncode(page, config, say);
    if (config.kernels && existsSync(join(ROOT, 'target', 'bench-encoders', 'updox_direct_bg.wasm'))) result.kernels = await caseKernels(page, say);
    result.small = await caseSmall(page, config, say);
    await page.close();
    if (name === 'chromium' && config.profileSends) result.profile = await caseProfile(engine, origin, config, say);
  } finally {
    await engine.close();
  }
  if (config.memSizes.length) result.memory = await caseMemory(name, origin, config, say);
  return result;
}
