// The published package, without a browser: what `npm pack` ships, its package.json, that
// importing it in Node (server-side rendering) has no side effects, and that the docs cannot
// drift from it (API reference vs .d.ts vs runtime exports; browser floor vs the wasm's
// features; CHANGELOG vs version). Needs pkg/ (bash scripts/build.sh).
//
//   node --test --test-concurrency=1 --test-reporter=spec tests/package/package.test.mjs
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const PKG = join(ROOT, 'pkg');
const read = (...parts) => readFileSync(join(...parts), 'utf8');

function run(cmd, args, { cwd, input } = {}) {
  return new Promise((resolve, reject) => {
    const child = execFile(cmd, args, { cwd, timeout: 60_000, maxBuffer: 16 << 20 }, (err, stdout, stderr) => {
      if (err && typeof err.code !== 'number') return reject(err);
      resolve({ code: err ? err.code : 0, stdout, stderr });
    });
    if (input !== undefined) child.stdin.end(input);
  });
}

async function mustRun(cmd, args, options) {
  const r = await run(cmd, args, options);
  assert.equal(r.code, 0, `${cmd} ${args.join(' ')} failed:\n${r.stdout}\n${r.stderr}`);
  return r;
}

let tmp;
let installed; // tmp/node_modules/updox-direct: the unpacked tarball, importable by name

before(async () => {
  for (const file of ['package.json', 'updox_direct.js', 'updox_direct.d.ts', 'updox_direct_bg.wasm']) {
    assert.ok(existsSync(join(PKG, file)), `pkg/${file} is missing: run bash scripts/build.sh first`);
  }
  tmp = mkdtempSync(join(tmpdir(), 'updox-package-'));
  const packed = await mustRun('npm', ['pack', '--json', '--pack-destination', tmp], { cwd: PKG });
  const tarball = join(tmp, JSON.parse(packed.stdout)[0].filename);
  installed = join(tmp, 'node_modules', 'updox-direct');
  mkdirSync(installed, { recursive: true });
  await mustRun('tar', ['-xzf', tarball, '-C', installed, '--strip-components=1']);
});

