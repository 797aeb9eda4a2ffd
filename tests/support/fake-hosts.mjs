// Fake hosts: an HTTP proxy on loopback that answers, for a browser opened with
// openEngine(name, {proxy}), every request to a host that is not loopback, over http: and
// https: (CONNECT, then TLS with a throw-away self-signed certificate the engine is told to
// accept). Nothing leaves the machine; every request is logged, so a test can assert what
// the browser tried to reach, in every engine alike.
//
//   const hosts = await startFakeHosts(['portal.example'], (req) => ({ status: 200, body: '{}' }));
//   const engine = await openEngine('webkit', { proxy: hosts.proxy });
//   … hosts.requests → [{method, url}]   (OPTIONS preflights included)
//   await hosts.close();
//
// `answer(req)` gets {method, url, headers, body} for the hosts named (and their subdomains)
// and returns {status, headers, body}; other hosts get 502 (and are logged too).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A self-signed certificate for `hosts` and their subdomains (openssl, 2 days). */
function selfSignedCertificate(hosts) {
  const dir = mkdtempSync(join(tmpdir(), 'updox-fake-hosts-'));
  try {
    const san = hosts.flatMap((h) => [`DNS:${h}`, `DNS:*.${h}`]).join(',');
    execFileSync(
      'openssl',
      ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-subj', `/CN=${hosts[0]}`,
        '-addext', `subjectAltName=${san}`, '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem')],
      { stdio: 'ignore' },
    );
    return { key: readFileSync(join(dir, 'key.pem')), cert: readFileSync(join(dir, 'cert.pem')) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function startFakeHosts(hosts, answer) {
  const requests = [];
  const served = (hostname) => hosts.some((h) => hostname === h || hostname.endsWith(`.${h}`));
  const handle = async (req, res, url) => {
    const chunks = [];
    for await (const c of req) chunks.push(c);
    requests.push({ method: req.method, url: url.href });
    let out = { status: 502, headers: { 'Content-Type': 'text/plain' }, body: 'not a fake host' };
    if (served(url.hostname)) {
      out = await answer({ method: req.method, url: url.href, headers: req.headers, body: Buffer.concat(chunks) });
    }
    res.writeHead(out.status, out.headers ?? {});
    res.end(out.body ?? '');
  };
  const tlsServer = https.createServer(selfSignedCertificate(hosts), (req, res) => {
    handle(req, res, new URL(req.url, `https://${req.headers.host}`)).catch(() => res.destroy());
  });
  if (process.env.FAKE_HOSTS_DEBUG) tlsServer.on('tlsClientError', (e) => console.log('TLS', e.message));
  const proxy = http.createServer((req, res) => {
    let url;
    try {
      url = new URL(req.url); // absolute-form: the browser talks to a proxy
    } catch {
      res.writeHead(400);
      return res.end();
    }
    handle(req, res, url).catch(() => res.destroy());
  });
  proxy.on('connect', (req, socket, head) => {
    if (process.env.FAKE_HOSTS_DEBUG) console.log('CONNECT', req.url);
    const host = req.url.replace(/:\d+$/, '');
    if (!served(host)) {
      requests.push({ method: 'CONNECT', url: `https://${req.url}/` });
      socket.end('HTTP/1.1 502 Bad Gateway\r\n\r\n');
      return;
    }
    socket.write('HTTP/1.1 200 Connection Established\r\n\r\n');
    if (head?.length) socket.unshift(head);
    tlsServer.emit('connection', socket);
  });
  await new Promise((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  return {
    proxy: `http://127.0.0.1:${proxy.address().port}`,
    requests,
    close: () =>
      new Promise((resolve) => {
        proxy.closeAllConnections();
        tlsServer.closeAllConnections();
        tlsServer.close();
        proxy.close(() => resolve());
      }),
  };
}
