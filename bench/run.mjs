// `npm run bench`: the module against plain-JavaScript clients in every engine the tests use
// (Chromium, Firefox, WebKit; UPDOX_ENGINES=name,… picks some), each opened through
// tests/support/engines.mjs. Per engine (bench/engine.mjs): start-up, end-to-end sends of 1, 10
// and 25 MiB (module, one-shot and chunked plain clients, upload floor) with the main thread
// watched, encoding throughput, the two base64 encoders in wasm, small text-only messages (rate,
// where each send's time goes, each client's own cost; in Chromium a CPU profile), peak memory
// in a fresh engine per sample; then the validation benchmark (bench/validate.mjs); then
// each target printed once as PASS or MISS, and bench/results.json + bench/results.md.
// BENCH_QUICK=1 runs a reduced version (fewer runs and samples) and writes the git-ignored
// bench/results.local.json instead.
// Exits non-zero only on errors (a send failing, a wrong body, an engine that cannot start),
// never on a MISS.
import { existsSync, readFileSync, writeFileSync, statSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { cpus, loadavg } from 'node:os';
import { selectedEngines } from '../tests/support/engines.mjs';
import { measureEngine, r3 } from './engine.mjs';
import { markdown, targets } from './report.mjs';
import { startBenchServer } from './server.mjs';

const QUICK = /^(1|true|yes)$/i.test(process.env.BENCH_QUICK ?? '');
const ROOT = new URL('..', import.meta.url).pathname;
const BENCH = join(ROOT, 'bench');

const CONFIG = QUICK
  ? {
      sizes: [1, 25], runs: 3, encodeRuns: 2, kernels: true, memSizes: [25], memSamples: { 25: 1 }, startupRuns: 3,
      smallRounds: 6, smallPerRound: 25, smallWarm: 20, phaseSends: 50, overheadSends: 200, profileSends: 150,
    }
  : {
      sizes: [1, 10, 25], runs: 7, encodeRuns: 5, kernels: true, memSizes: [10, 25], memSamples: { 10: 3, 25: 3 }, startupRuns: 9,
      smallRounds: 12, smallPerRound: 30, smallWarm: 30, phaseSends: 100, overheadSends: 300, profileSends: 300,
    };

const started = Date.now();
const log = (...a) => console.log(`[${((Date.now() - started) / 1000).toFixed(0).padStart(4)} s]`, ...a);

/** Sizes, raw and gzip -9: the default load (the .wasm and the one JavaScript module, with the
 * English sentences), and the Spanish module loaded on demand. The same in every engine. */
function sizes() {
  const size = (file) => {
    const data = readFileSync(join(ROOT, 'pkg', file));
    return { file, raw: data.length, gzip: gzipSync(data, { level: 9 }).length };
  };
  const wasm = size('updox_direct_bg.wasm');
  const js = size('updox_direct.js');
  // The .wasm as wasm-pack builds it with each base64 encoder (scripts/bench.sh), before
  // finish-pkg: what the choice of encoder costs in bytes.
  const built = (variant) => {
    const path = join(ROOT, 'target', variant, 'updox_direct_bg.wasm');
    return existsSync(path) ? gzipSync(readFileSync(path), { level: 9 }).length : null;
  };
  const encoders = { simd: built('simd-encoder'), scalar: built('scalar-encoder') };
  return { wasm, js, total: { raw: wasm.raw + js.raw, gzip: wasm.gzip + js.gzip }, spanish: size('locales/es.js'), encoders };
}

/** The validation benchmark (bench/validate.mjs, run as it is, printing JSON). */
function validateBench(engines) {
  const script = join(BENCH, 'validate.mjs');
  log('validation: bench/validate.mjs');
  const run = spawnSync(process.execPath, [script], {
    cwd: ROOT,
    env: { ...process.env, UPDOX_ENGINES: engines.join(',') },
    encoding: 'utf8',
    maxBuffer: 16 << 20,
    timeout: 30 * 60_000,
  });
  if (run.status !== 0) throw new Error(`bench/validate.mjs failed (${run.status ?? run.signal}):\n${run.stderr.slice(-2000)}`);
  return JSON.parse(run.stdout.slice(run.stdout.indexOf('{')));
}

async function main() {
  statSync(join(ROOT, 'pkg', 'updox_direct_bg.wasm')); // built by scripts/build.sh
  const engines = selectedEngines();
  const server = await startBenchServer();
  const result = { date: new Date().toISOString(), quick: QUICK, config: CONFIG, engines: {} };
  try {
    log(`bench ${QUICK ? '(quick) ' : ''}on ${server.origin}, engines: ${engines.join(', ')}`);
    const loadAtStart = loadavg()[0];
    if (loadAtStart > cpus().length * 0.5) {
      log(`warning: the machine is busy (load average ${loadAtStart.toFixed(1)} on ${cpus().length} cores); timings will be noisy`);
    }
    result.environment = { node: process.versions.node, cpus: cpus().length, cpuModel: cpus()[0]?.model, loadAverageAtStart: r3(loadAtStart) };
    result.sizes = sizes();
    for (const name of engines) {
      const t0 = Date.now();
      result.engines[name] = await measureEngine(name, { origin: server.origin, config: CONFIG, log });
      result.engines[name].seconds = Math.round((Date.now() - t0) / 1000);
    }
    result.validate = validateBench(engines);
    result.environment.loadAverageAtEnd = r3(loadavg()[0]);
    result.sink = server.stats;
  } finally {
    await server.close();
  }
  result.targets = targets(result);
  result.elapsedSeconds = Math.round((Date.now() - started) / 1000);
  const md = markdown(result);
  // A quick run must not replace the published results: it writes the git-ignored
  // bench/results.local.json (with the Markdown inside) instead.
  if (QUICK) {
    writeFileSync(join(BENCH, 'results.local.json'), JSON.stringify({ ...result, markdown: md }, null, 2) + '\n');
  } else {
    writeFileSync(join(BENCH, 'results.json'), JSON.stringify(result, null, 2) + '\n');
    writeFileSync(join(BENCH, 'results.md'), md);
  }
  console.log('\n' + md);
  console.log('Targets:');
  for (const t of result.targets) console.log(`${t.pass ? 'PASS' : 'MISS'}  [${t.engine}] ${t.name}: ${t.display} (target ${t.goal})`);
  console.log(`\nwrote ${QUICK ? 'bench/results.local.json (quick run)' : 'bench/results.json and bench/results.md'} in ${result.elapsedSeconds} s`);
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(`bench: ERROR: ${err?.stack ?? err}`);
    process.exit(1);
  },
);
