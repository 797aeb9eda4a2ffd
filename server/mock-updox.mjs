// Mock Updox: `POST /api/io/PatientDirectMessageSend`, `POST /api/io/DirectAddressValidate` and
// `POST /api/io/MdnStatusList`,
// answered the way Updox documents them (HTTP 200 and a JSON envelope `{successful,
// responseCode, responseMessage, ...}`), for the demo, the tests and the benchmark. Plain
// node:http, no framework, loopback only. Any other path is 404.
//
// DirectAddressValidate: the same auth checks, then 4060 without a string `recipient`, 4640
// for one that is not a Direct address, then the failure hooks below; otherwise
// `validDirectAddress: true`, or false for local parts starting `untrusted-`.
//
// PatientDirectMessageSend:
// Checks, in this order (first failure wins):
//   4000  body is not a JSON object
//   4010  auth.applicationId / auth.applicationPassword wrong or missing
//   4011  auth.accountId wrong          4012  auth.userId wrong
//   4060  `to` missing or not a string, `from` not "patient:{id}", attachments malformed
//   4640  `to` is not a syntactically valid Direct address
//   4652  neither `from` ("patient:{id}") nor `patientDemographics` given
//   4060  attachment content is not base64 (whitespace is tolerated, as in Updox's sample)
//   4020  decoded attachments larger than `maxAttachmentBytes` (default 30 MiB)
// then the failure hooks below, chosen by the local part of `to` (case-insensitive):
//
//   fail-NNNN@…        successful:false, responseCode NNNN (any 4 digits; 4650 has a `reason`)
//   slow-MS@…          success after MS milliseconds (max 120000)
//   malformed@…        HTTP 200, Content-Type JSON, body that is not JSON
//   empty@…            HTTP 200 with an empty body
//   truncated@…        HTTP 200 with JSON cut in the middle
//   inconsistent@…     successful:true but responseCode 4060
//   inconsistent-false@…  successful:false but responseCode 2000
//   http-NNN@…         HTTP status NNN (100 < NNN < 600) with a small HTML page
//
// MdnStatusList {messageId, auth}: the same auth checks, 4060 without a numeric `messageId`,
// 4410 for a message it did not accept; otherwise the MDNs due by now (the mock's clock,
// `now`) as {successful, responseCode, responseMessage, mdnStatuses: [{messageId, mdnStatus,
// mdnDate}]} (the shape the proxy assumes; Updox does not document it). Each accepted send
// schedules MDNs by the local part of `to`, one step every `mdnDelayMs` (default
// UPDOX_MOCK_MDN_DELAY_MS, else 1000):
//   mdn-delivered-…  processed, then dispatched      mdn-failed-…  failed
//   mdn-received-…   processed only                  mdn-none-…    nothing
//   any other        as mdn-delivered-
// With `webhookUrl` (default UPDOX_MOCK_WEBHOOK_URL; or setWebhookUrl(url) later) each MDN is
// also posted there when due, as Updox's inbound_mdn webhook {messageId, mdnStatus}.
// addMdn(messageId, status) adds one now (a late MDN, in tests).
//
// Only successful sends (including slow-MS ones) are recorded as messages (with the SHA-256
// and length of the body as received); a slow send is recorded even if the caller went away
// meanwhile (Updox would have sent it). Every DirectAddressValidate is recorded as a lookup.
//
// Inspection (loopback clients with a loopback Host header only; others get 404):
//   GET    /__mock/messages   JSON array of recorded messages (parsed body with auth,
//                             Idempotency-Key header, decoded attachments: fileName,
//                             mimeType, size, sha256 hex, content as canonical base64)
//   DELETE /__mock/messages   forget messages, lookups and request counts
//   GET    /__mock/lookups    JSON array of DirectAddressValidate bodies received (with auth)
//   GET    /__mock/requests   {count, requests: [{method, path, status}]} of every other
//                             request received (inspection requests are not counted)
import http from 'node:http';
import { createHash } from 'node:crypto';
import { isValidDirectAddress } from './proxy/direct-address.mjs';
import { isLoopbackAddress } from './proxy/hosts.mjs';

export { isLoopbackAddress, isValidDirectAddress };

export const DEMO_AUTH = Object.freeze({
  applicationId: 'demo-app',
  applicationPassword: 'demo-password',
  accountId: 'demo-account',
  userId: 'demo-user',
});

const MiB = 1024 * 1024;

