// HTTP from the test process: requests with full control of every header (node:http, so
// tests can set Host and Origin and drop a connection on purpose), JSON helpers, and the
// one `freePort` of the toolkit.
import http from 'node:http';
import net from 'node:net';

/**
 * Sends one request; resolves {status, headers, text, json()} once the answer is read.
 * `body` may be a string, Buffer or object (sent as JSON with Content-Type application/json).
 */
export function request(url, { method = 'GET', headers = {}, body } = {}) {
  let payload = body;
  const h = { ...headers };
  if (body !== undefined && typeof body !== 'string' && !Buffer.isBuffer(body)) {
    payload = JSON.stringify(body);
    h['Content-Type'] ??= 'application/json';
  }
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method, headers: h, agent: false }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        resolve({ status: res.statusCode, headers: res.headers, text, json: () => JSON.parse(text) });
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(payload);
  });
}

/** POSTs JSON to url. */
export const postJson = (url, body, headers = {}) =>
  request(url, { method: 'POST', headers: { 'Content-Type': 'application/json', ...headers }, body: JSON.stringify(body) });

/**
 * Sends a POST completely, then destroys the connection `afterMs` later, before reading any
 * answer (a client that went away). Resolves once the connection is closed.
 */
export function postThenDrop(url, body, headers = {}, afterMs = 30) {
  const payload = JSON.stringify(body);
  return new Promise((resolve) => {
    const req = http.request(url, {
      method: 'POST',
      agent: false,
      headers: { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(payload), ...headers },
    });
    req.on('error', () => {});
    req.on('response', (res) => res.resume());
    req.on('close', () => resolve());
    req.end(payload, () => setTimeout(() => req.destroy(), afterMs));
  });
}

/** A loopback port that was free a moment ago (nothing listens on it). */
export function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** GETs url with the global fetch and parses its JSON answer. */
export async function getJson(url) {
  const r = await fetch(url);
  return r.json();
}
