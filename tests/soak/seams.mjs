// The "seams" part of `npm run soak`: messages sent and resent with their Idempotency-Key
// through two standalone proxy instances (`node server/proxy.mjs`, each in its own process)
// sharing one Redis (append-only, so a restart keeps what it held), to a mock Updox in this
// process, while the seams are stressed:
//   - refusals: a low per-patient rate limit (429), clients that drop the connection before
//     the answer, answers slower than the proxy's upstream timeout (504, then unknown);
//   - expiries: rate-limit windows, and claims of a killed instance ageing into "unknown";
//   - store faults: Redis stopped for a moment, then started again, during the run;
//   - restarts: one of the two instances killed (SIGKILL) mid-send and started again.
// Each message is resent with its key, as the module's caller does, until its outcome is
// final: delivered (Updox's answer) or unknown (409 outcome_unknown; the key is kept). It
// ends with every delivered message at Updox exactly once, every unknown one at most once,
// none lost, and both proxies' peak RSS (VmHWM) within SEAMS_MAX_RSS_MB (600).
//   node tests/soak/seams.mjs test-output/soak/seams.json
// Knobs: SEAMS_MESSAGES (240), SEAMS_PATIENTS (24), SEAMS_IN_FLIGHT (16), SEAMS_MAX_RSS_MB (600).
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SignJWT } from 'jose';
import { DEMO_AUTH, startMockUpdox } from '../../server/mock-updox.mjs';
import { freePort } from '../support/http.mjs';
import { startRedis } from '../support/redis.mjs';
import { validDemographics, validMessage } from '../support/message.mjs';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const MESSAGES = Number(process.env.SEAMS_MESSAGES || 240);
const PATIENTS = Number(process.env.SEAMS_PATIENTS || 24);
const IN_FLIGHT = Number(process.env.SEAMS_IN_FLIGHT || 16);
const MAX_RSS_MB = Number(process.env.SEAMS_MAX_RSS_MB || 600);
const MESSAGE_DEADLINE_MS = 90000;
const JWT_SECRET = 'seams-soak-jwt-secret-of-at-least-32-bytes';
const AUDIENCE = 'seams-soak';
const SERVER_SECRET = 'seams-soak-server-secret-0123456789abcdef';
const out = process.argv[2] || 'test-output/soak/seams.json';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const failures = [];
const fail = (what) => {
  failures.push(what);
  console.log(`FAIL ${what}`);
};

// ---- the processes --------------------------------------------------------------------------

/** One proxy instance on a fixed port (so a restart answers at the same URL). */
function proxyInstance(name, port, env) {
  const instance = { name, port, url: `http://127.0.0.1:${port}/api/updox/PatientDirectMessageSend`, peakRss: 0, child: null, restarts: 0 };
  instance.start = () =>
    new Promise((resolve, reject) => {
      const child = spawn(process.execPath, ['server/proxy.mjs'], {
        cwd: ROOT,
        env: { PATH: process.env.PATH, PORT: String(port), ...env },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      instance.child = child;
      let output = '';
      const timer = setTimeout(() => reject(new Error(`${name} did not start: ${output}`)), 20000);
      const onData = (chunk) => {
        if (output.length < 4096) output += chunk;
        if (/updox-direct proxy: http/.test(output)) {
          clearTimeout(timer);
          resolve();
        }
      };
      child.stdout.on('data', onData);
      child.stderr.on('data', onData);
      child.once('exit', () => clearTimeout(timer));
    });
  instance.sample = () => {
    try {
      const status = readFileSync(`/proc/${instance.child.pid}/status`, 'utf8');
      const hwm = Number(/^VmHWM:\s+(\d+) kB/m.exec(status)?.[1] ?? 0) * 1024;
      instance.peakRss = Math.max(instance.peakRss, hwm);
    } catch {
      // exited between samples
    }
  };
  instance.kill = async () => {
    instance.sample();
    const child = instance.child;
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;
  };
  return instance;
}

// ---- one message, sent until its outcome is final -------------------------------------------

/** POSTs `body`; resolves {status, error, replayed} or {networkError}. Drops the connection after `dropAfterMs` when given. */
function post(url, body, headers, dropAfterMs) {
  return new Promise((resolve) => {
    const req = http.request(url, {
      method: 'POST',
      agent: false,
      headers: { 'Content-Type': 'application/json', 'Content-Length': body.length, ...headers },
    });
    let settled = false;
    const settle = (r) => {
      if (!settled) {
        settled = true;
        resolve(r);
      }
    };
    req.setTimeout(20000, () => {
      req.destroy();
      settle({ networkError: 'client timeout' });
    });
    req.on('response', (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let json = null;
        try {
          json = JSON.parse(text);
        } catch {
          // not JSON
        }
        settle({ status: res.statusCode, error: json?.error ?? null, successful: json?.successful, replayed: res.headers['idempotent-replayed'] === 'true' });
      });
      res.on('error', () => settle({ networkError: 'response broke' }));
    });
    req.on('error', (err) => settle({ networkError: err.code ?? String(err) }));
    req.end(body);
    if (dropAfterMs !== undefined) {
      setTimeout(() => {
        req.destroy();
        settle({ networkError: 'dropped by the client' });
      }, dropAfterMs);
    }
  });
}

