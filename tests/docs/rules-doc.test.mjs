// docs/rules.md lists every rule with the sentences the package ships: it must be exactly
// what scripts/rules-doc.mjs writes from js/locales/en.js and js/locales/es.js (the ids themselves
// are checked against the Rust tables by tests/rules.rs).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

test('docs/rules.md is up to date with the locale tables', () => {
  const script = fileURLToPath(new URL('../../scripts/rules-doc.mjs', import.meta.url));
  assert.doesNotThrow(() => execFileSync(process.execPath, [script, '--check'], { stdio: 'pipe' }), 'run node scripts/rules-doc.mjs');
});
