// The one reader of Updox's `MdnStatusList` answer. Updox documents the method (a sent
// message's MDN history, by `messageId`) but not the names of its answer's fields, so this is
// an ASSUMED shape, read tolerantly (docs/delivery-status.md lists what is accepted):
//
//   envelope   {successful: true, responseCode: 2000, …}; 4410 (no such message) and 4430
//              (no MDNs for this kind of message) mean "no MDN", as does an empty list
//   the list   the first array under one of LIST_KEYS (any letter case), also one level down
//              (e.g. {data: {mdns: […]}}); or a bare array; or a single MDN at the top level
//   an MDN     a status string, or an object with a status under STATUS_KEYS and a time
//              under TIME_KEYS (ISO 8601; "yyyy-MM-dd HH:mm:ss" read as UTC; epoch seconds
//              or milliseconds)
//   a status   one of MDN_STATUSES, any case; an RFC 3798 disposition such as
//              "automatic-action/MDN-sent-automatically; processed" gives its last status word
//
// What it cannot read is reported as {ok: false, reason} with a reason that holds no content
// (the caller logs it and leaves the delivery state as it was). It never throws.

/** The statuses Updox's `inbound_mdn` webhook documents. */
export const MDN_STATUSES = Object.freeze(['received', 'processed', 'dispatched', 'failed', 'deleted', 'denied']);

const LIST_KEYS = ['mdnstatuslist', 'mdnstatuses', 'mdnlist', 'mdns', 'statuses', 'items', 'list', 'results', 'data'];
const STATUS_KEYS = ['mdnstatus', 'status', 'mdntype', 'disposition', 'dispositiontype', 'statusname', 'type', 'state'];
const TIME_KEYS = [
  'date',
  'mdndate',
  'statusdate',
  'createddate',
  'createdate',
  'created',
  'createdat',
  'receiveddate',
  'datereceived',
  'received',
  'timestamp',
  'time',
  'at',
];
/** Envelope codes that mean "Updox has no MDN for this message" rather than a failure. */
const NO_MDN_CODES = new Set([4410, 4430]);

const isObject = (v) => v !== null && typeof v === 'object' && !Array.isArray(v);

/** The value under the first of `keys` present in `object`, matching names in any case. */
function field(object, keys) {
  const byLower = new Map(Object.keys(object).map((k) => [k.toLowerCase(), k]));
  for (const key of keys) {
    if (byLower.has(key)) return { found: true, value: object[byLower.get(key)] };
  }
  return { found: false };
}

/** One of MDN_STATUSES for a status or disposition text, or null. */
export function mdnStatusOf(value) {
  if (typeof value !== 'string' || value.length > 200) return null;
  const words = value.toLowerCase().split(/[^a-z]+/);
  for (let i = words.length - 1; i >= 0; i--) {
    if (MDN_STATUSES.includes(words[i])) return words[i];
  }
  return null;
}

/** Milliseconds since the epoch for a time as Updox might write it, or null. */
export function mdnTimeOf(value) {
  if (typeof value === 'number' && Number.isFinite(value) && value > 0) {
    return value < 1e11 ? Math.round(value * 1000) : Math.round(value);
  }
  if (typeof value !== 'string' || value.length > 64) return null;
  const text = value.trim();
  if (/^\d{9,13}$/.test(text)) return mdnTimeOf(Number(text));
  const m = /^(\d{4}-\d{2}-\d{2})[ T](\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?)(Z|[+-]\d{2}:?\d{2})?$/i.exec(text);
  if (!m) return null;
  // Without a zone the time is taken as UTC: the API's other times carry none either.
  const ms = Date.parse(`${m[1]}T${m[2]}${m[3] ?? 'Z'}`);
  return Number.isFinite(ms) ? ms : null;
}

/** {status, at} for one list item, or null when it holds no status. */
function eventOf(item) {
  if (typeof item === 'string') {
    const status = mdnStatusOf(item);
    return status ? { status, at: null } : null;
  }
  if (!isObject(item)) return null;
  const s = field(item, STATUS_KEYS);
  const status = s.found ? mdnStatusOf(s.value) : null;
  if (!status) return null;
  const t = field(item, TIME_KEYS);
  return { status, at: t.found ? mdnTimeOf(t.value) : null };
}

/** The MDN list in a parsed answer: an array, or null when there is none. */
function listOf(json) {
  if (Array.isArray(json)) return json;
  const top = field(json, LIST_KEYS);
  if (top.found && Array.isArray(top.value)) return top.value;
  if (top.found && isObject(top.value)) {
    const inner = field(top.value, LIST_KEYS);
    if (inner.found && Array.isArray(inner.value)) return inner.value;
    if (field(top.value, STATUS_KEYS).found) return [top.value];
  }
  if (field(json, STATUS_KEYS).found) return [json];
  return null;
}

const codeOf = (v) => (typeof v === 'number' ? v : typeof v === 'string' && /^\d{4}$/.test(v) ? Number(v) : null);

/**
 * Reads an answer's bytes (Buffer or string). Returns {ok: true, events: [{status, at|null}],
 * skipped} (`skipped`: list items without a readable status) or {ok: false, reason}.
 */
export function parseMdnStatusList(body) {
  let json;
  try {
    json = JSON.parse(Buffer.isBuffer(body) ? body.toString('utf8') : String(body));
  } catch {
    return { ok: false, reason: 'not JSON' };
  }
  if (!isObject(json) && !Array.isArray(json)) return { ok: false, reason: 'not an object' };
  if (isObject(json)) {
    const code = codeOf(field(json, ['responsecode']).value);
    const successful = field(json, ['successful']);
    if (code !== null && NO_MDN_CODES.has(code)) return { ok: true, events: [], skipped: 0 };
    if (successful.found && successful.value !== true) return { ok: false, reason: `responseCode ${code ?? 'missing'}` };
    if (code !== null && code !== 2000) return { ok: false, reason: `responseCode ${code}` };
    if (!successful.found && code === null && !listOf(json)) return { ok: false, reason: 'no envelope' };
  }
  const list = listOf(json);
  if (!list) return { ok: false, reason: 'no MDN list' };
  const events = [];
  for (const item of list) {
    const event = eventOf(item);
    if (event) events.push(event);
  }
  if (list.length > 0 && events.length === 0) return { ok: false, reason: 'no readable MDN status' };
  return { ok: true, events, skipped: list.length - events.length };
}
