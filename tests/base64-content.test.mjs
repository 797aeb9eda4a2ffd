// Pre-encoded attachment content is checked where it lives, in JavaScript (js/read.js), once
// per string: standard padded base64, whitespace removed, no stray bits in the last digit.
// Held here against Node's own decoder: a text is accepted exactly when decoding it and
// encoding the bytes again gives the text back, and the size is the decoded length.
// (tests/hostile-input.test.mjs runs the same code in the browsers, through the package.)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { base64, readMessage } from '../js/read.js';

/** What Node says: [decoded size, text without whitespace] for canonical base64, else [-1]. */
function reference(content) {
  const text = content.replace(/[\t\n\f\r ]+/g, '');
  const bytes = Buffer.from(text, 'base64');
  return bytes.toString('base64') === text ? [bytes.length, text] : [-1];
}

test('edge cases', () => {
  for (const [content, expected] of [
    ['', [0, '']],
    ['YQ==', [1, 'YQ==']],
    ['YWI=', [2, 'YWI=']],
    ['YWJj', [3, 'YWJj']],
    ['VEhJU0lT QVRFU1Qg\n VEhJ', [15, 'VEhJU0lTQVRFU1QgVEhJ']],
    ['\tYQ==\r\n\f', [1, 'YQ==']],
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

test('a 27 MB text is checked once, then found again by identity', () => {
  const content = 'QUJD'.repeat(7 * 1024 * 1024);
  const message = (c) => ({ to: 'dr@direct.example.org', from: 'patient:1', attachments: [{ content: c, fileName: 'a.bin' }] });
  // Count the checks of this text: each looks for whitespace in it first.
  const test = RegExp.prototype.test;
  let checks = 0;
  RegExp.prototype.test = function (text) {
    if (text === content && this.source === '[\\t\\n\\f\\r ]') checks += 1;
    return test.call(this, text);
  };
  let first;
  try {
    first = readMessage(message(content));
    for (let i = 0; i < 100; i++) readMessage(message(content));
    assert.equal(checks, 1, 'checked once, for 101 messages holding the same text');
    readMessage(message('YQ=='));
    readMessage(message(content));
    assert.equal(checks, 2, 'only the last message’s texts are remembered');
  } finally {
    RegExp.prototype.test = test;
  }
  assert.equal(first.parts[0], content, 'the text without whitespace is kept to send');
  assert.ok(first.slots.includes(21 * 1024 * 1024), 'the decoded size is what the core gets');
  assert.ok(!first.slots.includes(content), 'the text itself is not handed to the core');
});
