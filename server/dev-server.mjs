// `npm start`: one process serving the demo on http://127.0.0.1:${PORT||8080}/
//   /                                   the static demo page from www/
//   /pkg/                               the built npm package from pkg/ (wasm-pack output)
//   /api/updox/PatientDirectMessageSend the proxy (server/proxy/, the code the package ships as
//   /api/updox/DirectAddressValidate    updox-direct/proxy), forwarding to UPDOX_BASE_URL, or
//   /api/updox/MdnStatusList            by default to a mock Updox that this process starts
//                                       on a free loopback port, whose MDNs come back
//                                       through the proxy's inbound_mdn webhook.
// HTML gets a strict Content-Security-Policy; everything gets nosniff, no-referrer, no-store.
// Environment: PORT, HOST, and the proxy's (see optionsFromEnv in proxy/config.mjs). The
// proxy runs in demo mode (senders not bound) unless UPDOX_PROXY_DEMO=0 or a JWT setting.
import http from 'node:http';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { DEMO_AUTH, startMockUpdox } from './mock-updox.mjs';
import { isLoopbackHostname } from './proxy/config.mjs';
import { createUpdoxProxy, optionsFromEnv } from './proxy/index.mjs';
import { CONTENT_TYPES, resolveStaticPath, sendText, serveStatic } from './static-files.mjs';

const ROOT = resolve(fileURLToPath(new URL('..', import.meta.url)));

export const CONTENT_SECURITY_POLICY =
  "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'; " +
  "img-src 'self' data: blob:; connect-src 'self'; object-src 'none'; base-uri 'none'; " +
  "form-action 'self'; frame-ancestors 'none'";

const COMMON_HEADERS = {
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'Cache-Control': 'no-store',
};

const HTML_HEADERS = { 'Content-Security-Policy': CONTENT_SECURITY_POLICY };

export { CONTENT_TYPES, resolveStaticPath };

/**
 * Starts the mock Updox (always, so tests can inspect it; the proxy uses it unless
 * UPDOX_BASE_URL is set), the proxy and the static server. Resolves {url, proxyUrl,
 * mockUrl, mockInspectUrl, mock: {messages(), requests(), reset()}, server, close()}.
 */
export async function startDevServer({
  port = 0,
  host = '127.0.0.1',
  env = process.env,
  quiet = false,
  root = ROOT,
  demo = env.UPDOX_PROXY_DEMO !== '0',
  proxyOptions = {},
} = {}) {
  const say = quiet ? () => {} : (line) => console.log(line);
  const wwwDir = join(root, 'www');
  const pkgDir = join(root, 'pkg');
  // The mock accepts the credentials the proxy will send (env, else the demo ones).
  const mock = await startMockUpdox({
    host: '127.0.0.1',
    port: 0,
    applicationId: env.UPDOX_APPLICATION_ID || undefined,
    applicationPassword: env.UPDOX_APPLICATION_PASSWORD || undefined,
    accountId: env.UPDOX_ACCOUNT_ID || undefined,
    userId: env.UPDOX_USER_ID || undefined,
    env,
  });
  const fromEnv = optionsFromEnv(env);
  let proxy;
  try {
    proxy = createUpdoxProxy({
      ...fromEnv,
      baseUrl: env.UPDOX_BASE_URL || mock.baseUrl,
      auth: fromEnv.auth ?? DEMO_AUTH,
      demo,
      quiet,
      // The mock's MDNs reach the proxy as Updox's would: through the token-guarded webhook.
      webhookToken: fromEnv.webhookToken ?? randomBytes(32).toString('base64url'),
      ...proxyOptions,
    });
    if (proxy.demo && !isLoopbackHostname(host)) {
      await proxy.close();
      throw new Error(`refusing demo mode on ${host}: the demo listens on a loopback address only (HOST=127.0.0.1)`);
    }
  } catch (err) {
    await mock.close();
    throw err;
  }

  const server = http.createServer((req, res) => proxy.node(req, res, () => serveSite(req, res)));
  function serveSite(req, res) {
    let pathname;
    try {
      pathname = new URL(req.url, 'http://dev.invalid').pathname;
    } catch {
      return sendText(res, 400, 'Bad Request\n', COMMON_HEADERS);
    }
    const mount = pathname.startsWith('/pkg/') ? { root: pkgDir, prefix: '/pkg/' } : { root: wwwDir, prefix: '/' };
    const served = serveStatic(req, res, { ...mount, headers: COMMON_HEADERS, htmlHeaders: HTML_HEADERS }, pathname);
    served.catch(() => {
      if (!res.headersSent) sendText(res, 500, 'Internal Server Error\n', COMMON_HEADERS);
      else res.destroy();
    });
  }

  try {
    await new Promise((resolvePromise, reject) => {
      server.once('error', reject);
      server.listen(port, host, resolvePromise);
    });
  } catch (err) {
    await mock.close();
    await proxy.close();
    throw err;
  }
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${server.address().port}/`;
  if (!env.UPDOX_BASE_URL && proxy.webhookPath && !env.UPDOX_MOCK_WEBHOOK_URL) mock.setWebhookUrl(new URL(proxy.webhookPath, url).href);
  const proxyUrl = new URL(proxy.paths.send, url).href;
  const validateUrl = new URL(proxy.paths.validate, url).href;

  say(`updox-direct demo: ${url}`);
  say(`  proxy:           ${proxyUrl} -> ${env.UPDOX_BASE_URL ? proxy.targets.send : 'mock Updox'}`);
  say(`                   ${validateUrl} -> ${env.UPDOX_BASE_URL ? proxy.targets.validate : 'mock Updox'}`);
  say(`  mock Updox:      ${mock.baseUrl}/PatientDirectMessageSend`);
  say(`  mock inspection: ${mock.inspectUrl}`);
  if (env.UPDOX_BASE_URL && !env.UPDOX_APPLICATION_PASSWORD) {
    say('  warning: UPDOX_BASE_URL is set but UPDOX_APPLICATION_* / UPDOX_ACCOUNT_ID / UPDOX_USER_ID are not');
  }
  if (!existsSync(join(pkgDir, 'updox_direct.js'))) {
    say('  note: pkg/updox_direct.js is missing; run npm start, which builds pkg/');
  }

  let closing;
  return {
    url,
    proxyUrl,
    validateUrl,
    proxy,
    mockUrl: mock.baseUrl,
    mockInspectUrl: mock.inspectUrl,
    mock: { messages: mock.messages, lookups: mock.lookups, requests: mock.requests, reset: mock.reset },
    server,
    close() {
      closing ??= (async () => {
        await new Promise((resolvePromise) => {
          server.close(() => resolvePromise());
          server.closeAllConnections();
        });
        await proxy.close();
        await mock.close();
      })();
      return closing;
    },
  };
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  const port = process.env.PORT ? Number(process.env.PORT) : 8080;
  const host = process.env.HOST || '127.0.0.1';
  let dev;
  const stop = (signal) => {
    console.log(`dev-server: ${signal}, stopping`);
    setTimeout(() => process.exit(0), 3000).unref();
    (dev ? dev.close() : Promise.resolve()).then(() => process.exit(0));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  try {
    dev = await startDevServer({ port, host });
  } catch (err) {
    console.error(
      err?.code === 'EADDRINUSE'
        ? `dev-server: ${host}:${port} is in use; set PORT to another port`
        : `dev-server: ${err?.message ?? err}`,
    );
    process.exit(1);
  }
}
