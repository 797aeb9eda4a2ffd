// The sentence of every outcome says what the error's `delivery` says, in English and in
// Spanish alike: "may or may not have been sent" exactly where the fate is unknown, and a
// plain "not sent" (or its like) where it is known. Which outcome has which delivery is the
// core's (src/updox/error.rs, tested there); tests/module/faults.browser.test.mjs checks each English
// sentence against the delivery reported, in the browsers. Here: the two languages agree.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EN } from '../../js/locales/en.js';
import ES from '../../js/locales/es.js';

const OUTCOME = /^(validation|timeout|network|aborted|protocol|browser|http|proxy|updox)(\.|$)/;

test('Spanish says "may or may not" exactly where English does', () => {
  const outcomes = Object.keys(EN).filter((rule) => OUTCOME.test(rule));
  assert.ok(outcomes.length > 50, 'the outcome rules were found');
  for (const rule of outcomes) {
    const maybe = /may or may not/.test(EN[rule]);
    assert.equal(/es posible que .* o no/i.test(ES[rule]), maybe, `${rule}: ${ES[rule]}`);
    if (!maybe) {
      assert.match(EN[rule], /\bnot\b|cannot|could not/, `${rule} says what did not happen`);
      assert.match(ES[rule], /\bno\b/i, `${rule} (es) says what did not happen`);
    }
  }
});
