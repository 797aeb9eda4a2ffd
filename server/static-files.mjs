// Static files for the project's loopback servers (the dev server, the tests' module page,
// the benchmark): a URL path maps to a file under one root and never outside it, with its
// Content-Type by extension, for GET and HEAD. Each server adds its own headers.
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { extname, join, resolve, sep } from 'node:path';

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

/** The Content-Type for a file name (application/octet-stream when unknown). */
export const contentType = (file) => CONTENT_TYPES[extname(file).toLowerCase()] ?? 'application/octet-stream';

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

/** Answers with a short plain-text body. */
export function sendText(res, status, text, headers = {}) {
  res.writeHead(status, { ...headers, 'Content-Type': 'text/plain; charset=utf-8' });
  res.end(text);
}

/**
 * Sends `file` (a directory: its index.html) with `headers`, plus `htmlHeaders` for HTML;
 * 404 when there is no such file. HEAD gets the headers only.
 */
export async function serveFile(req, res, file, { headers = {}, htmlHeaders = {} } = {}) {
  let info = await stat(file).catch(() => null);
  if (info?.isDirectory()) {
    file = join(file, 'index.html');
    info = await stat(file).catch(() => null);
  }
  if (!info?.isFile()) return sendText(res, 404, 'Not Found\n', headers);
  const type = contentType(file);
  const all = { ...headers, 'Content-Type': type, 'Content-Length': info.size };
  if (type.startsWith('text/html')) Object.assign(all, htmlHeaders);
  res.writeHead(200, all);
  if (req.method === 'HEAD') return res.end();
  createReadStream(file)
    .on('error', () => res.destroy())
    .pipe(res);
}

/**
 * Serves `pathname` (already parsed from the request URL) from `root` mounted at `prefix`:
 * 405 for methods other than GET and HEAD, 404 outside the root or for a missing file.
 */
export async function serveStatic(req, res, { root, prefix = '/', headers = {}, htmlHeaders = {} }, pathname) {
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    return sendText(res, 405, 'Method Not Allowed\n', { ...headers, Allow: 'GET, HEAD' });
  }
  const file = resolveStaticPath(root, prefix, pathname);
  if (!file) return sendText(res, 404, 'Not Found\n', headers);
  return serveFile(req, res, file, { headers, htmlHeaders });
}
