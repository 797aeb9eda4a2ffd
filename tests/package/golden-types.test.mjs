// The package's TypeScript surface: pkg/updox_direct.d.ts (js/types.d.ts and the
// declarations of init that wasm-bindgen generates, put together by scripts/finish-pkg.mjs)
// must equal tests/golden/updox_direct.d.ts byte for byte, so that any change to the types
// is a visible diff in review. One normalisation: wasm-bindgen would name internal closure
// shims with a symbol hash (`…invoke__h3f…`) that changes with the toolchain and the
// dependencies, not with our types; it is written as `__h<hash>` in both. Needs pkg/.
//
// After an intended change, regenerate the golden copy and review its diff:
//   bash scripts/build.sh && UPDOX_UPDATE_GOLDEN=1 node --test tests/package/golden-types.test.mjs
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const GENERATED = fileURLToPath(new URL('../../pkg/updox_direct.d.ts', import.meta.url));
const GOLDEN = fileURLToPath(new URL('../golden/updox_direct.d.ts', import.meta.url));

const normalise = (text) => text.replace(/__h[0-9a-f]{16}\b/g, '__h<hash>');

test('the generated .d.ts equals the golden copy byte for byte', () => {
  assert.ok(existsSync(GENERATED), 'pkg/updox_direct.d.ts is missing: run bash scripts/build.sh first');
  const generated = normalise(readFileSync(GENERATED, 'utf8'));
  if (process.env.UPDOX_UPDATE_GOLDEN === '1') {
    writeFileSync(GOLDEN, generated);
    return;
  }
  const golden = readFileSync(GOLDEN, 'utf8');
  if (generated === golden) return;
  // Name the first differing line, so that the failure says what changed.
  const a = generated.split('\n');
  const b = golden.split('\n');
  const line = a.findIndex((l, i) => l !== b[i]);
  assert.fail(
    `pkg/updox_direct.d.ts differs from tests/golden/updox_direct.d.ts at line ${line + 1}:\n` +
      `  generated: ${JSON.stringify(a[line])}\n  golden:    ${JSON.stringify(b[line])}\n` +
      'If the change is intended, regenerate the golden copy (see the top of this file).',
  );
});
