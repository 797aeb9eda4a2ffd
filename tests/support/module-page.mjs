// The module page: a loopback server whose page loads the built module (pkg/) and exposes
// it to tests, for the suites that drive the module in a browser (faults, hostile input,
// security, worker, soak).
//
//   GET  /                 a blank page whose module script loads /pkg/updox_direct.js and
//                          exposes it as `window.updox` (plus helpers, see HARNESS below)
//   GET  /pkg/...          the built package
//   GET  /warm             a tiny answer (to open keep-alive connections before a test)
//   GET  (files)           the suite's own files: `files` maps a path to {type, body}
//   POST /api/updox/DirectAddressValidate
//   POST /api/updox/MdnStatusList
//                          when `upstream` is given: forwarded to the same path on its host
//                          and its answer relayed (counted in `front.lookups`,
//                          `front.deliveries`)
//   POST /api/updox/PatientDirectMessageSend
//                          when `upstream` is given: forwarded to that URL (e.g. the dev
//                          server's reference proxy) and its answer relayed. `front.dropNext`
//                          makes the next N such POSTs that arrive on a *reused* keep-alive
//                          connection be forwarded, answered upstream, and then have their
//                          connection destroyed before any response byte: what makes
//                          Chromium and Firefox silently resend a POST (with
//                          `front.dropFresh`, on a fresh connection too). `front.refuseNext`
//                          makes the next N such POSTs have their connection destroyed
//                          before anything is forwarded (nothing reaches the proxy).
//                          `front.replayed` records, per answer relayed, whether the proxy
//                          marked it a replay (Idempotent-Replayed: true).
//
// No CSP on this page (the suites evaluate code in it); the demo page's CSP is tested by
// tests/demo/demo.browser.test.mjs.
import http from 'node:http';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { serveStatic } from '../../server/static-files.mjs';

export const ROOT = resolve(fileURLToPath(new URL('../..', import.meta.url)));
export const PKG_DIR = join(ROOT, 'pkg');
export const PROXY_PATH = '/api/updox/PatientDirectMessageSend';
export const VALIDATE_PATH = '/api/updox/DirectAddressValidate';
export const DELIVERY_PATH = '/api/updox/MdnStatusList';

const NO_STORE = { 'Cache-Control': 'no-store' };