const counts = { attempts: 0, refusals: {}, drops: 0, networkErrors: 0 };
const note = (what) => {
  counts.refusals[what] = (counts.refusals[what] ?? 0) + 1;
};

/** Sends message `m` until final; resolves 'delivered' | 'unknown' | 'lost'. */
async function deliver(m, instances, tokens) {
  const deadline = Date.now() + MESSAGE_DEADLINE_MS;
  let attempt = 0;
  while (Date.now() < deadline) {
    const instance = instances[(m.index + attempt) % instances.length];
    const drop = attempt === 0 && m.dropFirst ? 40 + (m.index % 5) * 20 : undefined;
    attempt++;
    counts.attempts++;
    const r = await post(instance.url, m.body, { Authorization: `Bearer ${tokens.get(m.patient)}`, 'Idempotency-Key': m.key }, drop);
    if (r.networkError) {
      if (r.networkError === 'dropped by the client') counts.drops++;
      else counts.networkErrors++;
      await sleep(100 + Math.random() * 200);
      continue;
    }
    if (r.status === 200 && r.successful === true) return 'delivered';
    if (r.status === 409 && r.error === 'outcome_unknown') return 'unknown';
    note(r.error ?? `http-${r.status}`);
    // Refused before forwarding, in progress, or unknown on this attempt: resend with the key.
    await sleep(r.status === 429 ? 500 : 150 + Math.random() * 250);
  }
  return 'lost';
}

// ---- the run --------------------------------------------------------------------------------

