// The README published in the package (pkg/README.md, written by scripts/finish-pkg.mjs from
// docs/package-README.md) is all a reader of the package has: every link in it is to a web
// address or to a heading of the README itself, never to a repository file it does not ship.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';

const readme = readFileSync(new URL('../pkg/README.md', import.meta.url), 'utf8');
const prose = readme.replace(/^```[\s\S]*?^```/gm, '');
const slug = (heading) => heading.trim().toLowerCase().replace(/[^\w\- ]/g, '').replace(/ /g, '-');
const anchors = new Set([...prose.matchAll(/^#{1,6}\s+(.+?)\s*$/gm)].map((m) => `#${slug(m[1])}`));

test('every link of the published README stays inside it or goes to the web', () => {
  const links = [...prose.matchAll(/\]\(([^)\s]+)\)/g)].map((m) => m[1]);
  assert.ok(links.length > 0, 'the README should link to its rules section');
  for (const link of links) {
    if (/^https?:\/\//.test(link)) continue;
    assert.ok(anchors.has(link), `pkg/README.md links to ${link}, which it does not contain`);
  }
});

test('the published README lists the rules and their sentences', () => {
  assert.ok(anchors.has('#rules-and-their-sentences'));
  assert.match(readme, /\| `to\.invalid` \|/);
  assert.match(readme, /\| `timeout` \| timeout \|/);
  assert.match(readme, /### Languages and your own sentences/);
});