const PAGE = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>updox-direct test page</title>
<link rel="icon" href="data:,"><script type="module" src="/harness.mjs"></script></head><body></body></html>`;

// Runs in the page. `describeError` turns whatever a call threw into plain data; `settle`
// awaits a promise and reports {ok, value|error, ms}.
const HARNESS = `
import init, * as updox from '/pkg/updox_direct.js';
const wasm = await init({ module_or_path: '/pkg/updox_direct_bg.wasm' });
window.updox = updox;
window.updoxWasmMemory = () => wasm.memory.buffer.byteLength;
window.describeError = (e) => {
  let json = null;
  try { json = JSON.stringify(e); } catch (x) { json = 'unserialisable: ' + String(x); }
  const isObj = e !== null && (typeof e === 'object' || typeof e === 'function');
  return {
    type: typeof e,
    isUpdoxError: e instanceof updox.UpdoxError,
    isError: e instanceof Error,
    name: isObj ? String(e.name) : null,
    kind: isObj ? (e.kind ?? null) : null,
    status: isObj ? (e.status ?? null) : null,
    responseCode: isObj ? (e.responseCode ?? null) : null,
    responseMessage: isObj ? (e.responseMessage ?? null) : null,
    reason: isObj ? (e.reason ?? null) : null,
    retryable: isObj ? (e.retryable ?? null) : null,
    rule: isObj ? (e.rule ?? null) : null,
    delivery: isObj ? (e.delivery ?? null) : null,
    idempotencyKey: isObj ? (e.idempotencyKey ?? null) : null,
    issues: isObj && Array.isArray(e.issues) ? e.issues.map((i) => ({ field: i.field, code: i.code, rule: i.rule, message: i.message })) : null,
    message: isObj ? String(e.message) : String(e),
    stack: isObj ? String(e.stack ?? '') : '',
    json,
  };
};
window.settle = async (promise) => {
  const t0 = performance.now();
  try {
    const value = await promise;
    return { ok: true, value, ms: performance.now() - t0 };
  } catch (e) {
    return { ok: false, error: window.describeError(e), ms: performance.now() - t0 };
  }
};
window.__ready = true;
`;

/** Forwards a buffered request to `upstream`; resolves {status, headers, body}. */
function forward(upstream, req, body) {
  return new Promise((resolvePromise, reject) => {
    const headers = { 'Content-Type': req.headers['content-type'] ?? 'application/json', 'Content-Length': body.length };
    for (const name of ['idempotency-key', 'x-csrf-token', 'authorization']) {
      if (req.headers[name] !== undefined) headers[name] = req.headers[name];
    }
    const up = http.request(upstream, { method: 'POST', headers, agent: false }, (upRes) => {
      const chunks = [];
      upRes.on('data', (c) => chunks.push(c));
      upRes.on('end', () => resolvePromise({ status: upRes.statusCode, headers: upRes.headers, body: Buffer.concat(chunks) }));
      upRes.on('error', reject);
    });
    up.on('error', reject);
    up.end(body);
  });
}

/**
 * Starts the page server. `upstream`: URL the proxy route forwards to (optional); `files`:
 * {'/path': {type, body}} served as they are.
 * Resolves {url, proxyUrl, front, close()} where `front` holds counters:
 * {posts, dropped, freshSkipped, keys: [...], replayed: [...], lookups, deliveries, dropNext, dropFresh,
 * refuseNext}.
 */
export async function startModulePage({ upstream, files = {} } = {}) {
  const front = { posts: 0, dropped: 0, freshSkipped: 0, keys: [], replayed: [], lookups: 0, deliveries: 0, dropNext: 0, dropFresh: false, refuseNext: 0 };
  const server = http.createServer(async (req, res) => {
    const socket = req.socket;
    socket.servedRequests ??= 0;
    const reused = socket.servedRequests > 0;
    res.on('finish', () => {
      socket.servedRequests += 1;
    });
    const path = new URL(req.url, 'http://page.invalid').pathname;
    try {
      if (req.method === 'GET' && path === '/') {
        res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8', 'Cache-Control': 'no-store' });
        return res.end(PAGE);
      }
      if (req.method === 'GET' && path === '/harness.mjs') {
        res.writeHead(200, { 'Content-Type': 'text/javascript; charset=utf-8', 'Cache-Control': 'no-store' });
        return res.end(HARNESS);
      }
      if (req.method === 'GET' && Object.hasOwn(files, path)) {
        const { type, body } = files[path];
        res.writeHead(200, { 'Content-Type': type, 'Cache-Control': 'no-store' });
        return res.end(body);
      }
      if (req.method === 'GET' && path === '/warm') {
        res.writeHead(200, { 'Content-Type': 'text/plain', 'Content-Length': 2 });
        return res.end('ok');
      }
      if (req.method === 'GET' && path.startsWith('/pkg/')) {
        return await serveStatic(req, res, { root: PKG_DIR, prefix: '/pkg/', headers: NO_STORE }, path);
      }
      if ((path === VALIDATE_PATH || path === DELIVERY_PATH) && req.method === 'POST' && upstream) {
        if (path === VALIDATE_PATH) front.lookups += 1;
        else front.deliveries += 1;
        const chunks = [];
        for await (const c of req) chunks.push(c);
        const answer = await forward(new URL(path, upstream).href, req, Buffer.concat(chunks));
        res.writeHead(answer.status, { 'Content-Type': answer.headers['content-type'] ?? 'application/json', 'Content-Length': answer.body.length });
        return res.end(answer.body);
      }
      if (path === PROXY_PATH && req.method === 'POST' && upstream) {
        front.posts += 1;
        front.keys.push(req.headers['idempotency-key'] ?? null);
        const chunks = [];
        for await (const c of req) chunks.push(c);
        if (front.refuseNext > 0) {
          front.refuseNext -= 1;
          return socket.destroy();
        }
        const answer = await forward(upstream, req, Buffer.concat(chunks));
        front.replayed.push(answer.headers['idempotent-replayed'] === 'true');
        if (front.dropNext > 0) {
          if (reused || front.dropFresh) {
            front.dropNext -= 1;
            front.dropped += 1;
            // Answered upstream (Updox has the message), but the browser gets no byte.
            return socket.destroy();
          }
          front.freshSkipped += 1;
        }
        const headers = { 'Content-Length': answer.body.length, 'Cache-Control': 'no-store' };
        for (const name of ['content-type', 'idempotent-replayed']) {
          if (answer.headers[name] !== undefined) headers[name] = answer.headers[name];
        }
        res.writeHead(answer.status, headers);
        return res.end(answer.body);
      }
      req.resume();
      res.writeHead(404, { 'Content-Type': 'text/plain' });
      res.end('not found');
    } catch {
      if (!res.headersSent) {
        res.writeHead(502, { 'Content-Type': 'application/json' });
        res.end('{"error":"front_failed"}');
      } else res.destroy();
    }
  });
  server.keepAliveTimeout = 120000;
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${server.address().port}`;
  return {
    url,
    proxyUrl: url + PROXY_PATH,
    front,
    close: () =>
      new Promise((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

/**
 * Opens the module page of `pageUrl` in a new page of `engine` (engines.mjs) and waits for
 * the module; resolves the page.
 */
export async function openModulePage(engine, pageUrl) {
  const page = await engine.newPage(`${pageUrl}/`);
  await page.waitFor(() => window.__ready === true, { timeout: 30_000 });
  return page;
}
