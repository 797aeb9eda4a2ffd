// The server part of `npm run soak`: a burst of large sends against the standalone proxy
// (`node server/proxy.mjs`, default limits, in its own process) forwarding to a mock Updox
// in this process. BURST_SENDS (16) concurrent sends of a BURST_ATTACHMENT_MIB (20) MiB
// attachment (a 27 MB body), each with its own Idempotency-Key. Every one must be answered:
// forwarded (2xx), or refused with 503 proxy_busy before the proxy read its body (its log
// line says in=0B); refused ones are then resent with the same key, as the module's caller
// would, until delivered. None may reach Updox twice, every 2xx must be at Updox with the
// bytes sent, and the proxy's peak RSS (VmHWM from /proc) must stay within
// BURST_MAX_RSS_MB (600).
//   node tests/soak/burst.mjs test-output/soak/burst.json
import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DEMO_AUTH, startMockUpdox } from '../../server/mock-updox.mjs';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const SENDS = Number(process.env.BURST_SENDS || 16);
const ATTACHMENT_MIB = Number(process.env.BURST_ATTACHMENT_MIB || 20);
const MAX_RSS_MB = Number(process.env.BURST_MAX_RSS_MB || 600);
const MAX_ATTEMPTS = 20;
const MB = 1e6;
const out = process.argv[2] || 'test-output/soak/burst.json';

const failures = [];
const fail = (what) => {
  failures.push(what);
  console.log(`FAIL ${what}`);
};
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** VmRSS and VmHWM (peak) of a process, in bytes. */
function memoryOf(pid) {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (name) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN) * 1024;
  return { rss: kb('VmRSS'), hwm: kb('VmHWM') };
}

/** Starts the standalone proxy; resolves {child, url, logLines}. */
function startProxyProcess(baseUrl) {
  const child = spawn(process.execPath, ['server/proxy.mjs'], {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH,
      PORT: '0',
      UPDOX_BASE_URL: baseUrl,
      UPDOX_APPLICATION_ID: DEMO_AUTH.applicationId,
      UPDOX_APPLICATION_PASSWORD: DEMO_AUTH.applicationPassword,
      UPDOX_ACCOUNT_ID: DEMO_AUTH.accountId,
      UPDOX_USER_ID: DEMO_AUTH.userId,
      UPDOX_PROXY_DEMO: '1',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const logLines = [];
  let buffered = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`proxy did not start: ${buffered}`)), 20000);
    const onData = (chunk) => {
      buffered += chunk;
      const lines = buffered.split('\n');
      buffered = lines.pop();
      for (const line of lines) {
        logLines.push(line);
        const m = /updox-direct proxy: (http:\/\/[^/]+)\//.exec(line);
        if (m) {
          clearTimeout(timer);
          resolve({ child, url: m[1], logLines });
        }
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.once('exit', (code) => reject(new Error(`proxy exited (${code}): ${buffered}`)));
  });
}

/** POSTs `parts` (written in order) with `key`; resolves {status, error, ms} or {networkError}. */
function send(url, parts, key) {
  const length = parts.reduce((n, p) => n + p.length, 0);
  const started = Date.now();
  return new Promise((resolve) => {
    const req = http.request(url, {
      method: 'POST',
      agent: false,
      headers: { 'Content-Type': 'application/json', 'Content-Length': length, 'Idempotency-Key': key },
    });
    let settled = false;
    const settle = (result) => {
      if (!settled) {
        settled = true;
        resolve({ ...result, ms: Date.now() - started });
      }
    };
    req.on('response', (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let error = null;
        try {
          error = JSON.parse(text).error ?? null;
        } catch {
          // not JSON
        }
        settle({ status: res.statusCode, error });
        req.destroy();
      });
      res.on('error', () => settle({ networkError: 'response broke' }));
    });
    // An early answer (503) may arrive while the body is still being written; the proxy then
    // closes the connection, so write errors after an answer are expected.
    req.on('error', (err) => settle({ networkError: err.code ?? String(err) }));
    (async () => {
      for (const part of parts) {
        if (settled) return;
        for (let off = 0; off < part.length; off += 1 << 20) {
          if (!req.write(part.subarray(off, off + (1 << 20)))) await new Promise((r) => req.once('drain', r));
          if (settled) return;
        }
      }
      req.end();
    })().catch(() => {});
  });
}

const summary = { sends: SENDS, bodyBytes: 0, firstAnswers: {}, attempts: 0, delivered: 0, lost: 0, duplicated: 0, wrong: 0, busyBytesRead: [], rss: {}, failures };

