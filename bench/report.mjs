// The benchmark's report: each target per engine as PASS or MISS, and the Markdown of
// bench/results.md (one table per engine, then the details every engine shares a table for).
const MiB = 1024 * 1024;
const NAMES = { chromium: 'Chromium', firefox: 'Firefox', webkit: 'WebKit' };
const fmt = (x, d = 0) => (x == null || Number.isNaN(x) ? '—' : x.toLocaleString('en-US', { minimumFractionDigits: d, maximumFractionDigits: d }));
const mb = (bytes) => fmt(bytes / 1e6);
const kb = (bytes) => `${fmt(bytes / 1000, 1)} KB`;

/** The longest main-thread task of a send, as the engine reports it, else null. */
const longtask = (e, m) => (e.info.longtaskSupported ? m.longtaskMs : null);

/**
 * The validation figures of one engine from bench/validate.mjs's JSON: mean ms per call and
 * wasm memory (after the first call, after all) for plain base64 and for base64 in lines.
 */
function validateOf(r, name) {
  const v = r.validate?.engines?.[name];
  if (!v?.plain) return null;
  const of = (x) => x && { ms: x.perCallMs.mean, first: x.firstCallMs, wasmFirst: x.wasmMemoryBytes.afterFirstCall, wasmAll: x.wasmMemoryBytes.afterAllCalls };
  return { calls: r.validate.calls, plain: of(v.plain), lines: of(v['with line breaks']) };
}

export function targets(r) {
  const t = [];
  for (const [name, e] of Object.entries(r.engines)) {
    const add = (id, what, goal, value, display, pass) => t.push({ engine: name, id, name: what, goal, value, display, pass: Boolean(pass) });
    for (const n of [10, 25]) {
      const x = e.endToEnd[n];
      if (!x) continue;
      const best = Math.min(x.median.oneShot.ms, x.median.chunked.ms);
      add(`e2e-${n}`, `End-to-end ${n} MiB: module / best plain JS`, '≤ 0.9×', x.ratio.best, `${fmt(x.ratio.best, 2)}× (${fmt(x.median.module.ms)} vs ${fmt(best)} ms)`, x.ratio.best <= 0.9);
    }
    const m = e.endToEnd[25]?.median.module;
    if (m) {
      const lt = longtask(e, m);
      if (e.info.longtaskSupported) {
        add('longtask-25', 'Longest main-thread task, 25 MiB module send', '≤ 50 ms', lt,
          `${lt ? `${fmt(lt)} ms` : 'no task > 50 ms'} (median; worst run ${m.longtaskWorstMs ? `${fmt(m.longtaskWorstMs)} ms` : 'none > 50 ms'}; event-loop lag ${fmt(m.lagMs)} ms)`, lt <= 50);
      } else {
        // No longtask entries here: the largest gap between setTimeout(0) ticks bounds the
        // longest task from above (plus the timer's own clamp of about 4 ms).
        add('longtask-25', 'Longest main-thread task, 25 MiB module send (engine reports none: max event-loop lag)', '≤ 50 ms', m.lagMs,
          `lag ${fmt(m.lagMs)} ms (median; worst run ${fmt(m.lagWorstMs)} ms)`, m.lagMs <= 50);
      }
    }
    const mem = e.memory?.[25]?.medianBytes.module;
    if (mem != null) add('memory-25', 'Peak memory added by a 25 MiB module send', `≤ 4× attachment (≤ ${fmt((4 * 25 * MiB) / 1e6, 1)} MB)`, mem, `${fmt(mem / 1e6, 1)} MB (${fmt(mem / (25 * MiB), 2)}× attachment)`, mem <= 4 * 25 * MiB);
    const enc = e.encode?.[25]?.medianMBps.module;
    if (enc != null) add('encode', 'Encoding throughput (encodeAttachment, 25 MiB)', '≥ 2,000 MB/s', enc, `${fmt(enc)} MB/s`, enc >= 2000);
    const gz = r.sizes.total.gzip;
    add('size', 'Default load (.wasm + JS + English), gzipped', '≤ 35 KB', gz, `${kb(gz)} (wasm ${kb(r.sizes.wasm.gzip)} + JS ${kb(r.sizes.js.gzip)})`, gz <= 35000);
    add('size-es', 'Spanish module (locales/es.js), gzipped', '≤ 4 KB', r.sizes.spanish.gzip, kb(r.sizes.spanish.gzip), r.sizes.spanish.gzip <= 4000);
    const init = e.startup.median.initMs;
    add('startup', 'Fetch + compile + instantiate (init(), cold)', '≤ 20 ms', init, `${fmt(init, 1)} ms`, init <= 20);
    const s = e.small;
    add('small', 'Small messages: module / plain JS (string body) sends per second', '≥ 0.95×', s.ratio, `${fmt(s.ratio, 2)}× (median rates ${fmt(s.medianPerSecond.module)} vs ${fmt(s.medianPerSecond.plain)} /s)`, s.ratio >= 0.95);
    const v = validateOf(r, name);
    if (v) {
      const worst = Math.max(v.plain.ms, v.lines?.ms ?? 0);
      add('validate', 'validatePatientDirectMessage, 20 MiB pre-encoded attachment (mean per call)', '≤ 2 ms per call', worst,
        `${fmt(v.plain.ms, 2)} ms (base64 in lines ${fmt(v.lines?.ms, 2)} ms)`, worst <= 2);
      add('validate-memory', `wasm memory across ${v.calls} validate calls`, 'no growth', v.plain.wasmAll - v.plain.wasmFirst,
        `${fmt(v.plain.wasmFirst / MiB, 2)} → ${fmt(v.plain.wasmAll / MiB, 2)} MiB`, v.plain.wasmAll <= v.plain.wasmFirst && (!v.lines || v.lines.wasmAll <= v.lines.wasmFirst));
    }
  }
  return t;
}

