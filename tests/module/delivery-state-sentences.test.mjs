// The sentence a patient is shown for each delivery state, in English and Spanish: one per
// state the proxy can answer, none says the message was read (an MDN never means that),
// `unconfirmed` sends the patient to the clinic rather than to send again, and the call's
// locale picks the language. The rule ids are the core's (src/delivery.rs, tested natively).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EN } from '../../js/locales/en.js';
import ES from '../../js/locales/es.js';
import { DELIVERY_STATES } from '../../server/proxy/delivery-state.mjs';

const TABLES = { en: EN, es: ES };
const NEVER_READ = { en: /\bread\b|\bopened\b|\bseen\b/i, es: /\ble[íi]d[oa]s?\b|\bleer\b|\babiert[oa]\b|\bvist[oa]\b/i };

test('every state the proxy answers has a sentence in both languages, and no other state does', () => {
  for (const [locale, table] of Object.entries(TABLES)) {
    const ids = Object.keys(table).filter((id) => id.startsWith('delivery.'));
    const want = [...DELIVERY_STATES.map((s) => `delivery.${s}`), 'delivery.unchecked'];
    assert.deepEqual(ids.sort(), want.sort(), locale);
    for (const id of ids) assert.ok(typeof table[id] === 'string' && table[id].length > 20, `${locale} ${id}`);
  }
});

test('no sentence says the message was read', () => {
  for (const [locale, table] of Object.entries(TABLES)) {
    for (const state of [...DELIVERY_STATES, 'unchecked']) assert.doesNotMatch(table[`delivery.${state}`], NEVER_READ[locale], `${locale} ${state}`);
  }
});

test('unconfirmed tells the patient to contact the clinic rather than send again; only final states sound final', () => {
  assert.match(EN['delivery.unconfirmed'], /contact the clinic/i);
  assert.match(EN['delivery.unconfirmed'], /instead of sending it again/i);
  assert.match(ES['delivery.unconfirmed'], /comuníquese con la clínica/i);
  assert.match(ES['delivery.unconfirmed'], /en lugar de enviarlo de nuevo/i);
  assert.match(EN['delivery.failed'], /could not be delivered/);
  assert.match(ES['delivery.failed'], /no se pudo entregar/i);
  assert.match(EN['delivery.delivered'], /was delivered/);
  assert.match(ES['delivery.delivered'], /se entregó/);
  for (const state of ['sent', 'received', 'unconfirmed']) {
    assert.doesNotMatch(EN[`delivery.${state}`], /delivered/, `${state} is not delivered`);
    assert.doesNotMatch(ES[`delivery.${state}`], /entreg/, `${state} (es) is not delivered`);
  }
  assert.doesNotMatch(EN['delivery.sent'], /\bnot\b.*\bsent\b|fail/i, 'sent is not a failure');
  // A status question that failed says nothing about the message itself.
  assert.match(EN['delivery.unchecked'], /could not be checked.*does not mean your message failed/);
  assert.match(ES['delivery.unchecked'], /no se pudo comprobar.*no significa que su mensaje haya fallado/i);
});

test('a messageId that is not a positive integer has its sentence in both languages', () => {
  assert.match(EN['messageId.invalid'], /whole number greater than zero/);
  assert.match(ES['messageId.invalid'], /número entero mayor que cero/);
});
