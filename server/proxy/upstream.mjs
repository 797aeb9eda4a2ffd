// One POST to Updox. The body goes as segments written one after another (the received bytes
// around the server's `auth`), on a fresh connection, so a stale keep-alive socket can never
// make "did Updox get it?" ambiguous.
import http from 'node:http';
import https from 'node:https';

/**
 * Sends `segments` to `target`; resolves {kind}: 'answer' (with `answer` {status,
 * contentType, body}), 'unreachable' (no connection was made: nothing was sent), 'timeout'
 * (with `connected`), 'lost' (the connection broke after it was made), 'too_large' (an
 * answer over `maxAnswerBytes`).
 */
export function postToUpdox(target, segments, { timeoutMs, maxAnswerBytes, idempotencyKey }) {
  return new Promise((resolve) => {
    let connected = false;
    let settled = false;
    const settle = (result) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(result);
    };
    const headers = {
      'Content-Type': 'application/json',
      'Content-Length': segments.reduce((n, s) => n + s.length, 0),
      Accept: 'application/json',
    };
    if (idempotencyKey) headers['Idempotency-Key'] = idempotencyKey;
    const transport = target.protocol === 'https:' ? https : http;
    const upstream = transport.request(target, { method: 'POST', headers, agent: false }, (upRes) => {
      const chunks = [];
      let size = 0;
      upRes.on('data', (chunk) => {
        size += chunk.length;
        if (size > maxAnswerBytes) {
          upstream.destroy();
          settle({ kind: 'too_large' });
        } else chunks.push(chunk);
      });
      upRes.on('end', () =>
        settle({
          kind: 'answer',
          answer: { status: upRes.statusCode, contentType: upRes.headers['content-type'], body: Buffer.concat(chunks) },
        }),
      );
      upRes.on('aborted', () => settle({ kind: 'lost' }));
      upRes.on('error', () => settle({ kind: 'lost' }));
    });
    upstream.on('socket', (socket) => {
      socket.once(target.protocol === 'https:' ? 'secureConnect' : 'connect', () => {
        connected = true;
      });
    });
    const timer = setTimeout(() => {
      settle({ kind: 'timeout', connected });
      upstream.destroy();
    }, timeoutMs);
    upstream.on('error', () => settle({ kind: connected ? 'lost' : 'unreachable' }));
    upstream.on('close', () => settle({ kind: connected ? 'lost' : 'unreachable' }));
    for (const segment of segments) upstream.write(segment);
    upstream.end();
  });
}
