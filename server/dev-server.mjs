// `npm start`: one process serving the demo on http://127.0.0.1:${PORT||8080}/
//   /                                   the static demo page from www/
//   /pkg/                               the built npm package from pkg/ (wasm-pack output)
//   /api/updox/PatientDirectMessageSend the proxy (server/proxy/, the code the package ships as
//   /api/updox/DirectAddressValidate    updox-direct/proxy), forwarding to UPDOX_BASE_URL, or
//                                       by default to a mock Updox that this process starts
//                                       on a free loopback port.
// HTML gets a strict Content-Security-Policy; everything gets nosniff, no-referrer, no-store.
// Environment: PORT, HOST, and the proxy's (see optionsFromEnv in proxy/config.mjs). The
// proxy runs in demo mode (senders not bound) unless UPDOX_PROXY_DEMO=0 or a JWT setting.
import http from 'node:http';
import { createReadStream, existsSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import { extname, join, resolve, sep } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { DEMO_AUTH, startMockUpdox } from './mock-updox.mjs';
import { createUpdoxProxy, optionsFromEnv } from './proxy/index.mjs';

const ROOT = resolve(fileURLToPath(new URL('..', import.meta.url)));

export const CONTENT_SECURITY_POLICY =
  "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'; " +
  "img-src 'self' data: blob:; connect-src 'self'; object-src 'none'; base-uri 'none'; " +
  "form-action 'self'; frame-ancestors 'none'";

export const CONTENT_TYPES = Object.freeze({
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.wasm': 'application/wasm',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.txt': 'text/plain; charset=utf-8',
  '.md': 'text/plain; charset=utf-8',
  '.ts': 'text/plain; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
});

const COMMON_HEADERS = {
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'Cache-Control': 'no-store',
};

/**
 * Maps a URL path under `prefix` to a file under `root`, or null when it escapes the root
 * (`..`, encoded separators, NUL) or is malformed.
 */
export function resolveStaticPath(root, prefix, urlPath) {
  if (!urlPath.startsWith(prefix)) return null;
  let rel;
  try {
    rel = decodeURIComponent(urlPath.slice(prefix.length));
  } catch {
    return null;
  }
  if (rel.includes('\0') || rel.includes('\\')) return null;
  if (rel.split('/').some((part) => part === '..')) return null;
  const file = resolve(root, `.${sep}${rel}`);
  return file === root || file.startsWith(root + sep) ? file : null;
}

function sendText(res, status, text, extra = {}) {
  res.writeHead(status, { ...COMMON_HEADERS, 'Content-Type': 'text/plain; charset=utf-8', ...extra });
  res.end(text);
}

async function serveStatic(req, res, root, prefix, pathname) {
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    return sendText(res, 405, 'Method Not Allowed\n', { Allow: 'GET, HEAD' });
  }
  let file = resolveStaticPath(root, prefix, pathname);
  if (!file) return sendText(res, 404, 'Not Found\n');
  let info = await stat(file).catch(() => null);
  if (info?.isDirectory()) {
    file = join(file, 'index.html');
    info = await stat(file).catch(() => null);
  }
  if (!info?.isFile()) return sendText(res, 404, 'Not Found\n');
  const type = CONTENT_TYPES[extname(file).toLowerCase()] ?? 'application/octet-stream';
  const headers = { ...COMMON_HEADERS, 'Content-Type': type, 'Content-Length': info.size };
  if (type.startsWith('text/html')) headers['Content-Security-Policy'] = CONTENT_SECURITY_POLICY;
  res.writeHead(200, headers);
  if (req.method === 'HEAD') return res.end();
  createReadStream(file)
    .on('error', () => res.destroy())
    .pipe(res);
}

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
      ...proxyOptions,
    });
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
      return sendText(res, 400, 'Bad Request\n');
    }
    const served = pathname.startsWith('/pkg/')
      ? serveStatic(req, res, pkgDir, '/pkg/', pathname)
      : serveStatic(req, res, wwwDir, '/', pathname);
    served.catch(() => {
      if (!res.headersSent) sendText(res, 500, 'Internal Server Error\n');
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