function engineTable(r, name, e, L) {
  const c = r.config;
  const enc = e.info.plainEncoder === 'toBase64' ? '`toBase64`' : '`FileReader.readAsDataURL` (no `toBase64` here)';
  L.push(`### ${NAMES[name]} ${e.version}`);
  L.push('');
  L.push(`Plain clients' encoder: ${enc}. ${e.info.longtaskSupported ? 'Reports `longtask` entries.' : 'Reports no `longtask` entries: the longest task is bounded by the event-loop lag.'}`);
  L.push('');
  L.push('| Measure | Goal | Module | Plain JS, one-shot | Plain JS, chunked | Upload floor | Result |');
  L.push('|---|---|---|---|---|---|---|');
  const status = (id) => {
    const t = r.targets.find((x) => x.engine === name && x.id === id);
    return t ? (t.pass ? 'PASS' : 'MISS') : '';
  };
  for (const n of c.sizes) {
    const x = e.endToEnd[n];
    const m = x.median;
    const goal = n >= 10 ? '≤ 0.9× best plain' : '';
    L.push(`| End-to-end ${n} MiB (${fmt(x.bodyBytes / 1e6, 1)} MB body), ms | ${goal} | ${fmt(m.module.ms)} (${fmt(x.ratio.best, 2)}× best) | ${fmt(m.oneShot.ms)} | ${fmt(m.chunked.ms)} | ${fmt(m.floor.ms)} | ${status(`e2e-${n}`)} |`);
  }
  const big = Math.max(...c.sizes);
  const b = e.endToEnd[big].median;
  const lt = (x) => (x ? fmt(x) : 'none > 50');
  if (e.info.longtaskSupported) {
    L.push(`| Longest task during a ${big} MiB send (longtask), ms: median run / worst | ≤ 50 ms | ${lt(b.module.longtaskMs)} / ${lt(b.module.longtaskWorstMs)} | ${lt(b.oneShot.longtaskMs)} / ${lt(b.oneShot.longtaskWorstMs)} | ${lt(b.chunked.longtaskMs)} / ${lt(b.chunked.longtaskWorstMs)} | ${lt(b.floor.longtaskMs)} / ${lt(b.floor.longtaskWorstMs)} | ${status('longtask-25')} |`);
    L.push(`| Max event-loop lag during a ${big} MiB send, ms: median run / worst | | ${fmt(b.module.lagMs)} / ${fmt(b.module.lagWorstMs)} | ${fmt(b.oneShot.lagMs)} / ${fmt(b.oneShot.lagWorstMs)} | ${fmt(b.chunked.lagMs)} / ${fmt(b.chunked.lagWorstMs)} | ${fmt(b.floor.lagMs)} / ${fmt(b.floor.lagWorstMs)} | |`);
  } else {
    L.push(`| Longest task during a ${big} MiB send | | not reported | not reported | not reported | not reported | |`);
    L.push(`| Max event-loop lag during a ${big} MiB send, ms: median run / worst | ≤ 50 ms | ${fmt(b.module.lagMs)} / ${fmt(b.module.lagWorstMs)} | ${fmt(b.oneShot.lagMs)} / ${fmt(b.oneShot.lagWorstMs)} | ${fmt(b.chunked.lagMs)} / ${fmt(b.chunked.lagWorstMs)} | ${fmt(b.floor.lagMs)} / ${fmt(b.floor.lagWorstMs)} | ${status('longtask-25')} |`);
  }
  for (const n of c.memSizes) {
    const x = e.memory?.[n];
    if (!x) continue;
    const goal = n === 25 ? '≤ 4× attachment' : '';
    const cell = (c) => `${mb(x.medianBytes[c])} (${mb(x.medianAllBytes?.[c])})`;
    L.push(`| Peak memory added by a ${n} MiB send, MB: page's processes (all), ${x.samplesPerClient} fresh engine${x.samplesPerClient > 1 ? 's' : ''} | ${goal} | ${cell('module')} | ${cell('oneShot')} | ${cell('chunked')} | ${cell('floor')}, builds its Blob | ${n === 25 ? status('memory-25') : ''} |`);
  }
  const s = e.small;
  L.push(`| Small text-only messages, sends per second (plain: a string body) | ≥ 0.95× plain | ${fmt(s.medianPerSecond.module)} (${fmt(s.ratio, 2)}×) | ${fmt(s.medianPerSecond.plain)} | (same client) | | ${status('small')} |`);
  L.push(`| Own cost of a small send (network taken out), µs | | ${fmt(s.overheadUs.module)} | ${fmt(s.overheadUs.plain)} | | | |`);
  const v = validateOf(r, name);
  if (v) {
    L.push(`| \`validatePatientDirectMessage\` with a 20 MiB pre-encoded attachment, mean ms per call (first call): base64 / in 76-character lines | ≤ 2 ms | ${fmt(v.plain.ms, 2)} (${fmt(v.plain.first, 1)}) / ${fmt(v.lines?.ms, 2)} (${fmt(v.lines?.first, 1)}) | | | | ${status('validate')} |`);
    L.push(`| wasm memory after the first of those calls → after ${v.calls}, MiB | no growth | ${fmt(v.plain.wasmFirst / MiB, 2)} → ${fmt(v.plain.wasmAll / MiB, 2)} | | | | ${status('validate-memory')} |`);
  }
  const en = e.encode?.[big]?.medianMBps;
  if (en) L.push(`| Encoding a ${big} MiB Blob to a base64 string, MB/s | ≥ 2,000 MB/s | ${fmt(en.module)} | ${fmt(en.toBase64 ?? en.readAsDataURL)} | | | ${status('encode')} |`);
  L.push(`| Start-up: import the JS / \`init()\` (fetch, compile, instantiate), cold, ms | init ≤ 20 ms | ${fmt(e.startup.median.importMs, 1)} / ${fmt(e.startup.median.initMs, 1)} | | | | ${status('startup')} |`);
  L.push(`| Default load (.wasm + JS + English), gzip -9 | ≤ 35 KB | ${kb(r.sizes.total.gzip)} | | | | ${status('size')} |`);
  L.push('');
}

