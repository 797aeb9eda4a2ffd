// A page signs its patient in to the proxy through the module, in each engine: a Bearer token in
// `options.headers.Authorization`, or the portal's session cookie on a cross-origin proxy
// (CORS with credentials). The page is on one loopback origin, the proxy on another.
import { after, before, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { SignJWT } from 'jose';
import { DEMO_AUTH, startMockUpdox } from '../../server/mock-updox.mjs';
import { startProxy } from '../../server/proxy.mjs';
import { validMessage } from '../support/message.mjs';
import { openModulePage } from '../support/module-page.mjs';
import { selectedEngines } from '../support/engines.mjs';
import { useServers } from '../support/servers.mjs';

const SECRET = 'browser-test-secret-at-least-32-bytes-long';
const PATIENT = '100030'; // the patient of the fixture message

for (const engineName of selectedEngines()) describe(engineName, () => {
const servers = useServers({ modulePage: true, engine: engineName });
let mock;

before(async () => {
  mock = await startMockUpdox();
});
after(() => mock?.close());
beforeEach(() => mock.reset());

/** Sends validMessage() from the page; resolves the page's settle() result. */
function sendFromPage(page, proxyUrl, options) {
  return page.evaluate(
    ({ message, proxyUrl, options }) => window.settle(window.updox.sendPatientDirectMessage(message, { proxyUrl, ...options })),
    { message: validMessage(), proxyUrl, options },
  );
}

test('a page passes a Bearer token through the module (options.headers.Authorization) to the proxy', async () => {
  const proxy = await startProxy({
    env: {},
    baseUrl: mock.baseUrl,
    auth: DEMO_AUTH,
    jwt: { secret: SECRET, audience: 'updox-direct-tests' },
    corsOrigins: [servers.modulePage.url],
    quiet: true,
  });
  const page = await openModulePage(servers.engine, servers.modulePage.url);
  try {
    const token = await new SignJWT({})
      .setProtectedHeader({ alg: 'HS256' })
      .setIssuedAt()
      .setAudience('updox-direct-tests')
      .setSubject(PATIENT)
      .setExpirationTime('5m')
      .sign(new TextEncoder().encode(SECRET));
    const sent = await sendFromPage(page, proxy.routeUrl, { headers: { Authorization: `Bearer ${token}` } });
    assert.equal(sent.ok, true, JSON.stringify(sent.error));
    assert.equal(mock.messages().length, 1);
    assert.equal(mock.messages()[0].body.patientDemographics.patientId, PATIENT);

    const anonymous = await sendFromPage(page, proxy.routeUrl, {});
    assert.equal(anonymous.ok, false);
    assert.equal(anonymous.error.kind, 'http');
    assert.equal(anonymous.error.status, 401);
    assert.equal(mock.messages().length, 1, 'without the token nothing reached Updox');
  } finally {
    await page.close();
    await proxy.close();
  }
});

test("a cross-origin page sends with the portal's session cookie: CORS allows credentials for allow-listed origins", async () => {
  const proxy = await startProxy({
    env: {},
    baseUrl: mock.baseUrl,
    auth: DEMO_AUTH,
    authorize: (request) => (/(?:^|;\s*)sid=s-34534(?:;|$)/.test(request.headers.get('cookie') ?? '') ? { patientId: PATIENT } : null),
    corsOrigins: [servers.modulePage.url],
    quiet: true,
  });
  const page = await openModulePage(servers.engine, servers.modulePage.url);
  try {
    // Cookies ignore ports: the session cookie of 127.0.0.1 goes to the proxy's port too.
    await page.evaluate(() => {
      document.cookie = 'sid=s-34534; path=/; SameSite=Lax';
    });
    const sent = await sendFromPage(page, proxy.routeUrl, { credentials: 'include' });
    assert.equal(sent.ok, true, JSON.stringify(sent.error));
    assert.equal(mock.messages().length, 1);
    const withoutCookie = await sendFromPage(page, proxy.routeUrl, { credentials: 'omit' });
    assert.equal(withoutCookie.error?.status, 401);
    assert.equal(mock.messages().length, 1);
  } finally {
    await page.close();
    await proxy.close();
  }
});
});
