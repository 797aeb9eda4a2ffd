// Pre-encoded attachment content is checked by the module (src/encode.rs, `decoded_size`):
// standard padded base64, whitespace removed, no stray bits in the last digit. Held here
// against Node's own decoder, through the package (pkg/, in Node): a text is accepted exactly
// when decoding it and encoding the bytes again gives the text back, and the size the module
// finds is the decoded length. (tests/module/hostile-input.browser.test.mjs runs the module in the browsers.)
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { PKG_DIR } from '../support/module-page.mjs';

let U;
before(async () => {
  U = await import(pathToFileURL(join(PKG_DIR, 'updox_direct.js')).href);
  U.initSync({ module: readFileSync(join(PKG_DIR, 'updox_direct_bg.wasm')) });
});

const message = (content) => ({ to: 'dr@direct.example.org', from: 'patient:1', attachments: [{ content, fileName: 'a.bin' }] });

/**
 * What the module finds: [decoded size, ''] for base64 (the size read from the sentence of a
 * total limit of 0, "N bytes"; the text sent is checked by tests/module/faults.browser.test.mjs), else [-1].
 */
function base64(content) {
  const issues = U.validatePatientDirectMessage(message(content), { maxTotalAttachmentBytes: 0 });
  if (issues.some((i) => i.rule === 'attachments.content.not_base64')) return [-1];
  const total = issues.find((i) => i.rule === 'attachments.total_too_large');
  if (!total) return issues.some((i) => i.rule === 'attachments.empty') ? [0] : [`no size: ${JSON.stringify(issues)}`];
  const [, n, unit] = /\(([\d.]+) (bytes|KB|MB)\)/.exec(total.message);
  return [unit === 'bytes' ? Number(n) : `${n} ${unit}`];
}

/** What Node says: [decoded size, text without whitespace] for canonical base64, else [-1]. */
function reference(content) {
  const text = content.replace(/[\t\n\f\r ]+/g, '');
  const bytes = Buffer.from(text, 'base64');
  return bytes.toString('base64') === text ? [bytes.length] : [-1];
}

test('edge cases', () => {
  for (const [content, expected] of [
    ['', [0]],
    ['YQ==', [1]],
    ['YWI=', [2]],
    ['YWJj', [3]],
    ['VEhJU0lT QVRFU1Qg\n VEhJ', [15]],
    ['\tYQ==\r\n\f', [1]],
    ['YR==', [-1]],
    ['YWJ=', [-1]],
    ['abc', [-1]],
    ['ab=c', [-1]],
    ['a===', [-1]],
    ['abc*', [-1]],
    ['YQ==YQ==', [-1]],
    ['-_8=', [-1]],
    ['YQ\u00a0==', [-1]],
    ['YQ=\u0000=', [-1]],
    ['====', [-1]],
  ]) {
    assert.deepEqual(base64(content), expected, JSON.stringify(content));
    assert.deepEqual(reference(content), expected, `the reference agrees on ${JSON.stringify(content)}`);
  }
});

test('random texts: accepted exactly when Node decodes and re-encodes them to the same text', () => {
  let seed = 0x9e3779b9;
  const next = () => {
    seed ^= seed << 13;
    seed ^= seed >>> 17;
    seed ^= seed << 5;
    return seed >>> 0;
  };
  const alphabet = 'ABCDQgwAEIMYcko048+/=  \n';
  let accepted = 0;
  for (let round = 0; round < 20000; round++) {
    let content;
    if (round % 2) {
      // Real encodings of random bytes, sometimes with whitespace or a changed last digit.
      const bytes = Buffer.from(Array.from({ length: next() % 40 }, () => next() & 0xff));
      content = bytes.toString('base64');
      if (round % 3 === 0) content = content.replace(/(.{4})/g, '$1\n');
      if (round % 5 === 0 && content.length) {
        const at = content.replace(/=+$/, '').length - 1;
        content = content.slice(0, at) + alphabet[next() % 16] + content.slice(at + 1);
      }
    } else {
      content = Array.from({ length: next() % 12 }, () => alphabet[next() % alphabet.length]).join('');
    }
    const found = base64(content);
    assert.deepEqual(found, reference(content), JSON.stringify(content));
    if (found[0] >= 0) accepted += 1;
  }
  assert.ok(accepted > 5000, `both answers were tried (${accepted} accepted)`);
});

test('a 27 MB text is checked, and checked again the same on every call', () => {
  const content = 'QUJD'.repeat(7 * 1024 * 1024);
  const issues = () => U.validatePatientDirectMessage(message(content), { maxTotalAttachmentBytes: 0 }).map((i) => i.message);
  const first = issues();
  assert.ok(first.some((m) => m.includes('(21.0 MB)')), first.join(' | '));
  // The module remembers the last message's texts by identity; the answer stays the same.
  for (let i = 0; i < 5; i++) assert.deepEqual(issues(), first);
  assert.deepEqual(base64('YQ=='), [1]);
  assert.deepEqual(issues(), first);
});
