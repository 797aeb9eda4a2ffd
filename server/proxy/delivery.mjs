// Delivery status of messages sent through the proxy:
//
//   POST <deliveryPath> (default /api/updox/MdnStatusList) {"messageId": <number>}
//     after admission (the same authentication as a send, its own rate budget): 404
//     `not_found` unless this patient sent that message through this proxy (whether it exists
//     is never revealed); otherwise the normalised answer {messageId, state, final, events,
//     sentAt, updatedAt}, read from Updox's MdnStatusList with the server's credentials at
//     most once per deliveryCacheTtlMs per message (any instance's read counts).
//   POST <webhookPath><token> (default /api/updox/webhooks/inbound_mdn/<token>), only when
//     webhookToken is set: Updox's `inbound_mdn` {messageId, mdnStatus}. A wrong token (or a
//     caller outside webhookAllowedIps) is 404. The event is recorded and the message's
//     cached answer dropped, so the next question re-reads MdnStatusList; a duplicate changes
//     nothing; an unknown messageId is acknowledged and dropped.
//
// Which patient sent a message is kept as an HMAC keyed from the server's Updox credentials
// (the same on every instance), never as the patient's ID. Logs name no message or patient.
import { createHash, createHmac, hkdfSync, timingSafeEqual } from 'node:crypto';
import { readBody } from './body.mjs';
import { deliveryStatus, mergeEvents } from './delivery-state.mjs';
import { createMemoryDeliveryStore, createRedisDeliveryStore } from './delivery-store.mjs';
import { JSON_TYPE, errorAnswer } from './errors.mjs';
import { mdnStatusOf, parseMdnStatusList } from './mdn.mjs';
import { postToUpdox } from './upstream.mjs';

const BODY_LIMIT = 4 * 1024;
const MAX_MESSAGE_ID = Number.MAX_SAFE_INTEGER;

const jsonAnswer = (status, value) => ({ status, contentType: JSON_TYPE, body: Buffer.from(JSON.stringify(value)) });

/** 'delivery', 'webhook' or null for a path. */
export function deliveryRouteOf(config, pathname) {
  if (typeof pathname !== 'string') return null;
  if (pathname === config.deliveryPath) return 'delivery';
  if (config.webhookToken && pathname.startsWith(config.webhookPath)) return 'webhook';
  return null;
}

/** The path to log for a route (never the webhook's token). */
export const deliveryLogPath = (config, route) => (route === 'webhook' ? `${config.webhookPath}…` : config.deliveryPath);

/** The `messageId` of a send that Updox accepted (its JSON answer says so), else null. */
export function acceptedMessageId(answer) {
  if (!answer || answer.status !== 200) return null;
  try {
    const json = JSON.parse(answer.body.toString('utf8'));
    if (json?.successful !== true || json.responseCode !== 2000) return null;
    return messageIdOf(json.messageId);
  } catch {
    return null;
  }
}

/** A messageId as a positive safe integer (a number, or digits in a string), else null. */
export function messageIdOf(value) {
  const n = typeof value === 'string' && /^\d{1,16}$/.test(value) ? Number(value) : value;
  return Number.isSafeInteger(n) && n > 0 && n <= MAX_MESSAGE_ID ? n : null;
}

/** The body of a status question: exactly {"messageId": n}; else null. */
function questionOf(raw) {
  try {
    const body = JSON.parse(raw.toString('utf8'));
    if (!body || typeof body !== 'object' || Array.isArray(body)) return null;
    const keys = Object.keys(body);
    if (keys.length !== 1 || keys[0] !== 'messageId' || typeof body.messageId !== 'number') return null;
    return messageIdOf(body.messageId);
  } catch {
    return null;
  }
}

/** The remote address of an exchange (Node adapter: the socket; fetch handler: context.remoteAddress). */
function remoteAddress(ex) {
  const address = ex.context?.req?.socket?.remoteAddress ?? ex.context?.remoteAddress ?? null;
  return typeof address === 'string' ? address.replace(/^::ffff:(?=\d+\.)/, '') : null;
}

function ipAllowed(list, address) {
  if (!list) return true;
  if (!address) return false;
  try {
    return list.check(address, address.includes(':') ? 'ipv6' : 'ipv4');
  } catch {
    return false;
  }
}

/**
 * The delivery side of one proxy. `deps`: {redis (a promise of the shared connection, or
 * null), budget (the in-flight byte budget)}.
 */
