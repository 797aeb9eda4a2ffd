// Finishing touches wasm-pack does not do, run by scripts/build.sh after `wasm-pack build`.
// Idempotent: running it twice leaves pkg/ exactly as running it once.
//
//  1. The package's JavaScript: wasm-pack's glue (the crate's exports, init/initSync) and
//     the snippets the crate imports (js/: the UpdoxError class, the English sentences, the
//     locale loader) are bundled and minified into updox_direct.js, which also exports
//     UpdoxError; each locale but English (js/locales/) becomes its own module in locales/,
//     loaded on demand; updox_direct.d.ts is js/types.d.ts plus the glue's declarations of
//     init.
//  2. Amends the pkg/package.json wasm-pack wrote (which carries Cargo.toml's name, version,
//     description, licence and repository): `exports` with types, the `.wasm` as a subpath
//     export (bundlers and CDN users reference it), `files` limited to what a user needs,
//     `sideEffects: false` (importing the package only defines functions and module-local
//     state; tests/package/package.test.mjs checks that importing it touches no global).
//  3. Copies the package's README (docs/package-README.md, as it is), CHANGELOG.md and the
//     licence files into pkg/.
import { copyFileSync, cpSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { rolldown } from 'rolldown';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const PKG = join(ROOT, 'pkg');
const NAME = 'updox_direct';
const ENTRY = `${NAME}.js`;
const TYPES = `${NAME}.d.ts`;
const WASM = `${NAME}_bg.wasm`;
const LICENSES = ['LICENSE-MIT', 'LICENSE-APACHE'];

const fail = (message) => {
  console.error(`finish-pkg: ${message}`);
  process.exit(1);
};

// ---- 1. the JavaScript ---------------------------------------------------------------------

/** The first line of the entry this script writes (how a second run recognises it). */
const ENTRY_MARK = '// updox-direct';
/** Where the glue wasm-pack wrote is kept between runs, with the JavaScript to bundle. */
const WORK = join(ROOT, 'target', 'pkg-js');
/** wasm-pack's glue as it wrote it (the JavaScript side imports the glue as updox_direct_core.js). */
const GLUE = 'glue-as-written.js';

for (const file of [ENTRY, TYPES, WASM]) {
  if (!existsSync(join(PKG, file))) fail(`pkg/${file} is missing (did wasm-pack run?)`);
}
// A fresh glue from wasm-pack is kept aside; a second run finds its own entry and the glue kept.
mkdirSync(WORK, { recursive: true });
if (!readFileSync(join(PKG, ENTRY), 'utf8').startsWith(ENTRY_MARK)) {
  copyFileSync(join(PKG, ENTRY), join(WORK, GLUE));
  copyFileSync(join(PKG, TYPES), join(WORK, 'updox_direct_core.d.ts'));
  rmSync(join(WORK, 'snippets'), { recursive: true, force: true });
  if (!existsSync(join(PKG, 'snippets'))) fail('pkg/snippets is missing (did wasm-pack run?)');
  cpSync(join(PKG, 'snippets'), join(WORK, 'snippets'), { recursive: true });
}
if (!existsSync(join(WORK, GLUE))) fail(`${relative(ROOT, join(WORK, GLUE))} is missing: rebuild with scripts/build.sh`);
// The snippets are bundled into the entry: the copies wasm-pack wrote would be published.
rmSync(join(PKG, 'snippets'), { recursive: true, force: true });

// The wasm's imports are named by wasm-bindgen for readability (`./updox_direct_bg.js`,
// `__wbg_…_<hash>`): shorter names, in the wasm and in the glue's import object, save bytes
// on every load. The renaming is kept in WORK so that a second run applies the same one.
const RENAMES = join(WORK, 'imports.json');
const wasmBytes = readFileSync(join(PKG, WASM));
const renamed = renameImports(wasmBytes);
if (renamed) {
  writeFileSync(join(PKG, WASM), renamed.bytes);
  writeFileSync(RENAMES, JSON.stringify(renamed.names));
}
if (!existsSync(RENAMES)) fail('the imports of the wasm were renamed by an earlier run whose record is gone: rebuild');
let glue = readFileSync(join(WORK, GLUE), 'utf8');
for (const [from, to] of Object.entries(JSON.parse(readFileSync(RENAMES, 'utf8')))) {
  const pattern = new RegExp(`(?<![\\w$])${from.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}(?![\\w$])`, 'g');
  const before = glue;
  glue = glue.replace(pattern, to);
  if (glue === before) fail(`the glue never names the import ${from}`);
}

// The glue's three warnings, shorter (every byte of the default load counts); each still
// says what is wrong and what to do.
for (const [from, to] of [
  [
    '"`WebAssembly.instantiateStreaming` failed because your server does not serve Wasm with `application/wasm` MIME type. Falling back to `WebAssembly.instantiate` which is slower. Original error:\\n"',
    "'updox-direct: serve the .wasm as application/wasm (slower fallback used):'",
  ],
  ["'using deprecated parameters for `initSync()`; pass a single object instead'", "'updox-direct: deprecated initSync() parameters; pass {module}'"],
  [
    "'using deprecated parameters for the initialization function; pass a single object instead'",
    "'updox-direct: deprecated init() parameters; pass {module_or_path}'",
  ],
]) {
  if (!glue.includes(from)) fail(`the glue no longer says ${from.slice(0, 40)}…`);
  glue = glue.replace(from, to);
}

// One module: the glue and the snippets, minified; each locale but English (js/locales/) a
// chunk of its own in pkg/locales/, loaded on demand. The snippets' directory gets the whole
// of js/ (wasm-pack copies only the files the crate names, not the locales they import).
const [snippets] = readdirSync(join(WORK, 'snippets'));
if (!snippets) fail('the crate imports no snippet');
cpSync(join(ROOT, 'js'), join(WORK, 'snippets', snippets, 'js'), { recursive: true, filter: (f) => !f.endsWith('.d.ts') });
writeFileSync(
  join(WORK, 'entry.js'),
  `export { default } from './updox_direct_core.js';\nexport * from './updox_direct_core.js';\nexport { UpdoxError } from './snippets/${snippets}/js/updox_error.js';\n`,
);
writeFileSync(join(WORK, 'updox_direct_core.js'), glue);
const bundle = await rolldown({ input: join(WORK, 'entry.js'), logLevel: 'warn' });
await bundle.write({
  dir: PKG,
  format: 'es',
  minify: true,
  entryFileNames: ENTRY,
  chunkFileNames: 'locales/[name].js',
});
await bundle.close();
const bundled = readFileSync(join(PKG, ENTRY), 'utf8');
writeFileSync(join(PKG, ENTRY), `${ENTRY_MARK}: the crate's glue (wasm-bindgen) and its JavaScript snippets, bundled.\n${bundled}`);
// English is built into the entry; every other locale is a chunk of its own.
for (const file of readdirSync(join(ROOT, 'js', 'locales')).filter((f) => f !== 'en.js')) {
  if (!existsSync(join(PKG, 'locales', file))) fail(`pkg/locales/${file} was not written`);
}
if (existsSync(join(PKG, 'locales', 'en.js'))) fail('English was split from the entry');

// The public types, then the glue's declarations of init/initSync (from `InitInput` on).
const glueTypes = readFileSync(join(WORK, 'updox_direct_core.d.ts'), 'utf8');
const initAt = glueTypes.indexOf('export type InitInput');
if (initAt < 0) fail('the glue declares no InitInput');
writeFileSync(
  join(PKG, TYPES),
  `/* tslint:disable */\n/* eslint-disable */\n${readFileSync(join(ROOT, 'js', 'types.d.ts'), 'utf8').trimEnd()}\n\n${glueTypes.slice(initAt)}`,
);

// ---- 2. package.json ---------------------------------------------------------------------

// wasm-pack writes the metadata from Cargo.toml; a second run finds it kept.
const manifestPath = join(PKG, 'package.json');
if (!existsSync(manifestPath)) fail('pkg/package.json is missing (did wasm-pack run?)');
const written = JSON.parse(readFileSync(manifestPath, 'utf8'));
for (const key of ['name', 'version', 'description', 'license', 'repository']) {
  if (!written[key]) fail(`pkg/package.json has no ${key}`);
}
const manifest = {
  name: written.name,
  version: written.version,
  description: written.description,
  keywords: ['updox', 'direct-messaging', 'patient-portal', 'healthcare', 'webassembly', 'wasm'],
  license: written.license,
  repository: written.repository,
  type: 'module',
  main: `./${ENTRY}`,
  module: `./${ENTRY}`,
  types: `./${TYPES}`,
  exports: {
    '.': { types: `./${TYPES}`, default: `./${ENTRY}` },
    [`./${WASM}`]: `./${WASM}`,
    './package.json': './package.json',
  },
  files: [ENTRY, TYPES, WASM, 'locales/', 'README.md', 'CHANGELOG.md', ...LICENSES],
  sideEffects: false,
  // Only for running it in Node (server-side validation with initSync); browsers: README.
  engines: { node: '>=20' },
};
writeFileSync(manifestPath, `${JSON.stringify(manifest, null, 2)}\n`);

// ---- 3. README, CHANGELOG, licences --------------------------------------------------------

const readmeSource = join(ROOT, 'docs', 'package-README.md');
if (!existsSync(readmeSource)) fail('docs/package-README.md is missing');
copyFileSync(readmeSource, join(PKG, 'README.md'));

for (const file of ['CHANGELOG.md', ...LICENSES]) {
  if (!existsSync(join(ROOT, file))) fail(`${file} is missing at the repository root`);
  copyFileSync(join(ROOT, file), join(PKG, file));
}

/**
 * The wasm `bytes` with short import names: module `a`, fields `a`, `b`, … in order. Returns
 * {bytes, names: {old: new}} (the module's old name included, quoted as in the glue), or
 * null when the imports are renamed already.
 */
/** The `i`-th short name: a … z, aa, ab, … (distinct for every `i`). */
function shortName(i) {
  let name = '';
  for (let n = i + 1; n > 0; n = Math.floor((n - 1) / 26)) name = String.fromCharCode(97 + ((n - 1) % 26)) + name;
  return name;
}

function renameImports(bytes) {
  let at = 8; // magic and version
  const leb = () => {
    let value = 0;
    let shift = 0;
    let byte;
    do {
      byte = bytes[at++];
      value += (byte & 0x7f) * 2 ** shift;
      shift += 7;
    } while (byte & 0x80);
    return value;
  };
  const encodeLeb = (n) => {
    const out = [];
    do {
      let byte = n % 128;
      n = Math.floor(n / 128);
      if (n > 0) byte |= 0x80;
      out.push(byte);
    } while (n > 0);
    return out;
  };
  const name = () => {
    const length = leb();
    const text = bytes.subarray(at, at + length).toString('utf8');
    at += length;
    return text;
  };
  const encodeName = (text) => [...encodeLeb(Buffer.byteLength(text)), ...Buffer.from(text)];
  while (at < bytes.length) {
    const id = bytes[at++];
    const size = leb();
    const start = at;
    if (id !== 2) {
      at = start + size;
      continue;
    }
    const out = [];
    const names = {};
    const count = leb();
    out.push(...encodeLeb(count));
    for (let i = 0; i < count; i++) {
      const module = name();
      const field = name();
      if (module.length === 1) return null; // renamed already
      const short = shortName(i);
      names[`"${module}"`] = '"a"';
      names[field] = short;
      out.push(...encodeName('a'), ...encodeName(short));
      // The import's description, copied as it is.
      const descStart = at;
      const kind = bytes[at++];
      const limits = () => {
        const flags = bytes[at++];
        leb();
        if (flags & 1) leb();
      };
      if (kind === 0x00) leb();
      else if (kind === 0x01) {
        at++;
        limits();
      } else if (kind === 0x02) limits();
      else if (kind === 0x03) {
        const type = bytes[at++];
        if (type === 0x63 || type === 0x64) leb();
        at++;
      } else if (kind === 0x04) {
        at++;
        leb();
      } else fail(`import kind ${kind} is not one this script can copy`);
      out.push(...bytes.subarray(descStart, at));
    }
    if (at !== start + size) fail('the import section did not read as expected');
    const section = Buffer.from(out);
    return {
      bytes: Buffer.concat([bytes.subarray(0, start - 1 - encodeLeb(size).length), Buffer.from([2, ...encodeLeb(section.length)]), section, bytes.subarray(at)]),
      names,
    };
  }
  return null;
}
