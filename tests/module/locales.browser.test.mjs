// Patient-facing text in the patient's language: the built module (pkg/) in a page. Issues
// and errors carry stable rule ids; `locale: "es"` gives Spanish for validation issues and
// for every kind of error; `messages` replaces the sentence of one rule and leaves the rest;
// an unknown or not-yet-loaded locale gives English and never throws. Needs pkg/.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { pathToFileURL } from 'node:url';
import { join } from 'node:path';
import { selectedEngines } from '../support/engines.mjs';
import { validMessage } from '../support/message.mjs';
import { openModulePage, PKG_DIR } from '../support/module-page.mjs';
import { useServers } from '../support/servers.mjs';

let ES;
before(async () => {
  ES = (await import(pathToFileURL(join(PKG_DIR, 'locales', 'es.js')).href)).default;
});

// A proxy that refuses with the proxy contract's own error code (429, rate_limited).
let rateLimited;
before(async () => {
  const server = http.createServer((req, res) => {
    res.setHeader('Access-Control-Allow-Origin', '*');
    res.setHeader('Access-Control-Allow-Headers', '*');
    if (req.method === 'OPTIONS') return res.writeHead(204).end();
    req.resume();
    req.on('end', () => {
      res.writeHead(429, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify({ error: 'rate_limited', message: 'Slow down' }));
    });
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  rateLimited = { url: `http://127.0.0.1:${server.address().port}/proxy`, close: () => new Promise((r) => server.close(r)) };
});
after(() => rateLimited?.close());

for (const engineName of selectedEngines()) describe(engineName, () => {
const s = useServers({ faults: true, modulePage: true, engine: engineName });

/** A fresh page: the module as a portal loads it, with no locale loaded yet. */
function freshPage() {
  return openModulePage(s.engine, s.modulePage.url);
}

/** A message with several problems, one per rule below. */
const BROKEN = {
  to: 'not an address',
  subject: 'Knee',
  textMessage: 'Hello',
  patientDemographics: { patientId: '1 2', firstName: '', lastName: 'Doe', dateOfBirth: '1990-02-30', gender: 'x' },
};
const BROKEN_RULES = [
  'to.invalid',
  'patientDemographics.patientId.invalid_characters',
  'patientDemographics.firstName.required',
  'patientDemographics.dateOfBirth.not_a_date',
  'patientDemographics.gender.invalid',
];

const validate = (page, ...args) => page.evaluate((a) => window.updox.validatePatientDirectMessage(...a), args);

describe('validation issues', () => {
  let page;
  before(async () => {
    page = await freshPage();
  });

  test('issues carry stable rule ids; English by default', async () => {
    const issues = await validate(page, BROKEN);
    assert.deepEqual(issues.map((i) => i.rule), BROKEN_RULES);
    assert.deepEqual(
      issues.map((i) => i.field),
      ['to', 'patientDemographics.patientId', 'patientDemographics.firstName', 'patientDemographics.dateOfBirth', 'patientDemographics.gender'],
    );
    assert.equal(issues[2].message, 'Enter the first name.');
    for (const i of issues) assert.ok(!i.message.includes('not an address') && !i.message.includes('1 2'), i.message);
  });

  test('a locale not loaded yet, an unknown one or hostile options give English and never throw', async () => {
    const english = await validate(page, BROKEN);
    const tries = await page.evaluate((m) => {
      const U = window.updox;
      const hostile = new Proxy({}, { get() { throw new Error('trap'); } });
      const throwing = Object.defineProperty({}, 'locale', { get() { throw new Error('getter'); } });
      const out = [];
      for (const options of [{ locale: 'es' }, { locale: 'fr' }, { locale: 42 }, { locale: null }, hostile, throwing,
        { messages: hostile }, { messages: 'nope' }, { messages: { 'to.invalid': 7 } }, 'es', 42, null]) {
        try {
          out.push(U.validatePatientDirectMessage(m, undefined, options).map((i) => i.message));
        } catch (e) {
          out.push(`threw ${e}`);
        }
      }
      return out;
    }, BROKEN);
    for (const messages of tries) assert.deepEqual(messages, english.map((i) => i.message));
    assert.equal(await page.evaluate(() => window.updox.loadLocale('fr')), false);
    assert.equal(await page.evaluate(() => window.updox.loadLocale(undefined)), false);
  });

  test('after loadLocale("es"), locale "es" gives Spanish sentences', async () => {
    assert.equal(await page.evaluate(() => window.updox.loadLocale('es')), true);
    const issues = await validate(page, BROKEN, undefined, { locale: 'es' });
    assert.deepEqual(issues.map((i) => i.rule), BROKEN_RULES, 'rule ids do not change with the locale');
    assert.deepEqual(issues.map((i) => i.message), BROKEN_RULES.map((r) => ES[r]));
    assert.equal(issues[2].message, 'Escriba el nombre.');
    // English stays the default for calls that do not ask.
    assert.equal((await validate(page, BROKEN))[2].message, 'Enter the first name.');
  });

  test('numbers in sentences follow the locale', async () => {
    await page.evaluate(() => window.updox.loadLocale('es'));
    const m = { ...validMessage(), subject: 'abcdef', attachments: [{ content: 'YWJjZA==', fileName: 'a.txt' }] };
    const limits = { maxSubjectChars: 3, maxAttachmentBytes: 2 * 1024 * 1024 + 1, maxTotalAttachmentBytes: 3 };
    const es = await validate(page, m, limits, { locale: 'es' });
    assert.deepEqual(es.map((i) => i.rule), ['subject.too_long', 'attachments.total_too_large']);
    assert.equal(es[0].message, 'El asunto es demasiado largo: como máximo 3 caracteres.');
    assert.equal(es[1].message, 'Los archivos adjuntos juntos son demasiado grandes (4 bytes); el límite total es 3 bytes.');
    const big = await validate(page, m, { maxTotalAttachmentBytes: 2 * 1024 * 1024 + 1, maxAttachmentBytes: 3 }, { locale: 'es' });
    assert.equal(big[0].message, 'Este archivo es demasiado grande para enviarlo (4 bytes); el límite es 3 bytes por archivo.');
    const tooLong = await validate(page, { ...m, subject: 'ok' }, { maxTextMessageBytes: 3 }, { locale: 'es' });
    assert.equal(tooLong[0].message, 'El mensaje es demasiado largo: como máximo 3 bytes de texto.');
    // Megabytes with the locale's decimal separator (the default limit is 10 MiB).
    const sizes = await page.evaluate(() => {
      const file = new File([new Uint8Array(11 * 1024 * 1024 + 200 * 1024)], 'scan.pdf');
      const m = { to: 'dr@direct.example.org', from: 'patient:1', attachments: [file] };
      return ['en', 'es'].map((locale) => window.updox.validatePatientDirectMessage(m, undefined, { locale })[0].message);
    });
    assert.deepEqual(sizes, [
      'This file is too large to send (11.2 MB); the limit is 10.0 MB per file.',
      'Este archivo es demasiado grande para enviarlo (11,2 MB); el límite es 10,0 MB por archivo.',
    ]);
  });

  test('messages replaces the sentence of one rule and leaves the rest', async () => {
    await page.evaluate(() => window.updox.loadLocale('es'));
    const messages = { 'to.invalid': 'Revise la dirección, por favor.', 'subject.too_long': 'Asunto: {max} como máximo.' };
    const issues = await validate(page, { ...BROKEN, subject: 'abcd' }, { maxSubjectChars: 2 }, { locale: 'es', messages });
    const byRule = Object.fromEntries(issues.map((i) => [i.rule, i.message]));
    assert.equal(byRule['to.invalid'], 'Revise la dirección, por favor.');
    assert.equal(byRule['subject.too_long'], 'Asunto: 2 como máximo.');
    assert.equal(byRule['patientDemographics.firstName.required'], ES['patientDemographics.firstName.required']);
    // Without a locale, the rest stays English.
    const en = await validate(page, BROKEN, undefined, { messages: { 'to.invalid': 'Check the address.' } });
    assert.equal(en[0].message, 'Check the address.');
    assert.equal(en[2].message, 'Enter the first name.');
  });

  test('patientSender and encodeAttachment speak the locale too', async () => {
    await page.evaluate(() => window.updox.loadLocale('es'));
    const out = await page.evaluate(async () => {
      const U = window.updox;
      let sender;
      try {
        U.patientSender(' ', { locale: 'es' });
      } catch (e) {
        sender = { rule: e.rule, message: e.message, issue: e.issues[0].message };
      }
      const encoded = await U.encodeAttachment(new Blob(['abc']), { locale: 'es' }).catch((e) => ({ rule: e.rule, message: e.message }));
      return { sender, encoded };
    });
    assert.deepEqual(out.sender, { rule: 'patientId.required', message: ES['patientId.required'], issue: ES['patientId.required'] });
    assert.deepEqual(out.encoded, { rule: 'attachments.fileName.required', message: ES['attachments.fileName.required'] });
  });

  test('after the tests, the page still works in English', async () => {
    assert.deepEqual(await validate(page, validMessage()), []);
    await page.close();
  });
});

describe('errors of every kind, in Spanish, with the locale loaded by the send itself', () => {
  let page;
  before(async () => {
    page = await freshPage();
  });

  const send = (message, options) => page.evaluate(([m, o]) => window.settle(window.updox.sendPatientDirectMessage(m, o)), [message, options]);

  /** Sends in Spanish; returns {kind, rule, message} of the UpdoxError. */
  async function failure(message, options) {
    return page.evaluate(
      async ([m, o]) => {
        const { closedPort, abortNow, abortLater, ...rest } = o;
        const controller = new AbortController();
        if (abortNow) controller.abort();
        if (abortLater) setTimeout(() => controller.abort(), abortLater);
        const options = { ...rest, locale: 'es', signal: controller.signal };
        try {
          await window.updox.sendPatientDirectMessage(m, options);
          return { ok: true };
        } catch (e) {
          return { kind: e.kind, rule: e.rule, message: e.message, isUpdoxError: e instanceof window.updox.UpdoxError };
        }
      },
      [message, options],
    );
  }

  const render = (rule, values = {}) => ES[rule].replace(/\{(\w+)\}/g, (all, k) => values[k] ?? all);

  test('validation: one issue says its own sentence, several say "validation"', async () => {
    const one = await failure({ ...validMessage(), to: 'x' }, { proxyUrl: `${s.faults.url}/ok` });
    assert.deepEqual(one, { kind: 'validation', rule: 'to.invalid', message: ES['to.invalid'], isUpdoxError: true });
    const several = await failure(BROKEN, { proxyUrl: `${s.faults.url}/ok` });
    assert.deepEqual(several, { kind: 'validation', rule: 'validation', message: ES.validation, isUpdoxError: true });
  });

  const CASES = [
    ['updox', '/updox/4650', {}, 'updox.4650'],
    ['updox', '/updox/4011', {}, 'updox.auth'],
    ['updox', '/updox/4999', {}, 'updox.other'],
    ['http', '/http/503', {}, 'http.503'],
    ['http', '/html500', {}, 'http.5xx'],
    ['protocol', '/notjson', {}, 'protocol.unreadable'],
    ['protocol', '/inconsistent', {}, 'protocol.inconsistent'],
    ['timeout', '/hang', { timeoutMs: 800 }, 'timeout', { seconds: 1 }],
    ['aborted', '/ok', { abortNow: true }, 'aborted'],
    ['aborted', '/hang', { abortLater: 300 }, 'aborted.after_sending'],
  ];
  for (const [kind, path, options, rule, values] of CASES) {
    test(`${kind}: ${rule}`, async () => {
      const e = await failure(validMessage(), { proxyUrl: `${s.faults.url}${path}`, ...options });
      assert.deepEqual(e, { kind, rule, message: render(rule, values), isUpdoxError: true });
    });
  }

  test('http with a proxy error code: proxy.rate_limited', async () => {
    const e = await failure(validMessage(), { proxyUrl: rateLimited.url });
    assert.deepEqual(e, { kind: 'http', rule: 'proxy.rate_limited', message: ES['proxy.rate_limited'], isUpdoxError: true });
  });

  test('network: a closed port', async () => {
    const { port } = await (await fetch(`${s.faults.url}/closed-port`)).json();
    const e = await failure(validMessage(), { proxyUrl: `http://127.0.0.1:${port}/x` });
    assert.equal(e.kind, 'network');
    assert.ok(['network.failed', 'network.offline'].includes(e.rule), e.rule);
    assert.equal(e.message, ES[e.rule]);
  });

  test('messages wins for an outcome rule too; a success is unaffected by the locale', async () => {
    const e = await failure(validMessage(), { proxyUrl: `${s.faults.url}/updox/4650`, messages: { 'updox.4650': 'Not delivered (ours).' } });
    assert.equal(e.message, 'Not delivered (ours).');
    const ok = await send(validMessage(), { proxyUrl: `${s.faults.url}/ok`, locale: 'es' });
    assert.equal(ok.ok, true);
    assert.equal(ok.value.responseCode, 2000);
    await page.close();
  });
});
});