const mock = await startMockUpdox({ lean: true });
const proxy = await startProxyProcess(mock.baseUrl);
let sampler;
try {
  // One attachment for all sends (the client side stays small); each body differs by subject.
  const content = Buffer.from(randomBytes(ATTACHMENT_MIB * 1024 * 1024).toString('base64'));
  const bodies = Array.from({ length: SENDS }, (_, i) => {
    const head = Buffer.from(
      `{"to":"clinic@direct.example.org","from":"patient:burst-${i}","subject":"burst ${i}",` +
        `"textMessage":"Burst send ${i}","attachments":[{"fileName":"scan-${i}.bin","mimeType":"application/octet-stream","content":"`,
    );
    const tail = Buffer.from('"}]}');
    const forwarded = createHash('sha256').update(head).update(content).update(tail.subarray(0, -1)).update(`,"auth":${JSON.stringify(DEMO_AUTH)}}`).digest('hex');
    return { i, parts: [head, content, tail], key: `burst-${i}-${randomBytes(8).toString('hex')}`, forwarded };
  });
  summary.bodyBytes = bodies[0].parts.reduce((n, p) => n + p.length, 0);
  const pid = proxy.child.pid;
  summary.rss.beforeBytes = memoryOf(pid).rss;
  let peakRss = 0;
  sampler = setInterval(() => {
    try {
      peakRss = Math.max(peakRss, memoryOf(pid).rss);
    } catch {
      // the process ended
    }
  }, 25);

  const t0 = Date.now();
  const sendUrl = `${proxy.url}/api/updox/PatientDirectMessageSend`;
  const first = await Promise.all(bodies.map((b) => send(sendUrl, b.parts, b.key)));
  summary.attempts += first.length;
  summary.burstMs = Date.now() - t0;
  for (const r of first) {
    const label = r.networkError ? `network error ${r.networkError}` : `${r.status}${r.error ? ` ${r.error}` : ''}`;
    summary.firstAnswers[label] = (summary.firstAnswers[label] ?? 0) + 1;
    if (r.networkError) fail(`a send was not answered: ${r.networkError}`);
    else if (!(r.status >= 200 && r.status < 300) && r.error !== 'proxy_busy') fail(`unexpected answer ${label}`);
  }
  // Resend the refused ones with the same key, as a caller would for a retryable refusal.
  const pending = bodies.filter((b, k) => first[k].status !== 200);
  for (const b of pending) {
    let r;
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      r = await send(sendUrl, b.parts, b.key);
      summary.attempts += 1;
      if (r.status === 200) break;
      await sleep(200);
    }
    if (r.status !== 200) fail(`send ${b.i} not delivered after ${MAX_ATTEMPTS} attempts (${r.status} ${r.error})`);
  }
  summary.totalMs = Date.now() - t0;
  await sleep(300); // the last log lines
  clearInterval(sampler);
  const { rss, hwm } = memoryOf(pid);
  summary.rss = { ...summary.rss, afterBytes: rss, peakSampledBytes: peakRss, peakBytes: hwm };

  // Updox's side: each send exactly once, with the bytes sent (and the server's auth).
  const messages = mock.messages();
  for (const b of bodies) {
    const got = messages.filter((m) => m.body.subject === `burst ${b.i}`);
    if (got.length === 0) {
      summary.lost += 1;
      fail(`send ${b.i} never reached Updox`);
    } else {
      summary.delivered += 1;
      if (got.length > 1) {
        summary.duplicated += got.length - 1;
        fail(`send ${b.i} reached Updox ${got.length} times`);
      }
      if (got[0].bodySha256 !== b.forwarded) {
        summary.wrong += 1;
        fail(`send ${b.i} reached Updox with other bytes`);
      }
    }
  }
  if (messages.length !== SENDS) fail(`Updox has ${messages.length} messages for ${SENDS} sends`);
  // The proxy's own account: every proxy_busy was answered before reading the body.
  for (const line of proxy.logLines) {
    const m = / 503 id=\S+ .* in=(\d+)B/.exec(line);
    if (m) summary.busyBytesRead.push(Number(m[1]));
  }
  const busyFirst = Object.entries(summary.firstAnswers).filter(([k]) => k.includes('proxy_busy')).reduce((n, [, v]) => n + v, 0);
  if (summary.busyBytesRead.length < busyFirst) fail(`${busyFirst} proxy_busy answers but ${summary.busyBytesRead.length} log lines`);
  if (summary.busyBytesRead.some((n) => n !== 0)) fail(`proxy_busy after reading body bytes: ${summary.busyBytesRead.join(', ')}`);
  if (hwm > MAX_RSS_MB * MB) fail(`proxy peak RSS ${(hwm / MB).toFixed(0)} MB > ${MAX_RSS_MB} MB`);
} catch (err) {
  fail(`burst crashed: ${err?.stack ?? err}`);
} finally {
  clearInterval(sampler);
  proxy.child.kill('SIGTERM');
  await new Promise((r) => (proxy.child.exitCode !== null ? r() : proxy.child.once('exit', r)));
  await mock.close();
}

mkdirSync(dirname(out), { recursive: true });
writeFileSync(out, JSON.stringify(summary, null, 2));
const answers = Object.entries(summary.firstAnswers).map(([k, v]) => `${v} × ${k}`).join(', ');
console.log(
  `burst: ${SENDS} concurrent sends of ${(summary.bodyBytes / MB).toFixed(1)} MB: first answers ${answers}; ` +
    `${summary.attempts} requests in all; delivered ${summary.delivered}, duplicated ${summary.duplicated}, lost ${summary.lost}; ` +
    `proxy RSS ${(summary.rss.beforeBytes / MB).toFixed(0)} MB before, peak ${(summary.rss.peakBytes / MB).toFixed(0)} MB (VmHWM), ` +
    `limit ${MAX_RSS_MB} MB; ${(summary.totalMs / 1000).toFixed(1)} s`,
);
process.exit(failures.length ? 1 : 0);