export function createDelivery(config, { redis, budget }) {
  const now = config.now;
  const secret = Buffer.from(hkdfSync('sha256', config.authJson, 'updox-direct delivery', 'delivery v1', 32));
  const mac = (label, value) => createHmac('sha256', secret).update(`${label}\0${value}`).digest('hex');
  const keyOf = (messageId) => mac('message', messageId);
  const patientOf = (scope) => mac('patient', scope);
  const tokenDigest = config.webhookToken ? createHash('sha256').update(config.webhookToken).digest() : null;
  const target = new URL(`${config.sendTarget.href.replace(/\/[^/]*$/, '')}/MdnStatusList`);

  const storeOptions = { retentionMs: config.deliveryRetentionMs, cacheTtlMs: config.deliveryCacheTtlMs };
  const store = redis
    ? createRedisDeliveryStore({ redis, ...storeOptions })
    : createMemoryDeliveryStore({ ...storeOptions, now });
  const pending = new Map(); // Updox reads in progress, by message key
  const log = (what) => config.log(`${new Date().toISOString()} proxy delivery: ${what}`);

  async function readBodyOf(ex) {
    const lease = { bytes: 0 };
    try {
      const read = await readBody(ex.source, { limit: BODY_LIMIT, budget, lease });
      ex.note.bytesIn = read.size;
      return read;
    } finally {
      budget.give(lease.bytes);
    }
  }

  /** Asks Updox; returns the MDN events it reports, or null when its answer is unusable. */
  async function askUpdox(messageId) {
    const payload = Buffer.from(`{"messageId":${messageId},"auth":${config.authJson}}`);
    const result = await postToUpdox(target, [payload], { timeoutMs: config.timeoutMs, maxAnswerBytes: config.maxUpstreamBytes });
    if (result.kind !== 'answer') {
      log(`MdnStatusList ${result.kind}; the state stays as known`);
      return null;
    }
    if (result.answer.status !== 200) {
      log(`MdnStatusList HTTP ${result.answer.status}; the state stays as known`);
      return null;
    }
    const parsed = parseMdnStatusList(result.answer.body);
    if (!parsed.ok) {
      log(`MdnStatusList answer not readable (${parsed.reason}); the state stays as known`);
      return null;
    }
    if (parsed.skipped > 0) log(`MdnStatusList: ${parsed.skipped} MDN(s) without a readable status ignored`);
    const seen = now();
    return parsed.events.map((e) => ({ status: e.status, at: e.at ?? seen }));
  }

  /** Reads Updox, keeps what it said, and answers (once per message at a time). */
  function refresh(key, messageId, record) {
    let read = pending.get(key);
    if (!read) {
      read = (async () => {
        const reported = await askUpdox(messageId);
        if (reported) await store.addEvents(key, reported);
        const known = await store.events(key);
        const answer = status(messageId, record, mergeEvents(known, reported ?? []));
        // Only what Updox just confirmed is cached: after an unusable answer, ask again next time.
        if (reported) await store.cache(key, answer);
        return answer;
      })();
      pending.set(key, read);
      read.finally(() => pending.delete(key)).catch(() => {});
    }
    return read;
  }

  const status = (messageId, record, events) =>
    deliveryStatus({ messageId, events, sentAt: record.sentAt, now: now(), unconfirmedAfterMs: config.deliveryUnconfirmedAfterMs });

  /** The route: POST {"messageId": n} after admission. */
  async function statusRoute(ex, principal) {
    const read = await readBodyOf(ex);
    if (read.refused) return errorAnswer(read.refused, read.refused === 'proxy_busy' ? { 'Retry-After': '1' } : undefined);
    const messageId = questionOf(read.body);
    if (messageId === null) return errorAnswer('invalid_request');
    const key = keyOf(messageId);
    let record;
    try {
      record = await store.lookup(key);
    } catch {
      return errorAnswer('proxy_busy', { 'Retry-After': '1' });
    }
    // Unknown, expired or another patient's: the same answer, and Updox is not asked.
    if (!record || record.patient !== patientOf(principal.patientKey)) return errorAnswer('not_found');
    try {
      const cached = await store.cached(key);
      // The time-dependent part (sent -> unconfirmed) is recomputed from the cached events.
      const answer = cached
        ? { ...status(messageId, record, cached.events.map((e) => ({ status: e.status, at: Date.parse(e.at) }))), cached: true }
        : await refresh(key, messageId, record);
      const { cached: fromCache, ...value } = answer;
      return { ...jsonAnswer(200, value), cached: Boolean(fromCache) };
    } catch {
      return errorAnswer('proxy_busy', { 'Retry-After': '1' });
    }
  }

  /** The webhook: POST <webhookPath><token> {messageId, mdnStatus}; no patient admission. */
  async function webhookRoute(ex) {
    const given = ex.pathname.slice(config.webhookPath.length);
    const digest = createHash('sha256').update(given).digest();
    if (!tokenDigest || !timingSafeEqual(digest, tokenDigest)) return errorAnswer('not_found');
    if (!ipAllowed(config.webhookAllowedIps, remoteAddress(ex))) {
      log('webhook from an address outside webhookAllowedIps refused');
      return errorAnswer('not_found');
    }
    if (ex.method !== 'POST') return { ...errorAnswer('method_not_allowed'), headers: { Allow: 'POST' } };
    const read = await readBodyOf(ex);
    if (read.refused) return errorAnswer(read.refused, read.refused === 'proxy_busy' ? { 'Retry-After': '1' } : undefined);
    let body;
    try {
      body = JSON.parse(read.body.toString('utf8'));
    } catch {
      return errorAnswer('invalid_json');
    }
    const messageId = messageIdOf(body?.messageId);
    const mdnStatus = mdnStatusOf(body?.mdnStatus);
    if (messageId === null || mdnStatus === null) return errorAnswer('invalid_request');
    const key = keyOf(messageId);
    try {
      const added = await store.addEvents(key, [{ status: mdnStatus, at: now() }]);
      // The webhook is a trigger: whatever changed, the next question re-reads MdnStatusList.
      if (added > 0) await store.invalidate(key);
    } catch {
      return errorAnswer('proxy_busy', { 'Retry-After': '1' });
    }
    return jsonAnswer(200, { received: true });
  }

  /** Keeps `messageId` -> (patient, now) once Updox accepted a send; never throws. */
  async function recordAccepted(messageId, patient) {
    if (messageIdOf(messageId) === null) return;
    try {
      await store.record(keyOf(messageId), patientOf(patient ?? ''), now());
    } catch {
      log('could not record a sent message (its delivery status will be unknown)');
    }
  }

  return { statusRoute, webhookRoute, recordAccepted, store, close: () => store.close() };
}