async function main() {
  const started = Date.now();
  const mock = await startMockUpdox();
  const redisDir = mkdtempSync(join(tmpdir(), 'seams-redis-'));
  const redisPort = await freePort();
  let redis = await startRedis({ port: redisPort, dir: redisDir });
  const env = {
    UPDOX_BASE_URL: mock.baseUrl,
    UPDOX_APPLICATION_ID: DEMO_AUTH.applicationId,
    UPDOX_APPLICATION_PASSWORD: DEMO_AUTH.applicationPassword,
    UPDOX_ACCOUNT_ID: DEMO_AUTH.accountId,
    UPDOX_USER_ID: DEMO_AUTH.userId,
    UPDOX_PROXY_JWT_SECRET: JWT_SECRET,
    UPDOX_PROXY_JWT_AUDIENCE: AUDIENCE,
    UPDOX_PROXY_SERVER_SECRET: SERVER_SECRET,
    UPDOX_IDEMPOTENCY_REDIS_URL: `redis://127.0.0.1:${redisPort}`,
    UPDOX_UPSTREAM_TIMEOUT_MS: '1500',
    UPDOX_PROXY_RATE_LIMIT: '6/3',
  };
  const instances = [proxyInstance('A', await freePort(), env), proxyInstance('B', await freePort(), env)];
  for (const i of instances) await i.start();
  const sampler = setInterval(() => instances.forEach((i) => i.sample()), 100);

  const tokens = new Map();
  for (let p = 0; p < PATIENTS; p++) {
    const patient = String(3000000 + p);
    tokens.set(
      patient,
      await new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).setIssuedAt().setAudience(AUDIENCE).setSubject(patient).setExpirationTime('1h').sign(new TextEncoder().encode(JWT_SECRET)),
    );
  }
  const messages = Array.from({ length: MESSAGES }, (_, index) => {
    const patient = String(3000000 + (index % PATIENTS));
    // Some answers are slow (restarts and store faults land mid-send); a few are slower than
    // the proxy's upstream timeout (504, then unknown); some clients drop the first attempt.
    const to = index % 23 === 0 ? 'slow-2500@direct.example.org' : index % 4 === 0 ? `slow-${300 + (index % 7) * 100}@direct.example.org` : `msg-${index}@direct.example.org`;
    const attachment = Buffer.alloc(index % 10 === 0 ? 512 * 1024 : 2048, index % 251).toString('base64');
    const body = Buffer.from(
      JSON.stringify(
        validMessage({
          to,
          subject: `seams ${index}`,
          attachments: [{ content: attachment, mimeType: 'application/octet-stream', fileName: `a${index}.bin` }],
          patientDemographics: validDemographics({ patientId: patient }),
        }),
      ),
    );
    return { index, patient, key: `seams-${process.pid}-${index}-${Math.random().toString(36).slice(2, 14)}`, body, to, dropFirst: index % 3 === 0 };
  });

  // The faults, while the messages go: Redis stops and comes back; instance B is killed and restarted.
  let running = true;
  const faults = { redisStops: 0, restarts: 0 };
  const chaos = (async () => {
    let round = 0;
    while (running) {
      await sleep(2500);
      if (!running) break;
      if (round++ % 2 === 0) {
        await redis.stop();
        faults.redisStops++;
        await sleep(400);
        redis = await startRedis({ port: redisPort, dir: redisDir });
      } else {
        await instances[1].kill();
        faults.restarts++;
        await sleep(300);
        await instances[1].start();
      }
    }
  })();

  const outcomes = new Map();
  let next = 0;
  await Promise.all(
    Array.from({ length: IN_FLIGHT }, async () => {
      while (next < messages.length) {
        const m = messages[next++];
        outcomes.set(m.key, { m, outcome: await deliver(m, instances, tokens) });
      }
    }),
  );
  running = false;
  await chaos;
  await sleep(3000); // slow sends still on their way to the mock land before counting
  clearInterval(sampler);
  instances.forEach((i) => i.sample());

  // ---- the check ----
  const atUpdox = new Map();
  for (const msg of mock.messages()) atUpdox.set(msg.idempotencyKey, (atUpdox.get(msg.idempotencyKey) ?? 0) + 1);
  const summary = { messages: MESSAGES, delivered: 0, unknown: 0, unknownAtUpdox: 0, lost: 0, duplicated: 0, missing: 0 };
  for (const { m, outcome } of outcomes.values()) {
    const n = atUpdox.get(m.key) ?? 0;
    if (n > 1) {
      summary.duplicated++;
      fail(`message ${m.index} reached Updox ${n} times`);
    }
    if (outcome === 'delivered') {
      summary.delivered++;
      if (n !== 1) {
        summary.missing++;
        fail(`message ${m.index} was answered as delivered but Updox holds it ${n} times`);
      }
    } else if (outcome === 'unknown') {
      summary.unknown++;
      if (n === 1) summary.unknownAtUpdox++;
    } else {
      summary.lost++;
      fail(`message ${m.index} has no final outcome after ${MESSAGE_DEADLINE_MS / 1000} s`);
    }
  }
  const peakRssMb = Math.max(...instances.map((i) => i.peakRss)) / 1e6;
  if (peakRssMb > MAX_RSS_MB) fail(`proxy peak RSS ${peakRssMb.toFixed(0)} MB > ${MAX_RSS_MB} MB`);
  if (summary.delivered + summary.unknown !== MESSAGES) fail('not every message has a final outcome');

  const result = {
    ...summary,
    attempts: counts.attempts,
    droppedByClient: counts.drops,
    networkErrors: counts.networkErrors,
    refusals: counts.refusals,
    faults,
    peakRssMb: Number(peakRssMb.toFixed(1)),
    seconds: Math.round((Date.now() - started) / 1000),
    failures,
  };
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, JSON.stringify(result, null, 2));
  console.log(
    `seams: ${MESSAGES} messages, ${result.attempts} attempts; delivered ${summary.delivered} (each at Updox once), ` +
      `unknown ${summary.unknown} (${summary.unknownAtUpdox} of them at Updox once), duplicated ${summary.duplicated}, lost ${summary.lost}; ` +
      `Redis stops ${faults.redisStops}, instance restarts ${faults.restarts}, client drops ${counts.drops}; ` +
      `refusals ${JSON.stringify(counts.refusals)}; proxy peak RSS ${result.peakRssMb} MB; ${result.seconds} s`,
  );

  for (const i of instances) await i.kill();
  await redis.stop();
  await mock.close();
  rmSync(redisDir, { recursive: true, force: true });
  process.exit(failures.length ? 1 : 0);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
