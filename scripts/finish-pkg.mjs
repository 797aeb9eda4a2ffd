// Finishing touches wasm-pack does not do: export the UpdoxError class (a JS snippet the
// module imports) from the package entry, so callers can use `instanceof UpdoxError`.
import { readFileSync, writeFileSync, readdirSync, existsSync } from 'node:fs';
import { join, relative } from 'node:path';

const pkg = new URL('../pkg/', import.meta.url).pathname;
const entry = join(pkg, 'updox_direct.js');

function findSnippet(dir) {
  for (const name of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, name.name);
    if (name.isDirectory()) {
      const found = findSnippet(p);
      if (found) return found;
    } else if (name.name === 'updox_error.js') {
      return p;
    }
  }
  return null;
}

const snippetDir = join(pkg, 'snippets');
const snippet = existsSync(snippetDir) ? findSnippet(snippetDir) : null;
if (!snippet) {
  console.error('finish-pkg: pkg/snippets/**/updox_error.js not found');
  process.exit(1);
}
const line = `export { UpdoxError } from './${relative(pkg, snippet)}';\n`;
const js = readFileSync(entry, 'utf8');
if (!js.includes(line)) writeFileSync(entry, js + line);