/** Response messages for codes, as the Updox wiki words them (paraphrased). */
export const RESPONSE_MESSAGES = Object.freeze({
  2000: 'OK',
  4000: 'Bad Request',
  4010: 'Unauthorized',
  4011: 'Unauthorized: account does not exist or is inactive',
  4012: 'Unauthorized: user does not exist or is inactive',
  4013: 'No token found',
  4014: 'Unauthorized',
  4020: 'Bad Request: request likely too large',
  4060: 'Request validation error',
  4640: 'Invalid direct address',
  4641: 'Sending user has no direct address configured',
  4642: 'Identity verification required to send to this address',
  4650: 'Direct send failed',
  4651: 'Send failed and/or invalid direct address',
  4652: 'Either from or patientDemographics is required',
  4410: 'Message not found',
  5000: 'An unknown error has occurred',
  5100: 'An unknown server error has occurred',
  5110: 'An unknown server error has occurred',
});

/** The failure hooks, by recipient local part (see the comment at the top). */
export const FAILURE_HOOKS = Object.freeze([
  { localPart: 'fail-NNNN', effect: 'HTTP 200, successful:false, responseCode NNNN (4650 adds reason)' },
  { localPart: 'slow-MS', effect: 'success after MS milliseconds (max 120000)' },
  { localPart: 'malformed', effect: 'HTTP 200 with a body that is not JSON' },
  { localPart: 'empty', effect: 'HTTP 200 with an empty body' },
  { localPart: 'truncated', effect: 'HTTP 200 with truncated JSON' },
  { localPart: 'inconsistent', effect: 'successful:true with responseCode 4060' },
  { localPart: 'inconsistent-false', effect: 'successful:false with responseCode 2000' },
  { localPart: 'http-NNN', effect: 'HTTP status NNN with an HTML page' },
  { localPart: 'untrusted-…', effect: 'DirectAddressValidate only: validDirectAddress false' },
]);

export const HOOK_REASON_4650 = 'Simulated: the recipient HISP rejected the message';

/** True when the Host header names loopback (guards the inspection route from DNS rebinding). */
export function isLoopbackHost(host) {
  if (typeof host !== 'string') return false;
  const name = host.toLowerCase().replace(/:\d+$/, '');
  return name === 'localhost' || name === '[::1]' || isLoopbackAddress(name);
}

/** The inspection route's access check: loopback peer and loopback Host header. */
export function isInspectionAllowed(req) {
  return isLoopbackAddress(req.socket?.remoteAddress) && isLoopbackHost(req.headers?.host);
}

/** Decodes base64 that may contain whitespace; null when it is not valid base64. */
export function decodeBase64(text) {
  if (typeof text !== 'string') return null;
  const clean = text.replace(/[ \t\r\n]+/g, '');
  if (clean.length % 4 !== 0 || !/^[A-Za-z0-9+/]*={0,2}$/.test(clean)) return null;
  return Buffer.from(clean, 'base64');
}

/** The body as a JSON object, or null. */
function jsonObject(raw) {
  try {
    const body = JSON.parse(raw.toString('utf8'));
    return body && typeof body === 'object' && !Array.isArray(body) ? body : null;
  } catch {
    return null;
  }
}

const envelope = (code, extra = {}) => ({
  successful: code === 2000,
  responseMessage: RESPONSE_MESSAGES[code] ?? 'Simulated failure',
  responseCode: code,
  ...extra,
});

/** The MDNs a send to `address` gets, as [status, steps of delay] (see the top comment). */
export function mdnPlan(address) {
  const local = String(address).slice(0, String(address).lastIndexOf('@')).toLowerCase();
  if (local.startsWith('mdn-none-')) return [];
  if (local.startsWith('mdn-received-')) return [['processed', 1]];
  if (local.startsWith('mdn-failed-')) return [['failed', 1]];
  return [
    ['processed', 1],
    ['dispatched', 2],
  ];
}

/**
 * Builds the mock. Options: applicationId, applicationPassword, accountId, userId (demo
 * defaults), maxAttachmentBytes (30 MiB decoded), maxBodyBytes (64 MiB raw), basePath
 * ('/api/io'), firstMessageId, firstContactId, lean (keep no attachment content), now (the
 * clock MDNs are due by, ms), mdnDelayMs, webhookUrl, env (process.env).
 */
