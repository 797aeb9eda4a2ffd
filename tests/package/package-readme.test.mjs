// The README published in the package (pkg/README.md) is docs/package-README.md as it is: a
// page written for someone who installed the package (what to import, one example, links to
// the documentation), which is all they have. Every link in it goes to a heading of its own
// or to a page of the repository on the web that exists here. Needs pkg/ (scripts/build.sh).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const PKG = join(ROOT, 'pkg');
const readme = readFileSync(join(PKG, 'README.md'), 'utf8');
const prose = readme.replace(/^```[\s\S]*?^```/gm, '');
const slug = (heading) => heading.trim().toLowerCase().replace(/[^\w\- ]/g, '').replace(/ /g, '-');
const anchors = new Set([...prose.matchAll(/^#{1,6}\s+(.+?)\s*$/gm)].map((m) => `#${slug(m[1])}`));
const repository = JSON.parse(readFileSync(join(PKG, 'package.json'), 'utf8')).repository;
const repositoryUrl = (typeof repository === 'string' ? repository : repository?.url ?? '').replace(/^git\+|\.git$/g, '');

test('the published README is docs/package-README.md, copied as it is', () => {
  assert.equal(readme, readFileSync(join(ROOT, 'docs', 'package-README.md'), 'utf8'));
  for (const heading of ['Install', 'What to import', 'Quick start', 'Documentation', 'License']) {
    assert.ok(anchors.has(`#${slug(heading)}`), `pkg/README.md has no "## ${heading}"`);
  }
  assert.match(readme, /'wasm-unsafe-eval'/);
});

test('every link goes to a heading of the README or to a page of the repository that exists', () => {
  assert.ok(repositoryUrl.startsWith('https://'), `pkg/package.json has no repository URL: ${JSON.stringify(repository)}`);
  const links = [...prose.matchAll(/\]\(([^)\s]+)\)/g)].map((m) => m[1]);
  const docs = links.filter((l) => l.startsWith(`${repositoryUrl}/blob/main/`));
  assert.ok(docs.length >= 5, 'the README links to the documentation');
  for (const link of links) {
    if (link.startsWith('#')) {
      assert.ok(anchors.has(link), `pkg/README.md links to ${link}, which it does not contain`);
      continue;
    }
    assert.ok(link.startsWith(`${repositoryUrl}/blob/main/`), `${link} is neither a heading nor a page of ${repositoryUrl}`);
    const path = link.slice(`${repositoryUrl}/blob/main/`.length).split('#')[0];
    assert.ok(existsSync(join(ROOT, path)), `${link}: the repository has no ${path}`);
  }
});

test('what the README says to import is exported by the package', async () => {
  const browser = await import(pathToFileURL(join(PKG, 'updox_direct.js')).href);
  const server = await import(pathToFileURL(join(PKG, 'proxy', 'index.mjs')).href);
  const table = /## What to import\n([\s\S]*?)\n## /.exec(readme)?.[1] ?? '';
  const rows = Object.fromEntries(
    [...table.matchAll(/^\| `([^`]+)` \|[^|]*\|(.*)\|$/gm)].map((m) => [m[1], [...m[2].matchAll(/`(\w+)`/g)].map((n) => n[1])]),
  );
  assert.deepEqual(Object.keys(rows).sort(), ['updox-direct', 'updox-direct/proxy']);
  for (const name of rows['updox-direct']) {
    assert.ok(name === 'init' ? typeof browser.default === 'function' : name in browser, `updox-direct exports no ${name}`);
  }
  for (const name of rows['updox-direct/proxy']) assert.ok(name in server, `updox-direct/proxy exports no ${name}`);
  // The quick start's imports, too.
  for (const [, names, from] of readme.matchAll(/^import (?:\w+, )?\{([^}]+)\} from '(updox-direct(?:\/proxy)?)';$/gm)) {
    for (const name of names.split(',').map((n) => n.trim())) {
      assert.ok(name in (from === 'updox-direct' ? browser : server), `${from} exports no ${name}`);
    }
  }
});
