// The documentation is true to the repository: the README stays a short manual, every
// relative link of the README and the docs pages resolves to a file (and to a heading of it
// when it names one), and every path the map of the code (docs/architecture.md) names
// exists. Node only: it reads files.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const read = (path) => readFileSync(join(ROOT, path), 'utf8');

/** The Markdown files a reader of the repository meets. */
const PAGES = [
  'README.md',
  'CHANGELOG.md',
  ...readdirSync(join(ROOT, 'docs')).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`),
  ...(existsSync(join(ROOT, 'examples'))
    ? readdirSync(join(ROOT, 'examples')).map((d) => `examples/${d}/README.md`).filter((p) => existsSync(join(ROOT, p)))
    : []),
];

/** Markdown without fenced code blocks and HTML comments (neither holds links or headings). */
const prose = (text) => text.replace(/^(```|~~~)[\s\S]*?^\1/gm, '').replace(/<!--[\s\S]*?-->/g, '');

/** GitHub's anchor for a heading (the same rule as scripts/finish-pkg.mjs). */
const slug = (heading) => heading.trim().toLowerCase().replace(/[^\w\- ]/g, '').replace(/ /g, '-');
const anchorsOf = (text) => new Set([...prose(text).matchAll(/^#{1,6}\s+(.+?)\s*#*\s*$/gm)].map((m) => slug(m[1])));

test('the README is a manual of at most 300 lines', () => {
  const lines = read('README.md').split('\n').length;
  assert.ok(lines <= 300, `README.md has ${lines} lines`);
  for (const heading of ['The two commands', 'Install and a first send', 'The example portal', 'The demo', 'Documentation']) {
    assert.ok(anchorsOf(read('README.md')).has(slug(heading)), `README.md has no "## ${heading}"`);
  }
});

test('every relative link of the README and the docs resolves, to its heading too', () => {
  const broken = [];
  let checked = 0;
  for (const page of PAGES) {
    const text = read(page);
    for (const [, target] of prose(text).matchAll(/\]\(([^)\s]+)\)/g)) {
      if (/^[a-z]+:/i.test(target)) continue; // a web address
      checked += 1;
      const [path, anchor] = target.split('#');
      const file = path === '' ? join(ROOT, page) : join(ROOT, dirname(page), decodeURIComponent(path));
      const shown = `${page}: (${target})`;
      if (!file.startsWith(ROOT) || !existsSync(file)) {
        broken.push(`${shown}: no ${relative(ROOT, file)}`);
        continue;
      }
      if (anchor !== undefined) {
        if (!file.endsWith('.md') || statSync(file).isDirectory()) {
          broken.push(`${shown}: an anchor into a file that is not Markdown`);
        } else if (!anchorsOf(readFileSync(file, 'utf8')).has(anchor)) {
          broken.push(`${shown}: ${relative(ROOT, file)} has no heading #${anchor}`);
        }
      }
    }
  }
  assert.ok(checked > 50, `only ${checked} links were found: is the link pattern still right?`);
  assert.deepEqual(broken, []);
});

test('every page the README lists under Documentation exists and is linked', () => {
  const readme = read('README.md');
  for (const page of ['api', 'errors', 'server', 'security', 'performance', 'browsers', 'rules', 'architecture', 'development']) {
    assert.ok(existsSync(join(ROOT, 'docs', `${page}.md`)), `docs/${page}.md is missing`);
    assert.ok(readme.includes(`](docs/${page}.md)`), `README.md does not link docs/${page}.md`);
  }
});

/**
 * The paths docs/architecture.md names: code spans that hold one file or folder path
 * (a slash, no spaces, and a file extension or a trailing slash), other than what the
 * build writes (`pkg/`, `target/`).
 */
function mappedPaths(text) {
  return [...prose(text).matchAll(/`([^`\s]+)`/g)]
    .map((m) => m[1])
    .filter((s) => s.includes('/') && (/\.[a-z]{1,4}$/i.test(s) || s.endsWith('/')))
    .filter((s) => !/^[a-z]+:\/\//i.test(s) && !/^(pkg|target)\//.test(s));
}

test('every path the map of the code names exists', () => {
  const paths = mappedPaths(read('docs/architecture.md'));
  assert.ok(paths.length > 40, `only ${paths.length} paths found in docs/architecture.md`);
  const missing = paths.filter((p) => !existsSync(join(ROOT, p)));
  assert.deepEqual(missing, [], 'docs/architecture.md names paths that do not exist');
});

test('the map of the code covers every top-level source folder and module file', () => {
  const named = new Set(mappedPaths(read('docs/architecture.md')));
  const files = (dir, ext) => readdirSync(join(ROOT, dir)).filter((f) => f.endsWith(ext)).map((f) => `${dir}/${f}`);
  const expected = [
    ...['src/', 'js/', 'www/', 'server/proxy/', 'tests/', 'tests/support/', 'bench/', 'fuzz/', 'scripts/', 'docs/'],
    ...files('server/proxy', '.mjs'),
    ...files('server', '.mjs'),
  ];
  const mentioned = (p) => named.has(p) || [...named].some((n) => n.startsWith(p) || n.split(/,\s*/).includes(p));
  assert.deepEqual(expected.filter((p) => !mentioned(p)), [], 'docs/architecture.md does not place these');
});
