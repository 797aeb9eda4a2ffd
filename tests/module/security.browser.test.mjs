// Security: no credentials in the browser, the proxy URL policy, header injection,
// file-name sanitising, no PHI in errors or the console. (Panics reachable from input are
// refused by the clippy lints in Cargo.toml; the demo page under its strict CSP is tested
// by tests/demo/demo.browser.test.mjs, which records `securitypolicyviolation` events.)
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { FAULTS, runFault } from '../support/fault-table.mjs';
import { getJson } from '../support/http.mjs';
import { validMessage } from '../support/message.mjs';
import { PKG_DIR, PROXY_PATH, ROOT } from '../support/module-page.mjs';
import { selectedEngines } from '../support/engines.mjs';
import { startFakeHosts } from '../support/fake-hosts.mjs';
import { useServers } from '../support/servers.mjs';
import { DEMO_AUTH as MOCK_AUTH } from '../../server/mock-updox.mjs';

const filesUnder = (dir) =>
  readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? filesUnder(path) : [path];
  });

// ---------------------------------------------------------------------------------------
describe('the built package contains no secrets', () => {
  // Credential values the servers default to, Updox's documented sample password, and any
  // real ones in this environment.
  const fixture = JSON.parse(readFileSync(join(ROOT, 'tests/fixtures/updox-sample-request.json'), 'utf8'));
  const fromServers = filesUnder(join(ROOT, 'server'))
    .filter((f) => f.endsWith('.mjs'))
    .flatMap((f) => [...readFileSync(f, 'utf8').matchAll(/\b(?:applicationId|applicationPassword|accountId|userId):\s*'([^']+)'/g)].map((m) => m[1]));
  const secrets = [
    ...new Set([
      ...Object.values(MOCK_AUTH),
      ...fromServers,
      fixture.auth.applicationPassword,
      ...['UPDOX_APPLICATION_ID', 'UPDOX_APPLICATION_PASSWORD', 'UPDOX_ACCOUNT_ID', 'UPDOX_USER_ID'].map((k) => process.env[k]).filter((v) => v && v.length >= 6),
    ]),
  ];
  const PATTERNS = [
    /-----BEGIN [A-Z ]*PRIVATE KEY-----/,
    /\bAKIA[0-9A-Z]{16}\b/,
    /\bgh[pousr]_[A-Za-z0-9]{36}\b/,
    /\bxox[abprs]-[A-Za-z0-9-]{10,}/,
    /applicationPassword["']?\s*[:=]\s*["'][^"']+["']/,
  ];

  test('pkg/ files hold none of the server-side credential values', (t) => {
    const files = filesUnder(PKG_DIR);
    assert.ok(files.some((f) => f.endsWith('.wasm')) && files.some((f) => f.endsWith('.d.ts')), 'pkg/ is built');
    assert.ok(secrets.includes('demo-password'), `scanning for ${secrets.length} values`);
    t.diagnostic(`${files.length} files scanned for ${secrets.length} values and ${PATTERNS.length} patterns`);
    const found = [];
    for (const file of files) {
      const text = readFileSync(file).toString('latin1');
      for (const s of secrets) if (text.includes(s)) found.push(`${relative(ROOT, file)}: ${JSON.stringify(s)}`);
      for (const p of PATTERNS) if (p.test(text)) found.push(`${relative(ROOT, file)}: ${p}`);
    }
    assert.deepEqual(found, []);
    // The type definitions name the field (for allowBrowserCredentials), without a value.
    assert.match(readFileSync(join(PKG_DIR, 'updox_direct.d.ts'), 'utf8'), /applicationPassword: string;/);
  });
});

// ---------------------------------------------------------------------------------------
// PHI markers: distinctive values that must never reach an error or the console.
const PHI = {
  to: 'qx7doctor@direct.example.com',
  subject: 'Qx7Subject about my rash',
  textMessage: 'Qx7Text I have a rash since Tuesday',
  patientId: 'Qx7Pid4411',
  firstName: 'Qx7Firstname',
  middleName: 'Qx7Middle',
  lastName: 'Qx7Lastname',
  dateOfBirth: '1971-03-04',
  emailAddress: 'qx7mail@example.com',
  fileName: 'qx7-lab-report.pdf',
  fileText: 'Qx7FileContent HbA1c 9.1',
};
const PHI_STRINGS = [
  ...Object.values(PHI),
  'Qx7', 'qx7',
  Buffer.from(PHI.fileText).toString('base64').slice(0, 16),
];
const phiMessage = (overrides = {}) => ({
  to: PHI.to,
  subject: PHI.subject,
  textMessage: PHI.textMessage,
  patientDemographics: {
    patientId: PHI.patientId,
    firstName: PHI.firstName,
    middleName: PHI.middleName,
    lastName: PHI.lastName,
    dateOfBirth: PHI.dateOfBirth,
    gender: 'F',
    emailAddress: PHI.emailAddress,
  },
  attachments: [{ content: Buffer.from(PHI.fileText).toString('base64'), fileName: PHI.fileName, mimeType: 'application/pdf' }],
  ...overrides,
});
const leaks = (text) => PHI_STRINGS.filter((s) => String(text).includes(s));

// Nothing leaves this machine: portal.example is answered by a fake host (the engine's
// proxy), which logs what the browser asked of it.
const startFakePortal = () =>
  startFakeHosts(['portal.example'], ({ method }) => {
    const cors = { 'Access-Control-Allow-Origin': '*', 'Access-Control-Allow-Headers': '*', 'Access-Control-Allow-Methods': 'POST' };
    if (method === 'OPTIONS') return { status: 204, headers: cors };
    return {
      status: 200,
      headers: { ...cors, 'Content-Type': 'application/json' },
      body: readFileSync(join(ROOT, 'tests/fixtures/updox-sample-response.json'), 'utf8'),
    };
  });

for (const engineName of selectedEngines()) describe(`in the browser [${engineName}]`, () => {
  let fakePortal;
  before(async () => {
    fakePortal = await startFakePortal();
  });
  after(() => fakePortal?.close());
  const s = useServers({ faults: true, modulePage: true, engine: engineName, engineOptions: () => ({ proxy: fakePortal.proxy }), open: true });
  let faults;
  let pageServer;
  let page;
  let fetchedFromPortal;
  const send = (message, options) =>
    page.evaluate(({ message, options }) => window.settle(window.updox.sendPatientDirectMessage(message, options)), { message, options });
  const posts = async () => (await getJson(`${faults.url}/count`)).posts;
  const lastEcho = async () => {
    const last = await getJson(`${faults.url}/last`);
    return { ...last, body: JSON.parse(last.body) };
  };

  before(() => {
    ({ faults, modulePage: pageServer, page } = s);
    fetchedFromPortal = fakePortal.requests;
  });

  describe('no credentials in the browser by default', () => {
    test('a send carries no auth block, a fresh 32-hex Idempotency-Key and no credentials headers', async () => {
      const keys = [];
      for (let i = 0; i < 2; i++) {
        const r = await send(validMessage(), { proxyUrl: `${faults.url}/echo` });
        assert.ok(r.ok, JSON.stringify(r.error));
        const last = await lastEcho();
        assert.equal('auth' in last.body, false, 'no auth block');
        assert.equal(last.headers.authorization, undefined);
        assert.equal(last.headers.cookie, undefined);
        assert.match(last.headers['content-type'], /^application\/json/);
        assert.match(last.headers['idempotency-key'], /^[0-9a-f]{32}$/);
        keys.push(last.headers['idempotency-key']);
      }
      assert.notEqual(keys[0], keys[1], 'a new key per call');
    });

    test('an auth option without allowBrowserCredentials is refused before sending', async () => {
      const before = await posts();
      for (const allow of [undefined, false, 'true', 1]) {
        const r = await send(validMessage(), {
          proxyUrl: `${faults.url}/echo`,
          auth: { applicationId: 'x', applicationPassword: 'browser-secret', accountId: 'y', userId: 'z' },
          allowBrowserCredentials: allow,
        });
        assert.equal(r.ok, false);
        assert.equal(r.error.kind, 'validation');
        assert.ok(r.error.issues.some((i) => i.field.startsWith('options.auth')), JSON.stringify(r.error.issues));
        assert.equal(r.error.json.includes('browser-secret'), false);
      }
      assert.equal(await posts(), before, 'no request was made');
    });

    test('with allowBrowserCredentials: true the auth block is sent', async () => {
      const auth = { applicationId: 'app', applicationPassword: 'pw', accountId: 'acc', userId: 'usr' };
      const r = await send(validMessage(), { proxyUrl: `${faults.url}/echo`, auth, allowBrowserCredentials: true });
      assert.ok(r.ok, JSON.stringify(r.error));
      assert.deepEqual((await lastEcho()).body.auth, auth);
    });
  });

  describe('proxyUrl must be same-origin, https: or loopback', () => {
    const before = async () => ({ portal: fetchedFromPortal.length, requests: (await page.requests()).length });
    // The fake hosts' proxy also sees the engine's own background requests (to other hosts),
    // so only those for portal.example and its subdomains count.
    const toPortal = (r) => /(^|\.)portal\.example$/.test(new URL(r.url).hostname);
    const portalRequests = async (mark) =>
      [...fetchedFromPortal.slice(mark.portal), ...(await page.requests()).slice(mark.requests)].filter(toPortal);
    const portalPosts = (mark) => fetchedFromPortal.slice(mark.portal).filter((r) => toPortal(r) && r.method === 'POST').length;

    test('http://portal.example is refused before any request', async () => {
      const mark = await before();
      for (const proxyUrl of ['http://portal.example/api/send', 'http://127.0.0.1.portal.example/api/send', 'http://localhost.portal.example/api/send', 'http://user:pw@portal.example/api/send']) {
        const r = await send(validMessage(), { proxyUrl });
        assert.equal(r.ok, false, proxyUrl);
        assert.equal(r.error.kind, 'validation', proxyUrl);
        assert.deepEqual(r.error.issues.map((i) => i.field), ['options.proxyUrl'], proxyUrl);
      }
      assert.deepEqual(await portalRequests(mark), [], 'the browser made no request to the portal');
    });

    test('allowInsecureProxyUrl: true allows it explicitly', async () => {
      const mark = await before();
      const r = await send(validMessage(), { proxyUrl: 'http://portal.example/api/send', allowInsecureProxyUrl: true });
      assert.ok(r.ok, JSON.stringify(r.error));
      assert.equal(portalPosts(mark), 1);
    });

    test('https: is allowed; loopback and same-origin are allowed', async () => {
      const mark = await before();
      assert.ok((await send(validMessage(), { proxyUrl: 'https://portal.example/api/send' })).ok);
      assert.equal(portalPosts(mark), 1);
      assert.ok((await send(validMessage(), { proxyUrl: `${faults.url}/ok` })).ok, 'loopback');
      const same = await send(validMessage(), { proxyUrl: PROXY_PATH });
      assert.equal(same.error?.kind, 'http', 'same-origin relative URL is sent (the page server answers 404)');
      assert.equal(same.error?.status, 404);
    });

    test('non-http(s) schemes are refused even with allowInsecureProxyUrl', async () => {
      const mark = await before();
      for (const proxyUrl of ['javascript:alert(1)', 'data:application/json,{}', 'file:///etc/passwd', 'ftp://127.0.0.1/x', 'ws://127.0.0.1/x', 'blob:http://127.0.0.1/x']) {
        const r = await send(validMessage(), { proxyUrl, allowInsecureProxyUrl: true });
        assert.equal(r.error?.kind, 'validation', proxyUrl);
      }
      const outgoing = (await page.requests()).slice(mark.requests).filter((r) => !r.url.startsWith(pageServer.url));
      assert.deepEqual(outgoing, []);
    });
  });

  describe('header injection', () => {
    const BAD = [
      ['X-Token', 'a\r\nX-Injected: 1'],
      ['X-Token', 'a\nb'],
      ['X-Token', 'a\rb'],
      ['X-Token', 'a\u0000b'],
      ['Host', 'evil.example'],
      ['Content-Type', 'text/plain'],
      ['Content-Length', '1'],
      ['Idempotency-Key', '0'.repeat(32)],
      ['Cookie', 'session=1'],
      ['Origin', 'http://evil.example'],
      ['Referer', 'http://evil.example'],
      ['Sec-Fetch-Site', 'same-origin'],
      ['sec-ch-ua', 'x'],
      ['Proxy-Authorization', 'Basic eA=='],
      ['Transfer-Encoding', 'chunked'],
      ['Connection', 'close'],
      ['X-A\r\nX-B', 'a'],
      ['X Token', 'a'],
      ['X-Token:', 'a'],
      ['', 'a'],
    ];
    for (const [name, value] of BAD) {
      test(`${JSON.stringify(name)}: ${JSON.stringify(value)} is refused`, async () => {
        const before = await posts();
        const r = await send(validMessage(), { proxyUrl: `${faults.url}/echo`, headers: { [name]: value } });
        assert.equal(r.error?.kind, 'validation');
        assert.ok(r.error.issues.some((i) => i.field.startsWith('options.headers')), JSON.stringify(r.error.issues));
        assert.equal(await posts(), before);
      });
    }
    test('an ordinary extra header (CSRF token) is sent', async () => {
      const r = await send(validMessage(), { proxyUrl: `${faults.url}/echo`, headers: { 'X-CSRF-Token': 'tok-123' } });
      assert.ok(r.ok, JSON.stringify(r.error));
      assert.equal((await lastEcho()).headers['x-csrf-token'], 'tok-123');
    });
  });

  describe('file names are sanitised and MIME types must parse', () => {
    const sendFile = (name, type) =>
      page.evaluate(
        ({ message, name, type, proxyUrl }) =>
          window.settle(window.updox.sendPatientDirectMessage({ ...message, attachments: [new File(['abc'], name, { type })] }, { proxyUrl })),
        { message: validMessage(), name, type, proxyUrl: `${faults.url}/echo` },
      );
    for (const [name, sent] of [
      ['../../etc/passwd', 'passwd'],
      ['..\\..\\Windows\\win.ini', 'win.ini'],
      ['C:\\Users\\me\\scan.pdf', 'scan.pdf'],
      ['/home/me/x-ray.png', 'x-ray.png'],
    ]) {
      test(`a File named ${JSON.stringify(name)} is sent as ${JSON.stringify(sent)}`, async () => {
        const r = await sendFile(name, 'text/plain');
        assert.ok(r.ok, JSON.stringify(r.error));
        assert.equal((await lastEcho()).body.attachments[0].fileName, sent);
      });
    }
    for (const name of ['', '..', 'evil\u202Efdp.exe', 'a\u2067b.pdf', 'a\u0000b.txt', 'line\nbreak.txt', 'tab\there.txt', '\u0007.txt', 'x'.repeat(300), '../']) {
      test(`a File named ${JSON.stringify(name.slice(0, 30))} is refused`, async () => {
        const r = await sendFile(name, 'text/plain');
        assert.equal(r.error?.kind, 'validation', JSON.stringify(r));
        assert.ok(r.error.issues.some((i) => i.field.startsWith('attachments[0]')), JSON.stringify(r.error.issues));
      });
    }
    test('pre-encoded attachments: a path or a bad MIME type is refused', async () => {
      for (const a of [
        { content: 'YWJj', fileName: '../x.txt', mimeType: 'text/plain' },
        { content: 'YWJj', fileName: 'dir/x.txt', mimeType: 'text/plain' },
        { content: 'YWJj', fileName: 'x.txt', mimeType: 'text' },
        { content: 'YWJj', fileName: 'x.txt', mimeType: 'a/b c' },
        { content: 'YWJj', fileName: 'x.txt', mimeType: 'text/plain\r\nX: y' },
        // Control characters between a parameter name and '=' (found by the attachment
        // fuzz target): "\r\n\r\n" would end a MIME header block downstream.
        { content: 'YWJj', fileName: 'x.txt', mimeType: 'text/plain; a\r\n\r\n=b' },
        { content: 'YWJj', fileName: 'x.txt', mimeType: 'text/plain; a\u000c=b' },
      ]) {
        const r = await send(validMessage({ attachments: [a] }), { proxyUrl: `${faults.url}/echo` });
        assert.equal(r.error?.kind, 'validation', JSON.stringify(a));
        assert.ok(r.error.issues.some((i) => i.field.startsWith('attachments[0].')), JSON.stringify(r.error.issues));
      }
    });
    test('a File with an odd type is refused or sent with a type that parses', async () => {
      const parses = /^[a-z0-9!#$&^_.+-]+\/[a-z0-9!#$&^_.+-]+(;.*)?$/;
      for (const type of ['', 'text', 'a/b c', 'text/plain; charset', 'x/']) {
        const r = await sendFile('report.pdf', type);
        if (r.ok) assert.match((await lastEcho()).body.attachments[0].mimeType, parses, type);
        else assert.equal(r.error.kind, 'validation', type);
      }
      // An empty mimeType on a pre-encoded attachment falls back to the extension.
      const r = await send(validMessage({ attachments: [{ content: 'YWJj', fileName: 'x.txt', mimeType: '' }] }), { proxyUrl: `${faults.url}/echo` });
      if (r.ok) assert.match((await lastEcho()).body.attachments[0].mimeType, parses);
      else assert.equal(r.error.kind, 'validation');
    });
  });

  describe('no PHI in errors or the console', () => {
    const scanned = [];
    const checkError = (label, r) => {
      assert.equal(r.ok, false, `${label}: expected a failure`);
      const e = r.error;
      const text = [e.message, e.json, e.stack, e.responseMessage, e.reason, ...(e.issues ?? []).map((i) => `${i.field} ${i.message}`)].join('\n');
      scanned.push(label);
      assert.deepEqual(leaks(text), [], `${label}: ${text}`);
    };

    test('errors from every fault path carry no message content', async () => {
      // Every failing row but the slow ones (one timeout is enough: its text is fixed).
      const rows = FAULTS.filter((x) => !x.expect.ok && !x.file && x.path !== '/huge-chunked');
      const timeouts = rows.filter((x) => x.expect.kind === 'timeout');
      for (const f of rows.filter((x) => x.expect.kind !== 'timeout' || x === timeouts[0])) {
        const { result } = await runFault(page, faults.url, f, { message: phiMessage() });
        checkError(f.name, result);
      }
    });

    test('validation errors name the field, not the value', async () => {
      const d = phiMessage().patientDemographics;
      const cases = [
        ['bad address', phiMessage({ to: `${PHI.to} x` })],
        ['bad address 2', phiMessage({ to: PHI.to.replace('@', '@@') })],
        ['subject too long', phiMessage({ subject: `${PHI.subject} `.repeat(20) })],
        ['bad date of birth', phiMessage({ patientDemographics: { ...d, dateOfBirth: '1971-13-45' } })],
        ['future date of birth', phiMessage({ patientDemographics: { ...d, dateOfBirth: '2999-03-04' } })],
        ['bad e-mail', phiMessage({ patientDemographics: { ...d, emailAddress: PHI.emailAddress.replace('@', ' ') } })],
        ['bad patient ID', phiMessage({ patientDemographics: { ...d, patientId: `${PHI.patientId} x` } })],
        ['bad gender', phiMessage({ patientDemographics: { ...d, gender: 'Qx7' } })],
        ['bad from', phiMessage({ from: `patient:${PHI.patientId} x`, patientDemographics: undefined })],
        ['bad file name', phiMessage({ attachments: [{ content: 'YWJj', fileName: `${PHI.fileName}\u202E` }] })],
        ['bad base64', phiMessage({ attachments: [{ content: `${PHI.fileText}!`, fileName: PHI.fileName }] })],
        ['bad MIME type', phiMessage({ attachments: [{ content: 'YWJj', fileName: PHI.fileName, mimeType: 'Qx7 type' }] })],
        ['no content', phiMessage({ subject: '', textMessage: '', attachments: [] , to: 'bad' })],
      ];
      for (const [label, message] of cases) {
        checkError(label, await send(message, { proxyUrl: `${faults.url}/echo` }));
        const issues = await page.evaluate((m) => window.updox.validatePatientDirectMessage(m), message);
        assert.ok(issues.length > 0, label);
        assert.deepEqual(leaks(JSON.stringify(issues)), [], `${label}: ${JSON.stringify(issues)}`);
      }
      for (const [label, call] of [
        ['patientSender', (id) => window.updox.patientSender(id)],
      ]) {
        const r = await page.evaluate(
          ([src, id]) => {
            try {
              return { ok: true, value: (0, eval)(src)(id) };
            } catch (e) {
              return { ok: false, error: window.describeError(e) };
            }
          },
          [call.toString(), `${PHI.patientId} x`],
        );
        checkError(label, r);
      }
      const enc = await page.evaluate(
        ({ name }) => window.settle(window.updox.encodeAttachment(new Blob(['abc']), { fileName: `${name}\u0000` })),
        { name: PHI.fileName },
      );
      checkError('encodeAttachment', enc);
    });

    test('the console stayed free of message content', async (t) => {
      const entries = await page.consoleEntries();
      t.diagnostic(`${scanned.length} errors scanned; ${entries.length} console entries`);
      const found = entries.filter((e) => leaks(e.text).length > 0);
      assert.deepEqual(found, []);
      assert.deepEqual(entries.filter((e) => e.type === 'pageerror'), []);
    });
  });
});

// ---------------------------------------------------------------------------------------
for (const engineName of selectedEngines()) describe(`the reference proxy strips browser-sent auth [${engineName}]`, () => {
  const s = useServers({ dev: true, modulePage: 'dev', engine: engineName, open: true });

  test('Updox receives the server credentials, never the browser ones', async () => {
    const subject = `strip-${Date.now()}`;
    const browserAuth = { applicationId: 'browser-app', applicationPassword: 'browser-secret-pw', accountId: 'browser-acct', userId: 'browser-user' };
    const r = await s.page.evaluate(
      ({ message, options }) => window.settle(window.updox.sendPatientDirectMessage(message, options)),
      { message: validMessage({ subject }), options: { proxyUrl: PROXY_PATH, auth: browserAuth, allowBrowserCredentials: true } },
    );
    assert.ok(r.ok, JSON.stringify(r.error));
    const [m, ...rest] = s.dev.mock.messages().filter((x) => x.body.subject === subject);
    assert.equal(rest.length, 0);
    assert.deepEqual(m.body.auth, { ...MOCK_AUTH });
    assert.equal(JSON.stringify(m).includes('browser-secret-pw'), false);
  });
});

// The demo page under its strict CSP: tests/demo/demo.browser.test.mjs loads it with the
// header and fails on any `securitypolicyviolation`. Referenced, not repeated.
test('the demo CSP test exists', () => {
  assert.match(readFileSync(join(ROOT, 'tests/demo/demo.browser.test.mjs'), 'utf8'), /securitypolicyviolation|cspViolations/);
});
