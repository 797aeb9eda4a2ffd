// The benchmark's one loopback server: the bench page, pkg/ and the sink on one origin, so
// the module's `Idempotency-Key` header needs no CORS preflight.
//
//   GET  /                 bench/page.html
//   GET  /bench/*.mjs      bench/ files (the in-page harness and the plain-JS clients)
//   GET  /pkg/*            the built package (application/wasm for .wasm: streaming compile)
//   GET  /pkg-js/*         target/pkg-js/: the package's JavaScript before bundling (what
//                          scripts/finish-pkg.mjs bundles into pkg/), for CPU profiles
//   GET  /encoders/*       target/bench-encoders/: the wasm core with the `base64` crate's
//                          encoder beside the SIMD one (scripts/bench.sh builds it)
//   GET  /data/N           N bytes of fixed pseudo-random data (the attachment; fetching it as
//                          a Blob keeps the bytes out of the renderer's heap)
//   POST /sink             reads and discards the body, answers like Updox
//   POST /sink?verify=LEN  also parses the body and checks that attachments[0] decodes to the
//                          LEN bytes of /data/LEN (Updox failure envelope 4060 if not)
//
// Everything is sent `Cache-Control: no-store`, so every new browser context starts cold.
import http from 'node:http';
import { createHash } from 'node:crypto';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { serveFile, serveStatic } from '../server/static-files.mjs';

const ROOT = resolve(fileURLToPath(new URL('..', import.meta.url)));
const NO_STORE = { 'Cache-Control': 'no-store' };

/** N bytes of deterministic pseudo-random data (xorshift), cached per size. */
const dataCache = new Map();
export function benchData(n) {
  let buf = dataCache.get(n);
  if (!buf) {
    buf = Buffer.allocUnsafe(n);
    let x = 0x9e3779b9 ^ n;
    let i = 0;
    for (; i + 4 <= n; i += 4) {
      x ^= x << 13;
      x ^= x >>> 17;
      x ^= x << 5;
      buf.writeInt32LE(x | 0, i);
    }
    for (; i < n; i++) buf[i] = (i * 131) & 0xff;
    dataCache.set(n, buf);
  }
  return buf;
}

let nextMessageId = 1;
function updoxSuccess(to) {
  return {
    successful: true,
    responseMessage: 'OK',
    responseCode: 2000,
    recipient: 'contact:227683',
    name: to,
    directAddress: to,
    reason: null,
    messageId: nextMessageId++,
    patientDirectAddress: 'ptacct+227685@direct.updoxqa.com',
  };
}

function answer(res, status, body, type = 'application/json; charset=utf-8') {
  const data = typeof body === 'string' || Buffer.isBuffer(body) ? body : JSON.stringify(body);
  res.writeHead(status, {
    'Content-Type': type,
    'Content-Length': Buffer.byteLength(data),
    'Cache-Control': 'no-store',
  });
  res.end(data);
}

const TO = 'dr.smith@direct.example-clinic.org';

/** Checks a verified body: the Updox JSON with one attachment equal to /data/LEN. */
function verify(raw, len) {
  let body;
  try {
    body = JSON.parse(raw.toString('utf8'));
  } catch {
    return 'body is not JSON';
  }
  const a = body?.attachments?.[0];
  if (body?.to !== TO || !String(body?.from).startsWith('patient:')) return 'to/from wrong';
  if (typeof a?.content !== 'string' || !a.fileName || !a.mimeType) return 'attachment malformed';
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(a.content) || a.content.length % 4) return 'content not canonical base64';
  const decoded = Buffer.from(a.content, 'base64');
  const want = benchData(len);
  if (decoded.length !== want.length) return `decoded ${decoded.length} bytes, want ${want.length}`;
  const h = (b) => createHash('sha256').update(b).digest('hex');
  if (h(decoded) !== h(want)) return 'attachment bytes differ';
  return null;
}

export async function startBenchServer() {
  const stats = { sinkRequests: 0, sinkBytes: 0 };
  const server = http.createServer(async (req, res) => {
    try {
      const url = new URL(req.url, 'http://bench');
      const path = url.pathname;
      if (req.method === 'POST' && path === '/sink') {
        const len = url.searchParams.get('verify');
        const chunks = [];
        let size = 0;
        req.on('data', (c) => {
          size += c.length;
          if (len !== null) chunks.push(c);
        });
        await new Promise((resolve, reject) => {
          req.on('end', resolve);
          req.on('error', reject);
        });
        stats.sinkRequests++;
        stats.sinkBytes += size;
        if (len !== null) {
          const problem = verify(Buffer.concat(chunks), Number(len));
          if (problem) {
            return answer(res, 200, {
              successful: false,
              responseCode: 4060,
              responseMessage: `Request validation error: ${problem}`,
            });
          }
        }
        return answer(res, 200, updoxSuccess(TO));
      }
      if (req.method === 'OPTIONS') {
        res.writeHead(204, { 'Cache-Control': 'no-store' });
        return res.end();
      }
      if (req.method !== 'GET') return answer(res, 405, 'method not allowed', 'text/plain');
      let m;
      if ((m = /^\/data\/(\d{1,9})$/.exec(path))) {
        return answer(res, 200, benchData(Number(m[1])), 'application/octet-stream');
      }
      if (path === '/' || path === '/index.html') {
        return await serveFile(req, res, join(ROOT, 'bench', 'page.html'), { headers: NO_STORE });
      }
      for (const [prefix, dir] of [['bench', 'bench'], ['pkg', 'pkg'], ['pkg-js', 'target/pkg-js'], ['encoders', 'target/bench-encoders']]) {
        if (path.startsWith(`/${prefix}/`)) {
          return await serveStatic(req, res, { root: join(ROOT, dir), prefix: `/${prefix}/`, headers: NO_STORE }, path);
        }
      }
      return answer(res, 404, 'not found', 'text/plain');
    } catch (err) {
      if (!res.headersSent) answer(res, 500, String(err), 'text/plain');
      else res.destroy();
    }
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  return {
    origin: `http://127.0.0.1:${port}`,
    stats,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections?.();
        server.close(() => resolve());
      }),
  };
}

export const BENCH_TO = TO;
