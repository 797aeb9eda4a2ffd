// A loopback HTTP server that answers like a proxy in trouble: every fault the module must
// survive, chosen by the request path. Used by the Rust browser tests (through
// UPDOX_TEST_SERVER) and by the Node fault suites. CORS is open, since the test page is
// served from another port.
//
//   /ok                 Updox's documented success answer
//   /echo               success; the request (headers, body) is kept for GET /last
//   /updox/NNNN         HTTP 200, successful:false, responseCode NNNN (4650 carries a reason)
//   /http/SSS           HTTP SSS with a small JSON error that is not the proxy contract's
//                       (what a gateway, or Updox's own error passed through, answers)
//   /proxy/SSS/CODE     HTTP SSS with the proxy contract's error body {"error": CODE, …}
//   /html500            HTTP 500 with an HTML page
//   /empty /notjson /truncated /wrongshape /inconsistent /reverse-inconsistent
//   /hang               reads the body, never answers
//   /stall-body         sends headers and half a body, then stalls
//   /close-mid-body     sends headers and half a body, then destroys the socket
//   /reset              destroys the socket before answering
//   /huge               a 50 MB answer (Content-Length declared)
//   /huge-chunked       a 50 MB answer without Content-Length (chunked)
//   /huge-gzip          Updox's success answer and 50 MB of spaces after it, gzipped to a
//                       small declared Content-Length (valid JSON, beyond the 1 MiB cap);
//                       its headers are not exposed to a cross-origin page
//   /stall-upload       never reads the request body and never answers (the upload stalls)
//   /slow/MS            success after MS milliseconds
//   /redirect/SSS       HTTP SSS (a redirect) to /ok
//   /no-message-id      HTTP 200, successful:true and 2000, but no messageId
//   /delivery/STATE     the proxy's MdnStatusList answer in STATE for the messageId asked
//                       (`final` per state, one event per MDN that leads there)
//   /delivery-other     a well-formed MdnStatusList answer about another messageId
//   GET /last           the last request to /echo: {method, headers, body}
//   GET /count          how many POSTs arrived (all paths)
//   GET /posts          every POST so far: [{path, idempotencyKey}] (the last 1000)
//   GET /closed-port    a loopback port where nothing listens
import http from 'node:http';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { freePort } from './http.mjs';
import { gzipSync } from 'node:zlib';

/** The success answer and 50 MB of spaces, gzipped (about 50 KB), made once on first use. */
let hugeGzip;
const HUGE_GZIP = () => (hugeGzip ??= gzipSync(Buffer.concat([Buffer.from(SAMPLE), Buffer.alloc(50 * 1000 * 1000, 0x20)])));

const SAMPLE = readFileSync(new URL('../fixtures/updox-sample-response.json', import.meta.url), 'utf8');

function cors(res) {
  res.setHeader('Access-Control-Allow-Origin', '*');
  res.setHeader('Access-Control-Allow-Headers', '*');
  res.setHeader('Access-Control-Allow-Methods', 'POST, GET, OPTIONS');
  res.setHeader('Access-Control-Expose-Headers', '*');
  res.setHeader('Access-Control-Max-Age', '600');
}

function json(res, status, body) {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}

/** MDNs that lead to each delivery state. */
const DELIVERY_EVENTS = {
  sent: [],
  unconfirmed: [],
  received: ['processed'],
  delivered: ['processed', 'dispatched'],
  failed: ['failed'],
};

/** The proxy's MdnStatusList answer in `state` for the messageId of `body` (or another). */
function deliveryAnswer(body, state, other) {
  let asked = null;
  try {
    asked = JSON.parse(body).messageId;
  } catch {}
  const at = (s) => new Date(Date.UTC(2026, 2, 2, 9, 0, s)).toISOString();
  const events = (DELIVERY_EVENTS[state] ?? []).map((status, i) => ({ status, at: at(i + 1) }));
  return {
    messageId: other ? Number(asked) + 1 : asked,
    state,
    final: state === 'delivered' || state === 'failed',
    events,
    sentAt: at(0),
    updatedAt: at(events.length),
  };
}