export function createMockUpdox(options = {}) {
  const auth = {
    applicationId: options.applicationId ?? DEMO_AUTH.applicationId,
    applicationPassword: options.applicationPassword ?? DEMO_AUTH.applicationPassword,
    accountId: options.accountId ?? DEMO_AUTH.accountId,
    userId: options.userId ?? DEMO_AUTH.userId,
  };
  const maxAttachmentBytes = options.maxAttachmentBytes ?? 30 * MiB;
  const maxBodyBytes = options.maxBodyBytes ?? 64 * MiB;
  const sendPath = `${options.basePath ?? '/api/io'}/PatientDirectMessageSend`;
  const validatePath = `${options.basePath ?? '/api/io'}/DirectAddressValidate`;
  const firstMessageId = options.firstMessageId ?? 249600;
  const firstContactId = options.firstContactId ?? 227161;
  const lean = Boolean(options.lean);
  const env = options.env ?? process.env;
  const now = options.now ?? Date.now;
  const mdnPath = `${options.basePath ?? '/api/io'}/MdnStatusList`;
  const envDelay = Number(env.UPDOX_MOCK_MDN_DELAY_MS);
  const mdnDelayMs = options.mdnDelayMs ?? (env.UPDOX_MOCK_MDN_DELAY_MS && envDelay >= 0 ? envDelay : 1000);
  let webhookUrl = options.webhookUrl ?? (env.UPDOX_MOCK_WEBHOOK_URL || null);
  const mdns = new Map(); // messageId -> [{status, at}], what each accepted send will get
  const webhookTimers = new Set();

  let messages = [];
  let lookups = [];
  let requests = [];
  let nextMessageId = firstMessageId;
  let nextContactId = firstContactId;
  const contactIds = new Map(); // recipient address -> contact id (stable, like Updox)
  const patientIds = new Map(); // patient key -> patient account id

  const timers = new Set(); // pending slow-MS answers, cancelled by close()
  const sleep = (ms) =>
    new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        timers.delete(timer);
        resolve();
      }, ms);
      timer.cancel = () => reject(new Error('mock closed'));
      timers.add(timer);
    });
  function close() {
    for (const timer of webhookTimers) clearTimeout(timer);
    webhookTimers.clear();
    for (const timer of timers) {
      clearTimeout(timer);
      timer.cancel();
    }
    timers.clear();
  }

  const idFor = (map, key) => {
    if (!map.has(key)) map.set(key, nextContactId++);
    return map.get(key);
  };

  function reset() {
    mdns.clear();
    messages = [];
    lookups = [];
    requests = [];
  }

  /** The auth block's failure code, or null when the credentials are right. */
  function authFailure(a) {
    if (!a || typeof a !== 'object') return 4010;
    if (a.applicationId !== auth.applicationId || a.applicationPassword !== auth.applicationPassword) return 4010;
    if (a.accountId !== auth.accountId) return 4011;
    if (a.userId !== auth.userId) return 4012;
    return null;
  }

  /** Validates the parsed body; returns {code, message?} for a failure or {attachments}. */
  function check(body) {
    const denied = authFailure(body.auth);
    if (denied) return { code: denied };
    if (typeof body.to !== 'string') return { code: 4060, message: 'to: required' };
    if (body.from !== undefined && body.from !== null) {
      if (typeof body.from !== 'string' || !/^patient:\S+$/.test(body.from)) {
        return { code: 4060, message: 'from: must be patient:{patientId}' };
      }
    }
    if (body.attachments !== undefined && !Array.isArray(body.attachments)) {
      return { code: 4060, message: 'attachments: must be an array' };
    }
    if (!isValidDirectAddress(body.to)) return { code: 4640 };
    const demographics = body.patientDemographics;
    if (!body.from && (!demographics || typeof demographics !== 'object')) return { code: 4652 };
    const attachments = [];
    let total = 0;
    for (const [i, att] of (body.attachments ?? []).entries()) {
      if (!att || typeof att !== 'object' || typeof att.fileName !== 'string' || typeof att.mimeType !== 'string') {
        return { code: 4060, message: `attachments[${i}]: fileName and mimeType required` };
      }
      const bytes = decodeBase64(att.content);
      if (!bytes) return { code: 4060, message: `attachments[${i}].content: not base64` };
      total += bytes.length;
      attachments.push({
        fileName: att.fileName,
        mimeType: att.mimeType,
        size: bytes.length,
        sha256: createHash('sha256').update(bytes).digest('hex'),
        content: bytes.toString('base64'),
      });
    }
    if (total > maxAttachmentBytes) return { code: 4020 };
    return { attachments };
  }

  function send(res, status, body, type = 'application/json; charset=utf-8') {
    const data = typeof body === 'string' || Buffer.isBuffer(body) ? body : JSON.stringify(body);
    res.writeHead(status, { 'Content-Type': type, 'Content-Length': Buffer.byteLength(data) });
    res.end(data);
  }

  function record(body, req, attachments, raw) {
    const patientKey = body.from || `demographics:${body.patientDemographics?.patientId ?? ''}`;
    const answer = envelope(2000, {
      recipient: `contact:${idFor(contactIds, body.to.toLowerCase())}`,
      name: body.to,
      directAddress: body.to,
      reason: null,
      messageId: nextMessageId++,
      patientDirectAddress: `ptacct+${idFor(patientIds, patientKey)}@direct.updoxqa.com`,
    });
    messages.push({
      messageId: answer.messageId,
      receivedAt: new Date().toISOString(),
      idempotencyKey: req.headers['idempotency-key'] ?? null,
      bodySha256: createHash('sha256').update(raw).digest('hex'),
      bodyBytes: raw.length,
      // lean: no attachment content is kept (a load test's 27 MB bodies), only their digests.
      body: lean ? { ...body, attachments: undefined } : body,
      attachments: lean ? attachments.map(({ content: _content, ...rest }) => rest) : attachments,
      response: answer,
    });
    scheduleMdns(answer.messageId, body.to);
    return answer;
  }

  function scheduleMdns(messageId, to) {
    const sentAt = now();
    const planned = mdnPlan(to).map(([status, steps]) => ({ status, at: sentAt + steps * mdnDelayMs, steps }));
    mdns.set(messageId, planned);
    for (const { status, steps } of planned) postWebhookLater(messageId, status, steps * mdnDelayMs);
  }

  /** Updox's inbound_mdn, posted when due (real time) to webhookUrl; failures are ignored. */
  function postWebhookLater(messageId, status, delayMs) {
    const timer = setTimeout(() => {
      webhookTimers.delete(timer);
      if (!webhookUrl) return;
      fetch(webhookUrl, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ messageId, mdnStatus: status }),
      })
        .then((res) => res.arrayBuffer())
        .catch(() => {});
    }, delayMs);
    timer.unref?.();
    webhookTimers.add(timer);
  }

  /** Adds an MDN due now (a late one); false for a message the mock did not accept. */
  function addMdn(messageId, status) {
    const list = mdns.get(messageId);
    if (!list) return false;
    list.push({ status, at: now() });
    return true;
  }

  async function answerMdnStatusList(res, raw) {
    const body = jsonObject(raw);
    if (!body) return send(res, 200, envelope(4000));
    const denied = authFailure(body.auth);
    if (denied) return send(res, 200, envelope(denied));
    if (!Number.isSafeInteger(body.messageId)) {
      return send(res, 200, envelope(4060, { responseMessage: 'Request validation error: messageId: required' }));
    }
    const list = mdns.get(body.messageId);
    if (!list) return send(res, 200, envelope(4410, { responseMessage: 'Message not found' }));
    const due = list.filter((m) => m.at <= now());
    send(
      res,
      200,
      envelope(2000, {
        mdnStatuses: due.map((m) => ({ messageId: body.messageId, mdnStatus: m.status, mdnDate: new Date(m.at).toISOString() })),
      }),
    );
  }

  async function answerSend(req, res, raw) {
    const body = jsonObject(raw);
    if (!body) return send(res, 200, envelope(4000));
    const verdict = check(body);
    if (verdict.code) {
      const extra = verdict.message ? { responseMessage: `${RESPONSE_MESSAGES[verdict.code]}: ${verdict.message}` } : {};
      return send(res, 200, envelope(verdict.code, extra));
    }
    if (await hook(res, body.to)) return;
    const answer = record(body, req, verdict.attachments, raw);
    if (!res.destroyed) send(res, 200, answer);
  }

  /**
   * The failure hooks of the address's local part: answers (and returns true) for the
   * failing ones; waits for slow-MS (and returns false, the caller answers).
   */
  async function hook(res, address) {
    const local = address.slice(0, address.lastIndexOf('@')).toLowerCase();
    let m;
    if ((m = /^fail-(\d{4})$/.exec(local))) {
      const code = Number(m[1]);
      send(res, 200, envelope(code, code === 4650 ? { reason: HOOK_REASON_4650 } : {}));
      return true;
    }
    if ((m = /^http-(\d{3})$/.exec(local)) && Number(m[1]) > 100 && Number(m[1]) < 600) {
      send(res, Number(m[1]), '<!doctype html><title>Error</title><h1>Simulated error</h1>', 'text/html');
      return true;
    }
    const fixed = {
      malformed: '<html>this is not JSON</html>',
      empty: '',
      truncated: '{"successful":true,"responseCode":20',
      inconsistent: { ...envelope(4060), successful: true },
      'inconsistent-false': { ...envelope(2000), successful: false },
    };
    if (Object.hasOwn(fixed, local)) {
      send(res, 200, fixed[local]);
      return true;
    }
    if ((m = /^slow-(\d{1,6})$/.exec(local))) await sleep(Math.min(Number(m[1]), 120000));
    return false;
  }

  async function answerValidate(req, res, raw) {
    const body = jsonObject(raw);
    if (!body) return send(res, 200, envelope(4000));
    lookups.push({ receivedAt: new Date().toISOString(), body });
    const denied = authFailure(body.auth);
    if (denied) return send(res, 200, envelope(denied));
    if (typeof body.recipient !== 'string') return send(res, 200, envelope(4060, { responseMessage: 'Request validation error: recipient: required' }));
    if (!isValidDirectAddress(body.recipient)) return send(res, 200, envelope(4640));
    if (await hook(res, body.recipient)) return;
    const trusted = !/^untrusted-/i.test(body.recipient.slice(0, body.recipient.lastIndexOf('@')));
    if (!res.destroyed) send(res, 200, envelope(2000, { validDirectAddress: trusted }));
  }

  function readBody(req) {
    return new Promise((resolve, reject) => {
      const chunks = [];
      let size = 0;
      req.on('data', (chunk) => {
        size += chunk.length;
        if (size <= maxBodyBytes) chunks.push(chunk);
      });
      req.on('end', () => resolve(size > maxBodyBytes ? null : Buffer.concat(chunks)));
      req.on('error', reject);
    });
  }

  async function handler(req, res) {
    const path = new URL(req.url, 'http://mock').pathname;
    if (path.startsWith('/__mock/')) {
      if (!isInspectionAllowed(req)) return send(res, 404, { error: 'not_found' });
      if (path === '/__mock/messages' && req.method === 'GET') return send(res, 200, messages);
      if (path === '/__mock/messages' && req.method === 'DELETE') {
        reset();
        return send(res, 200, { reset: true });
      }
      if (path === '/__mock/lookups' && req.method === 'GET') return send(res, 200, lookups);
      if (path === '/__mock/requests' && req.method === 'GET') {
        return send(res, 200, { count: requests.length, requests });
      }
      return send(res, 404, { error: 'not_found' });
    }
    const entry = { method: req.method, path, status: 0 };
    requests.push(entry);
    res.on('finish', () => {
      entry.status = res.statusCode;
    });
    if (path !== sendPath && path !== validatePath && path !== mdnPath) {
      req.resume();
      return send(res, 404, { error: 'not_found' });
    }
    if (req.method !== 'POST') {
      req.resume();
      res.setHeader('Allow', 'POST');
      return send(res, 405, { error: 'method_not_allowed' });
    }
    try {
      const raw = await readBody(req);
      if (raw === null) return send(res, 200, envelope(4020));
      if (path === validatePath) await answerValidate(req, res, raw);
      else if (path === mdnPath) await answerMdnStatusList(res, raw);
      else await answerSend(req, res, raw);
    } catch {
      if (!res.headersSent && !res.destroyed) send(res, 200, envelope(5000));
    }
  }

  return {
    handler,
    messages: () => structuredClone(messages),
    lookups: () => structuredClone(lookups),
    requests: () => structuredClone(requests),
    reset,
    close,
    addMdn,
    setWebhookUrl: (url) => {
      webhookUrl = url || null;
    },
    options: { ...auth, maxAttachmentBytes, sendPath, validatePath, mdnPath, mdnDelayMs },
  };
}

/** Starts the mock on host:port (port 0 = a free one). */
export async function startMockUpdox({ port = 0, host = '127.0.0.1', ...options } = {}) {
  const mock = createMockUpdox(options);
  const server = http.createServer((req, res) => {
    mock.handler(req, res);
  });
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, resolve);
  });
  const { port: actual } = server.address();
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${actual}`;
  return {
    url,
    baseUrl: `${url}${options.basePath ?? '/api/io'}`,
    inspectUrl: `${url}/__mock/messages`,
    server,
    messages: mock.messages,
    lookups: mock.lookups,
    requests: mock.requests,
    reset: mock.reset,
    addMdn: mock.addMdn,
    setWebhookUrl: mock.setWebhookUrl,
    close: () =>
      new Promise((resolve) => {
        mock.close();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
