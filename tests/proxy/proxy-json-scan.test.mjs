// The proxy's offset-based JSON reader agrees with JSON.parse on what is a JSON object, on
// valid and broken documents alike, and reports member offsets that slice out each value.
import test from 'node:test';
import assert from 'node:assert/strict';
import { JsonLimitError, objectMembers, scanJsonObject } from '../../server/proxy/json-scan.mjs';

/** A small deterministic PRNG (xorshift32). */
function rng(seed) {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 2 ** 32;
  };
}

const STRINGS = ['', 'a', 'é', '\u2028', '"q"', '\\', '\n\t', '\u0000', 'patient:1', '\ud83d\ude00', 'x'.repeat(70)];
function value(r, depth) {
  const k = depth === 0 && r() < 0.9 ? 6 : Math.floor(r() * (depth > 3 ? 5 : 7)); // mostly objects at the top
  if (k === 0) return null;
  if (k === 1) return r() < 0.5;
  if (k === 2) return [0, -1, 1.5, -0.25e-7, 12345678901234, 1e300][Math.floor(r() * 6)];
  if (k === 3 || k === 4) return STRINGS[Math.floor(r() * STRINGS.length)];
  if (k === 5) return Array.from({ length: Math.floor(r() * 4) }, () => value(r, depth + 1));
  return Object.fromEntries(Array.from({ length: Math.floor(r() * 4) }, (_, i) => [STRINGS[Math.floor(r() * STRINGS.length)] + i, value(r, depth + 1)]));
}

/** Spacing JSON.stringify never produces (outside strings), so offsets are tested around whitespace too. */
function spaced(text, r) {
  let out = '';
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (inString) {
      out += c;
      if (c === '\\') out += text[++i];
      else if (c === '"') inString = false;
    } else {
      if (c === '"') inString = true;
      out += /[,:{}[\]]/.test(c) && r() < 0.3 ? ` ${c}\n\t` : c;
    }
  }
  return out;
}

const MUTATIONS = [
  (t, i) => t.slice(0, i) + t.slice(i + 1),
  (t, i) => t.slice(0, i) + t[i] + t.slice(i),
  (t, i) => t.slice(0, i) + ',' + t.slice(i),
  (t, i) => t.slice(0, i) + '"' + t.slice(i),
  (t, i) => t.slice(0, i) + '\\' + t.slice(i),
  (t, i) => t.slice(0, i) + '\u0001' + t.slice(i),
  (t, i) => t.slice(0, i) + '}' + t.slice(i),
  (t, i) => t.slice(0, i) + '-' + t.slice(i),
  (t, i) => t.slice(0, i),
];

const isObjectByJsonParse = (text) => {
  try {
    const v = JSON.parse(text);
    return v !== null && typeof v === 'object' && !Array.isArray(v);
  } catch {
    return false;
  }
};
const isObjectByScan = (buf) => {
  try {
    scanJsonObject(buf);
    return true;
  } catch {
    return false;
  }
};

test('accepts exactly what JSON.parse reads as an object, on 4000 generated and mutated documents', () => {
  const r = rng(20260425);
  let valid = 0;
  for (let n = 0; n < 4000; n++) {
    let text = spaced(JSON.stringify(value(r, 0)), r);
    if (n % 2) text = MUTATIONS[Math.floor(r() * MUTATIONS.length)](text, Math.floor(r() * text.length));
    const expected = isObjectByJsonParse(text);
    valid += expected ? 1 : 0;
    assert.equal(isObjectByScan(Buffer.from(text)), expected, JSON.stringify(text));
  }
  assert.ok(valid > 1000 && valid < 3500, `a mix of valid and invalid (${valid} valid)`);
});

test('member offsets slice out each key and value exactly; nested objects are read the same way', () => {
  const r = rng(7);
  for (let n = 0; n < 300; n++) {
    const object = Object.fromEntries(Array.from({ length: 1 + Math.floor(r() * 5) }, (_, i) => [`k${i}${STRINGS[i % STRINGS.length]}`, value(r, 1)]));
    const text = spaced(JSON.stringify(object), r);
    const buf = Buffer.from(text);
    const { members, close, end } = scanJsonObject(buf);
    assert.equal(buf[close], 0x7d);
    assert.equal(end, close + 1);
    assert.deepEqual(members.map((m) => m.key), Object.keys(object));
    for (const m of members) {
      assert.deepEqual(JSON.parse(buf.toString('utf8', m.valueStart, m.valueEnd)), object[m.key]);
      if (m.first === 0x7b) assert.deepEqual(objectMembers(buf, m.valueStart).members.map((x) => x.key), Object.keys(object[m.key]));
    }
  }
});

test('refuses invalid UTF-8, a byte-order mark, and trailing content; nesting deeper than 32 and more than 64 members are refused at once', () => {
  assert.equal(isObjectByScan(Buffer.from([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xff, 0x22, 0x7d])), false);
  assert.equal(isObjectByScan(Buffer.from('\ufeff{}')), false);
  assert.equal(isObjectByScan(Buffer.from('{} {}')), false);
  const nested = (n) => Buffer.from(`{"a":${'['.repeat(n)}${']'.repeat(n)}}`);
  assert.equal(isObjectByScan(nested(31)), true, '32 levels with the top object');
  assert.throws(() => scanJsonObject(nested(32)), JsonLimitError);
  assert.throws(() => scanJsonObject(nested(200000)), JsonLimitError);
  // Never-closed nesting is refused at the limit, without reading (or keeping) the rest.
  assert.throws(() => scanJsonObject(Buffer.from(`{"a":${'['.repeat(31 * 1024 * 1024)}`)), JsonLimitError);
  const members = (n) => Buffer.from(`{${Array.from({ length: n }, (_, i) => `"m${i}":0`).join(',')}}`);
  assert.equal(scanJsonObject(members(64)).members.length, 64);
  assert.throws(() => scanJsonObject(members(65)), JsonLimitError);
  // Inside a member, any number of members is only skipped: nothing is kept for them.
  assert.equal(isObjectByScan(Buffer.from(`{"a":${members(100000).toString()}}`)), true);
});