export function markdown(r) {
  const L = [];
  const env = r.environment;
  const engines = Object.entries(r.engines);
  L.push(
    `Measured ${r.date.slice(0, 10)} in ${engines.map(([n, e]) => `${NAMES[n]} ${e.version}`).join(', ')}; Node ${env.node}, ${env.cpus} cores (load average ${fmt(env.loadAverageAtStart, 1)} at start${env.loadAverageAtStart > env.cpus * 0.5 ? ': busy, timings noisy' : ''})${r.quick ? ' — **quick run (BENCH_QUICK=1): fewer runs, not for publishing**' : ''}. Loopback sink on the page's origin; medians; ratios are medians of paired, alternating runs (module time / plain time for sends; module rate / plain rate for small messages).`,
  );
  L.push('');
  for (const [name, e] of engines) engineTable(r, name, e, L);

  L.push('**Small messages: where a send\'s time goes**, mean ms per send, seen from outside each client: from the call until it calls `fetch`, from there until `fetch` resolves, from there until the call resolves; and each client\'s own cost with `fetch` answered at once by a ready `Response` (µs per send):');
  L.push('');
  L.push('| Engine | Client | Before fetch | fetch | Answer | Total | Own cost, µs |');
  L.push('|---|---|---|---|---|---|---|');
  for (const [name, e] of engines) {
    for (const c of ['module', 'plain']) {
      const p = e.small.phasesMs[c];
      L.push(`| ${NAMES[name]} | ${c === 'module' ? 'module' : 'plain JS'} | ${fmt(p.beforeFetch, 3)} | ${fmt(p.fetch, 3)} | ${fmt(p.answer, 3)} | ${fmt(p.total, 3)} | ${fmt(e.small.overheadUs[c])} |`);
    }
  }
  L.push('');
  const prof = r.engines.chromium?.profile;
  if (prof) {
    L.push(`**Chromium CPU profile of small sends** (DevTools sampling profiler, ${r.config.profileSends} sends per client, the package's JavaScript loaded unbundled so each sample names its file; self time in µs per send; "file → Name" is a browser function that file called; "glue" is wasm-bindgen's marshalling into and out of the wasm):`);
    L.push('');
    L.push('| Where | Module | Plain JS |');
    L.push('|---|---|---|');
    const keys = new Set([...Object.keys(prof.module.usPerSend), ...Object.keys(prof.plain.usPerSend)]);
    const rows = [...keys]
      .filter((k) => k !== '(idle)')
      .map((k) => [k, prof.module.usPerSend[k] ?? 0, prof.plain.usPerSend[k] ?? 0])
      .filter(([, a, b]) => a >= 2 || b >= 2)
      .sort((a, b) => Math.max(b[1], b[2]) - Math.max(a[1], a[2]));
    for (const [k, a, b] of rows) L.push(`| ${k.replace(/\|/g, '\\|')} | ${fmt(a)} | ${fmt(b)} |`);
    L.push(`| (idle: waiting for the network) | ${fmt(prof.module.usPerSend['(idle)'])} | ${fmt(prof.plain.usPerSend['(idle)'])} |`);
    L.push(`| wall time per send | ${fmt(prof.module.msPerSend * 1000)} | ${fmt(prof.plain.msPerSend * 1000)} |`);
    L.push('');
  }
  L.push('**Encoding throughput**, MB/s of input, Blob in → base64 string out (reading the Blob included):');
  L.push('');
  L.push('| Engine | Attachment | Module `encodeAttachment` | `toBase64` (incl. `arrayBuffer()`) | `toBase64` (bytes already read) | `FileReader.readAsDataURL` | `blob.arrayBuffer()` alone |');
  L.push('|---|---|---|---|---|---|---|');
  for (const [name, e] of engines) {
    for (const n of r.config.sizes) {
      const x = e.encode?.[n]?.medianMBps;
      if (x) L.push(`| ${NAMES[name]} | ${n} MiB | ${fmt(x.module)} | ${fmt(x.toBase64)} | ${fmt(x.toBase64Ready)} | ${fmt(x.readAsDataURL)} | ${fmt(x.readOnly)} |`);
    }
  }
  L.push('');
  const kern = engines.filter(([, e]) => e.kernels);
  if (kern.length) {
    const gz = r.sizes.encoders;
    L.push(`**The two base64 encoders in wasm** (the same 3 MiB in wasm memory, MB/s of input): ${kern.map(([n, e]) => `${NAMES[n]}: base64-simd ${fmt(e.kernels.simdMBps)}, \`base64\` crate ${fmt(e.kernels.scalarMBps)}`).join('; ')}. The .wasm built with each, gzip -9: base64-simd ${fmt(gz?.simd)} bytes, \`base64\` crate ${fmt(gz?.scalar)} bytes.`);
    L.push('');
  }
  const s = r.sizes;
  L.push('| File | Raw bytes | gzip -9 bytes |');
  L.push('|---|---|---|');
  L.push(`| \`.wasm\` | ${fmt(s.wasm.raw)} | ${fmt(s.wasm.gzip)} |`);
  L.push(`| \`updox_direct.js\` (glue + API + English) | ${fmt(s.js.raw)} | ${fmt(s.js.gzip)} |`);
  L.push(`| Default load (total) | ${fmt(s.total.raw)} | ${fmt(s.total.gzip)} |`);
  L.push(`| \`locales/es.js\` (Spanish, loaded on demand) | ${fmt(s.spanish.raw)} | ${fmt(s.spanish.gzip)} |`);
  L.push('');
  L.push(`Peak memory: the rise of the peak resident memory (Linux VmHWM, reset before the send) above the resident memory before it, in a freshly started engine, summed over the processes that hold the page and what it makes (its heap, wasm memory and Blobs: Chromium's browser and renderer, Firefox's parent and content processes, WebKit's MiniBrowser and web process; the target applies to these) and, in parentheses, over all the engine's processes (adding Chromium's GPU and network service, Firefox's socket and utility processes, WebKit's network process and WebKitWebDriver, where the upload is buffered). Only Chromium lets the page force a garbage collection before the send (\`--expose-gc\`); Firefox and WebKit get a 300 ms pause. Run took ${fmt(r.elapsedSeconds)} s (${engines.map(([n, e]) => `${NAMES[n]} ${e.seconds} s`).join(', ')}).`);
  L.push('');
  return L.join('\n');
}
