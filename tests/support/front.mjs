// A front: a loopback reverse proxy in front of a test server (e.g. the dev server) that logs
// every request and answer, and lets a test change or answer a request on the way. It sees
// what left the browser, the same in every engine (which request interception does not:
// classic WebDriver, WebKit's protocol, has none).
//
//   const front = await startFront(dev.url);
//   front.route('/pkg/updox_direct_bg.wasm', () => ({ status: 404, body: 'gone' }));
//   front.route(PROXY_PATH, ({ body }) => ({ forward: forgedBody }));
//   await page.goto(front.url);  …  front.log → [{method, path, status, headers, body}]
//
// The target sees the request as if the browser had sent it to the target itself: Host, and
// an Origin or Referer of the front, name the target (the reference proxy answers only its
// own host and same-origin pages); the log keeps what the browser sent.
import http from 'node:http';

/**
 * Starts a front for `target` (a base URL). Resolves {url, log, route(path, handler),
 * unroute(path), close()}. A handler gets {method, path, headers, body: Buffer} and
 * returns nothing (forward as is), {forward: body} (forward with another body) or
 * {status, headers, body} (answer here; nothing reaches the target). `log` entries:
 * {method, path, headers, body (as forwarded), status, responseHeaders}.
 */
export async function startFront(target) {
  const base = new URL(target);
  const routes = new Map();
  const log = [];
  let frontOrigin;
  const server = http.createServer(async (req, res) => {
    try {
      const chunks = [];
      for await (const c of req) chunks.push(c);
      let body = Buffer.concat(chunks);
      const path = new URL(req.url, 'http://front.invalid').pathname;
      const entry = { method: req.method, path, headers: req.headers, body, status: null };
      log.push(entry);
      const out = await routes.get(path)?.({ method: req.method, path, headers: req.headers, body });
      if (out && 'status' in out) {
        entry.status = out.status;
        res.writeHead(out.status, out.headers ?? { 'Content-Type': 'text/plain' });
        return res.end(out.body ?? '');
      }
      if (out && 'forward' in out) body = Buffer.from(out.forward);
      entry.body = body;
      const headers = { ...req.headers, host: base.host, 'content-length': body.length };
      delete headers['transfer-encoding'];
      if (headers.origin === frontOrigin) headers.origin = base.origin;
      if (headers.referer?.startsWith(`${frontOrigin}/`)) headers.referer = base.origin + headers.referer.slice(frontOrigin.length);
      const up = http.request(
        { host: base.hostname, port: base.port, method: req.method, path: req.url, headers, agent: false },
        (upRes) => {
          entry.status = upRes.statusCode;
          entry.responseHeaders = upRes.headers;
          res.writeHead(upRes.statusCode, upRes.headers);
          upRes.pipe(res);
        },
      );
      up.on('error', () => res.destroy());
      up.end(body);
    } catch {
      if (!res.headersSent) res.writeHead(502).end();
      else res.destroy();
    }
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  frontOrigin = `http://127.0.0.1:${server.address().port}`;
  return {
    url: `http://127.0.0.1:${server.address().port}/`,
    log,
    route: (path, handler) => routes.set(path, handler),
    unroute: (path) => routes.delete(path),
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