export async function startFaultServer({ port = 0 } = {}) {
  let last = null;
  let posts = 0;
  const postLog = [];
  const hanging = new Set();
  const server = http.createServer(async (req, res) => {
    cors(res);
    if (req.method === 'OPTIONS') {
      res.writeHead(204);
      return res.end();
    }
    const url = new URL(req.url, 'http://x');
    const path = url.pathname;
    if (req.method === 'GET') {
      if (path === '/last') return json(res, 200, last ?? {});
      if (path === '/count') return json(res, 200, { posts });
      if (path === '/posts') return json(res, 200, postLog);
      if (path === '/closed-port') return json(res, 200, { port: await freePort() });
      return json(res, 404, { error: 'not_found' });
    }
    posts += 1;
    postLog.push({ path, idempotencyKey: req.headers['idempotency-key'] ?? null });
    if (postLog.length > 1000) postLog.shift();
    if (path === '/stall-upload') {
      hanging.add(res);
      return;
    }
    const chunks = [];
    for await (const c of req) chunks.push(c);
    const body = Buffer.concat(chunks).toString('utf8');
    let m;
    if (path === '/ok') return json(res, 200, SAMPLE);
    if (path === '/echo') {
      last = { method: req.method, headers: req.headers, body };
      return json(res, 200, SAMPLE);
    }
    if ((m = path.match(/^\/updox\/(\d+)$/))) {
      const code = Number(m[1]);
      return json(res, 200, {
        successful: false,
        responseCode: code,
        responseMessage: `Failure ${code}`,
        reason: code === 4650 ? 'The receiving HISP rejected the message' : null,
      });
    }
    if ((m = path.match(/^\/http\/(\d{3})$/))) {
      return json(res, Number(m[1]), { error: 'test', message: `HTTP ${m[1]}` });
    }
    if ((m = path.match(/^\/proxy\/(\d{3})\/([a-z_]+)$/))) {
      return json(res, Number(m[1]), { error: m[2], message: `Proxy ${m[2]}` });
    }
    if ((m = path.match(/^\/redirect\/(\d{3})$/))) {
      res.writeHead(Number(m[1]), { Location: '/ok', 'Content-Length': 0 });
      return res.end();
    }
    if ((m = path.match(/^\/delivery\/([a-z]+)$/)) || path === '/delivery-other') {
      return json(res, 200, deliveryAnswer(body, m?.[1] ?? 'sent', path === '/delivery-other'));
    }
    if (path === '/no-message-id') return json(res, 200, { successful: true, responseCode: 2000, responseMessage: 'OK' });
    if ((m = path.match(/^\/slow\/(\d+)$/))) {
      return setTimeout(() => json(res, 200, SAMPLE), Number(m[1]));
    }
    switch (path) {
      case '/html500':
        res.writeHead(500, { 'Content-Type': 'text/html' });
        return res.end('<!doctype html><title>500</title><h1>Internal Server Error</h1>');
      case '/empty':
        res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': 0 });
        return res.end();
      case '/notjson':
        res.writeHead(200, { 'Content-Type': 'text/plain' });
        return res.end('OK');
      case '/truncated':
        return json(res, 200, SAMPLE.slice(0, 40));
      case '/wrongshape':
        return json(res, 200, [{ successful: true }]);
      case '/inconsistent':
        return json(res, 200, { successful: true, responseCode: 4060, responseMessage: 'x' });
      case '/reverse-inconsistent':
        return json(res, 200, { successful: false, responseCode: 2000, responseMessage: 'OK' });
      case '/hang':
        hanging.add(res);
        return;
      case '/stall-body':
      case '/close-mid-body': {
        res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': SAMPLE.length });
        res.write(SAMPLE.slice(0, 30));
        if (path === '/close-mid-body') setTimeout(() => res.socket?.destroy(), 50);
        else hanging.add(res);
        return;
      }
      case '/reset':
        return req.socket.destroy();
      case '/huge-gzip': {
        const body = HUGE_GZIP();
        // As a portal's proxy that exposes no headers: a cross-origin page cannot see
        // Content-Encoding, only the (compressed) Content-Length.
        res.removeHeader('Access-Control-Expose-Headers');
        res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Encoding': 'gzip', 'Content-Length': body.length });
        return res.end(body);
      }
      case '/huge':
      case '/huge-chunked': {
        const size = 50 * 1000 * 1000;
        const headers = { 'Content-Type': 'application/json' };
        if (path === '/huge') headers['Content-Length'] = size;
        res.writeHead(200, headers);
        const block = Buffer.alloc(1 << 20, 0x20);
        let sent = 0;
        const pump = () => {
          while (sent < size) {
            const n = Math.min(block.length, size - sent);
            sent += n;
            if (!res.write(n === block.length ? block : block.subarray(0, n))) return res.once('drain', pump);
          }
          res.end();
        };
        res.on('close', () => { sent = size; });
        return pump();
      }
      default:
        return json(res, 404, { error: 'not_found' });
    }
  });
  // Idle keep-alive sockets stay open longer than any test: a server closing one just as
  // the browser reuses it would make Chromium resend the POST (tested on purpose elsewhere).
  server.keepAliveTimeout = 120000;
  await new Promise((r) => server.listen(port, '127.0.0.1', r));
  const url = `http://127.0.0.1:${server.address().port}`;
  return {
    url,
    close: () =>
      new Promise((r) => {
        for (const res of hanging) res.socket?.destroy();
        server.closeAllConnections?.();
        server.close(r);
      }),
  };
}

// `node tests/support/fault-server.mjs` prints the URL and serves until killed.
if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const s = await startFaultServer();
  console.log(s.url);
  const stop = () => s.close().then(() => process.exit(0));
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}