after(() => {
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

// ---- what is published ------------------------------------------------------------------

test('npm pack --dry-run lists only what a user needs', async () => {
  const r = await mustRun('npm', ['pack', '--dry-run', '--json'], { cwd: PKG });
  const files = JSON.parse(r.stdout)[0].files.map((f) => f.path).sort();
  // The server side (updox-direct/proxy): exactly the files of server/proxy/.
  const serverSide = readdirSync(join(ROOT, 'server', 'proxy')).filter((f) => /\.(mjs|d\.ts)$/.test(f)).map((f) => `proxy/${f}`).sort();
  assert.deepEqual(files.filter((f) => f.startsWith('proxy/')), serverSide);
  for (const f of serverSide) {
    assert.equal(read(PKG, f), read(join(ROOT, 'server'), f), `pkg/${f} is server/${f} as npm start runs it`);
  }
  assert.deepEqual(
    files.filter((f) => !f.startsWith('proxy/')),
    [
      'CHANGELOG.md',
      'LICENSE-APACHE',
      'LICENSE-MIT',
      'README.md',
      'locales/es.js',
      'package.json',
      'updox_direct.d.ts',
      'updox_direct.js',
      'updox_direct_bg.wasm',
    ],
  );
  // Every module the entry imports (statically or on demand) is in the package.
  const imported = [...read(PKG, 'updox_direct.js').matchAll(/(?:from|import\()\s*["'`]\.\/([^"'`]+)["'`]/g)].map((m) => m[1]);
  assert.deepEqual([...new Set(imported)].sort(), ['locales/es.js']);
});

test('package.json: name, version, module entry points, types, exports, sideEffects', () => {
  const pkg = JSON.parse(read(PKG, 'package.json'));
  const cargoVersion = /^\[package\][\s\S]*?^version\s*=\s*"([^"]+)"/m.exec(read(ROOT, 'Cargo.toml'))[1];
  assert.equal(pkg.name, 'updox-direct');
  assert.equal(pkg.version, cargoVersion);
  assert.equal(pkg.license, 'MIT OR Apache-2.0');
  assert.ok(pkg.description && pkg.repository?.url);
  assert.equal(pkg.type, 'module');
  assert.equal(pkg.main, './updox_direct.js');
  assert.equal(pkg.module, './updox_direct.js');
  assert.equal(pkg.types, './updox_direct.d.ts');
  assert.deepEqual(pkg.exports['.'], { types: './updox_direct.d.ts', default: './updox_direct.js' });
  assert.equal(Object.keys(pkg.exports['.'])[0], 'types', '"types" must come first');
  assert.equal(pkg.exports['./updox_direct_bg.wasm'], './updox_direct_bg.wasm');
  assert.equal(pkg.sideEffects, false);
  // Only the Node entry has dependencies; the browser entry imports nothing from them.
  assert.deepEqual(Object.keys(pkg.dependencies).sort(), ['jose', 'rate-limiter-flexible']);
  assert.deepEqual(pkg.peerDependenciesMeta, { redis: { optional: true } });
  assert.deepEqual(pkg.exports['./proxy'], { types: './proxy/index.d.ts', default: './proxy/index.mjs' });
  assert.doesNotMatch(read(PKG, 'updox_direct.js'), /from ['"](jose|rate-limiter-flexible|redis)/);
  for (const target of [pkg.main, pkg.types, ...Object.values(pkg.exports).flatMap((t) => (typeof t === 'string' ? [t] : Object.values(t)))]) {
    assert.ok(existsSync(join(installed, target)), `${target} is not in the published package`);
  }
});

test('CHANGELOG.md has an entry for the published version', () => {
  const { version } = JSON.parse(read(PKG, 'package.json'));
  const changelog = read(ROOT, 'CHANGELOG.md');
  assert.match(changelog, new RegExp(`^## \\[${version.replace(/\./g, '\\.')}\\] - \\d{4}-\\d{2}-\\d{2}$`, 'm'));
  assert.equal(read(installed, 'CHANGELOG.md'), changelog);
});

// ---- Node / server-side rendering ------------------------------------------------------------

// Runs in a fresh Node process: traps the browser globals, watches WebAssembly and fetch,
// imports the package by name, then reports (as JSON) what the import touched.
const SSR_PROBE = `
const touched = [];
for (const name of ['window', 'document', 'self', 'location', 'navigator', 'localStorage', 'sessionStorage', 'XMLHttpRequest']) {
  const had = Object.getOwnPropertyDescriptor(globalThis, name);
  Object.defineProperty(globalThis, name, {
    configurable: true,
    get() { touched.push(name); return had?.get ? had.get.call(globalThis) : had?.value; },
    set() { touched.push(name + '='); },
  });
}
const wasmCalls = [];
for (const name of ['compile', 'compileStreaming', 'instantiate', 'instantiateStreaming', 'validate']) {
  const original = WebAssembly[name];
  WebAssembly[name] = function (...args) { wasmCalls.push(name); return original.apply(this, args); };
}
for (const name of ['Module', 'Instance']) {
  WebAssembly[name] = new Proxy(WebAssembly[name], { construct(target, args) { wasmCalls.push(name); return Reflect.construct(target, args); } });
}
const realFetch = globalThis.fetch;
const fetched = [];
globalThis.fetch = (...args) => { fetched.push(String(args[0])); return realFetch(...args); };
const globalsBefore = Object.getOwnPropertyNames(globalThis).sort();

const report = { touched, wasmCalls, fetched };
try {
  const m = await import('updox-direct');
  report.imported = Object.keys(m).sort();
  report.newGlobals = Object.getOwnPropertyNames(globalThis).sort().filter((n) => !globalsBefore.includes(n));
  report.afterImport = { touched: [...touched], wasmCalls: [...wasmCalls], fetched: [...fetched] };
  // Now load it explicitly, as a server that validates would.
  const { readFileSync } = await import('node:fs');
  const { fileURLToPath } = await import('node:url');
  const bytes = readFileSync(fileURLToPath(import.meta.resolve('updox-direct/updox_direct_bg.wasm')));
  m.initSync({ module: bytes });
  report.afterInit = { wasmCalls: [...wasmCalls] };
  report.valid = m.isValidDirectAddress('care-team@direct.example-clinic.org');
  report.issues = m.validatePatientDirectMessage({ to: 'nobody' }, {}).map((i) => i.field);
} catch (err) {
  report.error = String(err && err.stack || err);
}
process.stdout.write(JSON.stringify(report));
`;

test('importing the package in Node touches no browser global and loads no wasm until init', async () => {
  const r = await mustRun(process.execPath, ['--input-type=module', '-e', SSR_PROBE], { cwd: tmp });
  const report = JSON.parse(r.stdout);
  assert.equal(report.error, undefined, report.error);
  assert.deepEqual(report.afterImport, { touched: [], wasmCalls: [], fetched: [] }, 'import had side effects');
  assert.deepEqual(report.newGlobals, [], 'import defined globals');
  assert.ok(report.imported.includes('default') && report.imported.includes('sendPatientDirectMessage'));
  // The wasm is compiled only by init (here initSync, from bytes).
  assert.ok(report.afterInit.wasmCalls.length > 0, 'initSync should instantiate the wasm');
  assert.equal(report.valid, true);
  assert.ok(report.issues.includes('to'));
});

// ---- the docs cannot drift from the package ---------------------------------------------------

/** Names a .d.ts exports: {values, types}. */
function dtsExports(dts) {
  const values = new Set();
  const types = new Set();
  for (const m of dts.matchAll(/^export (?:declare )?(function|class|const|let|var|interface|type) (\w+)/gm)) {
    (m[1] === 'interface' || m[1] === 'type' ? types : values).add(m[2]);
  }
  if (/^export default function\b/m.test(dts)) values.add('default');
  for (const m of dts.matchAll(/^export \{([^}]*)\}/gm)) {
    for (const part of m[1].split(',')) {
      const name = part.trim().split(/\s+as\s+/).pop();
      if (name) values.add(name);
    }
  }
  return { values, types };
}

/** Member names declared directly in `export interface Name {…}` or `export declare class Name … {…}`. */
function dtsMembers(dts, name) {
  const start = new RegExp(`^export (?:declare )?(?:interface|class) ${name}\\b[^{]*\\{`, 'm').exec(dts);
  if (!start) return null;
  const text = dts.slice(start.index + start[0].length).replace(/\/\*[\s\S]*?\*\//g, '').replace(/\/\/.*$/gm, '');
  const members = [];
  let depth = 1;
  for (const line of text.split('\n')) {
    if (depth === 1) {
      const m = /^\s*(?:readonly\s+)?(\w+)\??\s*[:(]/.exec(line);
      if (m) members.push(m[1]);
    }
    for (const ch of line) {
      if (ch === '{') depth++;
      if (ch === '}') depth--;
    }
    if (depth === 0) break;
  }
  return members;
}

/** The `## Heading` section of Markdown text (up to the next `## `), or null. */
function section(text, heading) {
  const start = text.search(new RegExp(`^## ${heading}\\s*$`, 'm'));
  if (start < 0) return null;
  const rest = text.slice(start + 1);
  const end = rest.search(/^## /m);
  return end < 0 ? rest : rest.slice(0, end);
}

/** `### ` subsections of a section: Map(title -> first-column names of its table rows). */
function tables(sectionText) {
  const out = new Map();
  for (const part of sectionText.split(/^### /m).slice(1)) {
    const title = part.slice(0, part.indexOf('\n')).trim();
    const rows = part.split('\n').filter((l) => l.startsWith('|')).slice(2); // header, separator
    const names = rows.map((row) => {
      const cell = row.split(/(?<!\\)\|/)[1];
      const m = /`([^`]+)`/.exec(cell);
      assert.ok(m, `a row of "${title}" has no backticked name: ${row}`);
      return /\(default export\)/.test(cell) ? 'default' : m[1];
    });
    out.set(title, names);
  }
  return out;
}

const sorted = (it) => [...it].sort();

/** Where the API reference lives: README.md once it has the section, else docs/api.md. */
function apiReferenceSource() {
  const readme = existsSync(join(ROOT, 'README.md')) ? read(ROOT, 'README.md') : '';
  return section(readme, 'API reference') ? ['README.md', readme] : ['docs/api.md', read(ROOT, 'docs', 'api.md')];
}

test('the API reference lists exactly the exports of the .d.ts and of the module', async () => {
  const dts = read(PKG, 'updox_direct.d.ts');
  const { values, types } = dtsExports(dts);
  const runtime = Object.keys(await import(pathToFileURL(join(installed, 'updox_direct.js')).href));
  assert.deepEqual(sorted(values), sorted(runtime), '.d.ts value exports differ from the runtime exports');

  const [file, text] = apiReferenceSource();
  const api = section(text, 'API reference');
  assert.ok(api, `${file} has no "## API reference" section`);
  const t = tables(api);
  assert.deepEqual(sorted(t.get('Functions and classes') ?? []), sorted(values), `${file}: "Functions and classes" differs from the exports`);
  assert.deepEqual(sorted(t.get('Types') ?? []), sorted(types), `${file}: "Types" differs from the .d.ts types`);

  // Every interface and the error class (but the raw InitOutput) has a field table that
  // names exactly its members.
  const shapes = [...dts.matchAll(/^export (?:declare )?(?:interface|class) (\w+)/gm)].map((m) => m[1]).filter((n) => n !== 'InitOutput');
  const documented = [...t.keys()].map((k) => /^`(\w+)`$/.exec(k)?.[1]).filter(Boolean);
  assert.deepEqual(sorted(documented), sorted(shapes), `${file}: the types with a field table differ from the .d.ts interfaces`);
  for (const name of shapes) {
    assert.deepEqual(sorted(t.get(`\`${name}\``)), sorted(dtsMembers(dts, name)), `${file}: fields of ${name} differ from the .d.ts`);
  }
});

test('the installed package carries the README written for it', () => {
  // A standalone page (tests/package/package-readme.test.mjs checks its links and imports); the API
  // reference lives in docs/api.md, which it links.
  const published = read(installed, 'README.md');
  assert.equal(published, read(ROOT, 'docs', 'package-README.md'));
  assert.match(published, /docs\/api\.md\)/);
});

/** The wasm's `target_features` custom section: the features it was compiled with. */
function wasmFeatures(bytes) {
  const [data] = WebAssembly.Module.customSections(new WebAssembly.Module(bytes), 'target_features');
  assert.ok(data, 'the wasm has no target_features section');
  const s = new Uint8Array(data);
  let i = 0;
  const leb = () => {
    let value = 0;
    let shift = 0;
    let byte;
    do {
      byte = s[i++];
      value |= (byte & 0x7f) << shift;
      shift += 7;
    } while (byte & 0x80);
    return value;
  };
  const features = [];
  for (let n = leb(); n > 0; n--) {
    const prefix = String.fromCharCode(s[i++]);
    const len = leb();
    const name = new TextDecoder().decode(s.subarray(i, i + len));
    i += len;
    if (prefix !== '-') features.push(name);
  }
  return features;
}

test('the documented browser floor matches the wasm features used', () => {
  const features = wasmFeatures(readFileSync(join(PKG, 'updox_direct_bg.wasm')));
  const readme = existsSync(join(ROOT, 'README.md')) ? read(ROOT, 'README.md') : '';
  const doc = section(readme, 'Supported browsers') ?? section(read(ROOT, 'docs', 'browsers.md'), 'Supported browsers');
  const rows = new Map();
  for (const line of doc.split('\n')) {
    const m = /^\| `([\w-]+)` \| ([\d.]+) \| ([\d.]+) \| ([\d.]+) \|/.exec(line);
    if (m) rows.set(m[1], { chrome: m[2], firefox: m[3], safari: m[4] });
  }
  const version = (v) => v.split('.').map(Number);
  const max = (a, b) => {
    const [x, y] = [version(a), version(b)];
    return x[0] !== y[0] ? (x[0] > y[0] ? a : b) : (x[1] ?? 0) >= (y[1] ?? 0) ? a : b;
  };
  const floor = { chrome: '0', firefox: '0', safari: '0' };
  for (const f of features) {
    assert.ok(rows.has(f), `the wasm uses "${f}", which the browser table does not list`);
    for (const k of Object.keys(floor)) floor[k] = max(floor[k], rows.get(f)[k]);
  }
  const stated = /Minimum versions: Chrome ([\d.]+), Edge ([\d.]+), Firefox ([\d.]+), Safari ([\d.]+)/.exec(doc);
  assert.ok(stated, 'no "Minimum versions: Chrome N, Edge N, Firefox N, Safari N" line');
  assert.deepEqual(
    { chrome: stated[1], edge: stated[2], firefox: stated[3], safari: stated[4] },
    { ...floor, edge: floor.chrome },
    `the stated floor does not follow from the features ${features.join(', ')}`,
  );
});
