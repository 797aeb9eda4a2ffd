// The benchmark's code, run in each engine at a tiny size so that it keeps working between
// `npm run bench` runs (the figures themselves are the benchmark's business, not a test's):
// every client's body checked byte for byte by the sink, small-message rates, phases and own
// costs, start-up, peak memory from /proc, and in Chromium the CPU profile; then the report
// built from those results. Needs pkg/ (bash scripts/build.sh).
//
//   UPDOX_ENGINES=webkit node --test tests/bench/bench.browser.test.mjs
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { CLIENTS, measureEngine } from '../../bench/engine.mjs';
import { markdown, targets } from '../../bench/report.mjs';
import { startBenchServer } from '../../bench/server.mjs';
import { selectedEngines } from '../support/engines.mjs';

const TINY = {
  sizeUnit: 1024, // KiB
  sizes: [100],
  runs: 1,
  encodeRuns: 1,
  kernels: false,
  memSizes: [100],
  memSamples: { 100: 1 },
  memClients: ['chunked'], // one fresh engine is enough to exercise the code
  startupRuns: 1,
  smallRounds: 2,
  smallPerRound: 3,
  smallWarm: 2,
  phaseSends: 3,
  overheadSends: 5,
  profileSends: 5,
};

const positive = (x, what) => assert.ok(Number.isFinite(x) && x > 0, `${what}: ${x}`);
// Firefox and WebKit coarsen performance.now(): a few fast calls may measure 0.
const measured = (x, what) => assert.ok(Number.isFinite(x) && x >= 0, `${what}: ${x}`);

for (const name of selectedEngines()) {
  describe(name, () => {
    let server;
    let result;
    before(async () => {
      server = await startBenchServer();
    });
    after(() => server?.close());

    test('every case runs at a tiny size, with every body checked by the sink', async () => {
      result = await measureEngine(name, { origin: server.origin, config: TINY });
      const e2e = result.endToEnd[100];
      for (const c of CLIENTS) positive(e2e.median[c].ms, `${c} send`);
      positive(e2e.ratio.best, 'module / best plain');
      positive(result.startup.median.initMs, 'init()');
      for (const kind of Object.keys(result.encode[100].medianMBps)) measured(result.encode[100].medianMBps[kind], `encoder ${kind}`);
      for (const c of ['module', 'plain']) {
        positive(result.small.medianPerSecond[c], `${c} small sends per second`);
        measured(result.small.overheadUs[c], `${c} own cost`);
        const p = result.small.phasesMs[c];
        positive(p.fetch, `${c} fetch phase`);
        assert.ok(Math.abs(p.beforeFetch + p.fetch + p.answer - p.total) < 0.01 + p.total * 0.01, `${c} phases add up: ${JSON.stringify(p)}`);
      }
      // Each sample's engine processes were found and their peak read.
      assert.ok(Object.keys(result.memory[100].samples.chunked[0].byName).length > 0, 'no process measured');
      assert.equal(result.info.longtaskSupported, name === 'chromium');
      if (name === 'chromium') {
        const own = result.profile.module.usPerSend;
        assert.ok(Object.keys(own).some((k) => k === 'wasm') && Object.keys(own).some((k) => k.startsWith('glue')), `the profile names the module's parts: ${Object.keys(own)}`);
      }
      // The sink answered Updox's failure envelope to any wrong body, which fails the send.
      assert.ok(server.stats.sinkRequests >= CLIENTS.length * 2);
    });

    test('the report is built from those results', () => {
      assert.ok(result, 'the cases did not run');
      const r = {
        date: new Date().toISOString(),
        quick: true,
        config: TINY,
        environment: { node: process.versions.node, cpus: 2, loadAverageAtStart: 0 },
        sizes: { wasm: { raw: 1, gzip: 1 }, js: { raw: 1, gzip: 1 }, total: { raw: 2, gzip: 2 }, spanish: { raw: 1, gzip: 1 }, encoders: {} },
        engines: { [name]: { ...result, seconds: 1 } },
        elapsedSeconds: 1,
      };
      r.targets = targets(r);
      assert.ok(r.targets.some((t) => t.id === 'small' && t.engine === name));
      const md = markdown(r);
      assert.match(md, new RegExp(`### ${{ chromium: 'Chromium', firefox: 'Firefox', webkit: 'WebKit' }[name]} `));
      assert.match(md, /Small text-only messages/);
    });
  });
}
