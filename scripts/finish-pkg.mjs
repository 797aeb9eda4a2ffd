// Finishing touches wasm-pack does not do, run by scripts/build.sh after `wasm-pack build`.
// Idempotent: running it twice leaves pkg/ exactly as running it once.
//
//  1. Exports the UpdoxError class and loadLocale (JS snippets the module imports) from the
//     package entry, so callers can use `instanceof UpdoxError` and load a locale; copies
//     the locales other than English (js/locales/*.js) to pkg/locales/, where the snippet
//     text.js imports them from on demand.
//  2. Amends the pkg/package.json wasm-pack wrote (which carries Cargo.toml's name, version,
//     description, licence and repository): `exports` with types, the `.wasm` as a subpath
//     export (bundlers and CDN users reference it), `files` limited to what a user needs,
//     `sideEffects: false` (the --target web glue only defines functions and module-local
//     state at import time; tests/package.test.mjs checks that importing it touches no
//     global).
//  3. Copies the user README (docs/package-README.md with its `<!-- include: … -->` lines
//     expanded), CHANGELOG.md and the licence files into pkg/.
import { copyFileSync, existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

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

// ---- 1. UpdoxError export ----------------------------------------------------------------

function findFile(dir, wanted) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, entry.name);
    if (entry.isDirectory()) {
      const found = findFile(p, wanted);
      if (found) return found;
    } else if (entry.name === wanted) {
      return p;
    }
  }
  return null;
}

const snippetDir = join(PKG, 'snippets');
const entryPath = join(PKG, ENTRY);
for (const [file, name] of [
  ['updox_error.js', 'UpdoxError'],
  ['text.js', 'loadLocale'],
]) {
  const snippet = existsSync(snippetDir) ? findFile(snippetDir, file) : null;
  if (!snippet) fail(`pkg/snippets/**/${file} not found`);
  // text.js finds the locales at ../../../locales/ (pkg/snippets/<crate>/js/text.js).
  if (relative(PKG, snippet).split(/[\\/]/).length !== 4) fail(`unexpected snippet path ${snippet}`);
  const exportLine = `export { ${name} } from './${relative(PKG, snippet)}';\n`;
  const js = readFileSync(entryPath, 'utf8');
  if (!js.includes(exportLine)) writeFileSync(entryPath, js + exportLine);
}
const LOCALES = readdirSync(join(ROOT, 'js', 'locales')).filter((f) => f.endsWith('.js'));
mkdirSync(join(PKG, 'locales'), { recursive: true });
for (const file of LOCALES) copyFileSync(join(ROOT, 'js', 'locales', file), join(PKG, 'locales', file));

// ---- 2. package.json ---------------------------------------------------------------------

// wasm-pack writes the metadata from Cargo.toml; a second run finds it kept.
const manifestPath = join(PKG, 'package.json');
if (!existsSync(manifestPath)) fail('pkg/package.json is missing (did wasm-pack run?)');
const written = JSON.parse(readFileSync(manifestPath, 'utf8'));
for (const key of ['name', 'version', 'description', 'license', 'repository']) {
  if (!written[key]) fail(`pkg/package.json has no ${key}`);
}
for (const file of [ENTRY, TYPES, WASM]) {
  if (!existsSync(join(PKG, file))) fail(`pkg/${file} is missing (did wasm-pack run?)`);
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
  files: [ENTRY, TYPES, WASM, 'snippets/', 'locales/', 'README.md', 'CHANGELOG.md', ...LICENSES],
  sideEffects: false,
  // Only for running it in Node (server-side validation with initSync); browsers: README.
  engines: { node: '>=20' },
};
writeFileSync(manifestPath, `${JSON.stringify(manifest, null, 2)}\n`);

// ---- 3. README, CHANGELOG, licences --------------------------------------------------------

/**
 * The `## Heading` section of a Markdown file (heading included, up to the next heading of
 * the same or a higher level), or null. Fenced code blocks are not mistaken for headings.
 */
function markdownSection(text, heading) {
  const lines = text.split('\n');
  let start = -1;
  let level = 0;
  let fenced = false;
  for (let i = 0; i < lines.length; i++) {
    if (/^(```|~~~)/.test(lines[i])) fenced = !fenced;
    if (fenced) continue;
    const m = /^(#{1,6})\s+(.*?)\s*#*\s*$/.exec(lines[i]);
    if (!m) continue;
    if (start < 0 && m[2] === heading) {
      start = i;
      level = m[1].length;
    } else if (start >= 0 && m[1].length <= level) {
      return lines.slice(start, i).join('\n').trimEnd();
    }
  }
  return start < 0 ? null : lines.slice(start).join('\n').trimEnd();
}

/**
 * Expands include lines: `<!-- include: SOURCE -->`, where SOURCE is `PATH` (a whole file,
 * minus a leading comment block) or `PATH#Heading` (that section), PATH relative to the
 * repo root. Alternatives separated by ` || ` are tried in order (e.g. the README's section
 * once it has one, else the file under docs/). If none resolves, the line is dropped with a
 * warning (the README may not have that section yet).
 */
function expandIncludes(text) {
  const warned = new Set();
  const warn = (message) => {
    if (!warned.has(message)) console.warn(`finish-pkg: warning: ${message}`);
    warned.add(message);
  };
  const resolve = (source) => {
    const [, path, heading] = /^([^#]+?)(?:#(.+))?$/.exec(source.trim());
    const file = join(ROOT, path);
    if (!existsSync(file)) return null;
    const content = readFileSync(file, 'utf8');
    return heading ? markdownSection(content, heading) : content.replace(/^<!--[\s\S]*?-->\s*/, '').trimEnd();
  };
  return text.replace(/^<!-- include: (.+?) -->$/gm, (_, sources) => {
    for (const source of sources.split(' || ')) {
      const found = resolve(source);
      if (found !== null) return found;
    }
    warn(`nothing found for "${sources}"; left out of pkg/README.md`);
    return '';
  });
}

const readmeSource = join(ROOT, 'docs', 'package-README.md');
if (!existsSync(readmeSource)) fail('docs/package-README.md is missing');
const readme = expandIncludes(readFileSync(readmeSource, 'utf8').replace(/^<!--[\s\S]*?-->\s*/, ''));
writeFileSync(join(PKG, 'README.md'), `${readme.replace(/\n{3,}/g, '\n\n').trimEnd()}\n`);

for (const file of ['CHANGELOG.md', ...LICENSES]) {
  if (!existsSync(join(ROOT, file))) fail(`${file} is missing at the repository root`);
  copyFileSync(join(ROOT, file), join(PKG, file));
}
