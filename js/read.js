// Reads the caller's values — possibly hostile: getters that throw, Proxy objects,
// look-alike Blobs, sparse arrays — into the flat lists the wasm core reads
// (src/wasm/js_read.rs). Each slot is a string or number (given), undefined (absent) or
// false (of the wrong type, or unreadable); a group or list starts with its state: true
// (given) or its length, undefined, or false. Nothing here throws.

/** Entries of a list read at most: a hostile sparse array may claim 2^32 − 1. */
const MAX_LIST = 1000;
/** Whitespace that pre-encoded content may carry (removed before sending). */
const SPACE = /[\t\n\f\r ]+/g;
/** Extra headers read at most: one more than allowed, so that too many is reported. */
const MAX_HEADERS = 51;

const UNREADABLE = Symbol('unreadable');

/** `object[key]`, or UNREADABLE when reading it throws (a getter, a Proxy trap). */
function get(object, key) {
  try {
    return Reflect.get(object, key);
  } catch {
    return UNREADABLE;
  }
}

function isArray(v) {
  try {
    return Array.isArray(v);
  } catch {
    return null; // a revoked Proxy
  }
}

/** A plain object: not null, not a function, not an array. */
const isObject = (v) => v !== null && typeof v === 'object' && isArray(v) === false;

function isInstance(v, type) {
  try {
    return typeof type === 'function' && v instanceof type;
  } catch {
    return false;
  }
}

const absent = (v) => v === undefined || v === null;
const text = (v) => (absent(v) ? undefined : typeof v === 'string' ? v : false);
const number = (v) => (absent(v) ? undefined : typeof v === 'number' ? v : false);

/**
 * Standard padded base64 (whitespace removed, as in Updox's own sample): [its decoded size,
 * the text without whitespace], or [-1] when it is not. The last digit may carry no stray
 * bits, so that the text stands for exactly one byte string.
 */
export function base64(content) {
  // Only text with whitespace is copied (a copy of 27 MB costs a garbage collection later).
  const text = /[\t\n\f\r ]/.test(content) ? content.replace(SPACE, '') : content;
  return text.length % 4 === 0 && /^[A-Za-z0-9+/]*(?:[AEIMQUYcgkosw048]=|[AQgw]==)?$/.test(text)
    ? [(text.length / 4) * 3 - (text.endsWith('==') ? 2 : text.endsWith('=') ? 1 : 0), text]
    : [-1];
}

/**
 * What the last message's pre-encoded contents were found to be: [text, [size, text without
 * whitespace]]. Checking 27 MB of base64 takes tens of milliseconds; a form validating on
 * every keystroke passes the same strings each time, and `===` finds the same string by
 * identity in every engine (a Map would hash all of it in some). Only the last message's
 * are kept, so nothing else stays alive.
 */
let seen = [];

/** `v` as a real Blob with a readable numeric size, else null. */
function asBlob(v) {
  if (!isInstance(v, globalThis.Blob)) return null;
  const size = get(v, 'size');
  return typeof size === 'number' ? { blob: v, size } : null;
}

/**
 * The slots of a File/Blob attachment: "b", size, file name, MIME type, whether the name
 * is the File's own. `names` holds the caller's fileName/mimeType (null: none given).
 */
function blobSlots({ blob, size }, names) {
  let [fileName, mimeType] = names ?? [undefined, undefined];
  let own = false;
  if (fileName === undefined && isInstance(blob, globalThis.File)) {
    fileName = text(get(blob, 'name'));
    own = true;
  }
  if (mimeType === undefined) mimeType = text(get(blob, 'type'));
  return ['b', size, fileName, mimeType, own];
}

/**
 * One attachment's five slots (for pre-encoded content: its decoded size, -1 when it is
 * not base64). Its content — the File/Blob, or the base64 text without whitespace — is
 * `parts[i]`; the texts checked join `now`.
 */
function attachment(v, parts, i, now) {
  const direct = isInstance(v, globalThis.Blob);
  if (!direct && !isObject(v)) return [false, undefined, undefined, undefined, false];
  const content = direct ? v : get(v, 'content');
  if (direct || isInstance(content, globalThis.Blob)) {
    const found = asBlob(content);
    if (!found) return [false, undefined, undefined, undefined, false];
    parts[i] = found.blob;
    return blobSlots(found, direct ? null : [text(get(v, 'fileName')), text(get(v, 'mimeType'))]);
  }
  let size = text(content);
  if (typeof size === 'string') {
    const same = ([known]) => known === content;
    let checked = now.find(same);
    if (!checked) now.push((checked = seen.find(same) ?? [content, base64(content)]));
    [size, parts[i]] = checked[1];
  }
  return ['e', size, text(get(v, 'fileName')), text(get(v, 'mimeType')), false];
}

/** A property that should hold an object: [state, ...fields from `read`]. */
function group(object, key, read) {
  const v = get(object, key);
  if (absent(v)) return [undefined];
  return isObject(v) ? [true, ...read(v)] : [false];
}

const demographics = (d) =>
  ['patientId', 'firstName', 'middleName', 'lastName', 'dateOfBirth', 'gender', 'emailAddress'].map((k) => text(get(d, k)));

/**
 * A message: {slots, parts, empty} (the attachments' contents, by place: a File/Blob, or
 * base64 text without whitespace; and [slot of its size, blob] for each File/Blob of size 0).
 * Past MAX_LIST entries, only their number is read.
 */
export function readMessage(m) {
  const parts = [];
  const empty = [];
  const now = [];
  if (!isObject(m)) return { slots: [false], parts, empty };
  const slots = [true, ...['to', 'subject', 'textMessage', 'from'].map((k) => text(get(m, k)))];
  slots.push(...group(m, 'patientDemographics', demographics));
  const list = get(m, 'attachments');
  if (absent(list)) slots.push(undefined);
  else if (isArray(list) !== true) slots.push(false);
  else {
    let total = get(list, 'length');
    total = Number.isFinite(total) && total > 0 ? Math.floor(total) : 0;
    const n = Math.min(total, MAX_LIST);
    slots.push(n, total - n);
    for (let i = 0; i < n; i++) {
      const item = get(list, i);
      const found = item === UNREADABLE ? [false, undefined, undefined, undefined, false] : attachment(item, parts, i, now);
      if (found[0] === 'b' && found[1] === 0) empty.push([slots.length + 1, parts[i]]);
      slots.push(...found);
    }
  }
  seen = now;
  return { slots, parts, empty };
}

const LIMITS = ['maxSubjectChars', 'maxTextMessageBytes', 'maxAttachments', 'maxAttachmentBytes', 'maxTotalAttachmentBytes'];

/** The limits group's slots. */
export function readLimits(l) {
  if (absent(l)) return [undefined];
  if (l === UNREADABLE || !isObject(l)) return [false];
  return [true, ...LIMITS.map((k) => number(get(l, k)))];
}

function headers(h) {
  let keys;
  try {
    keys = Object.keys(h);
  } catch {
    return [false];
  }
  keys = keys.slice(0, MAX_HEADERS);
  return [keys.length, ...keys.flatMap((k) => [k, text(get(h, k))])];
}

/** The state of an optional value that must pass `ok`: true, undefined or false. */
function state(v, ok) {
  return absent(v) ? undefined : v !== UNREADABLE && ok(v);
}

/**
 * The send options: {slots, proxyUrl (trimmed text, for resolving), signal, onProgress}.
 * The signal and callback are kept here; the core only checks their types. For a `lookup`
 * (checkDirectRecipient), what only a send has is left out.
 */
export function readOptions(o, lookup) {
  if (!isObject(o)) return { slots: [false] };
  const send = (read) => (lookup ? [undefined] : read());
  const proxyUrl = text(get(o, 'proxyUrl'));
  const signal = get(o, 'signal');
  const onProgress = get(o, 'onProgress');
  const signalOk = state(signal, (s) => isInstance(s, globalThis.AbortSignal));
  const progressOk = state(onProgress, (f) => isInstance(f, Function));
  const h = get(o, 'headers');
  const key = lookup ? undefined : text(get(o, 'idempotencyKey'));
  const slots = [
    true,
    proxyUrl,
    number(get(o, 'timeoutMs')),
    text(get(o, 'credentials')),
    ...send(() => readLimits(get(o, 'limits'))),
    ...send(() => group(o, 'auth', (a) => ['applicationId', 'applicationPassword', 'accountId', 'userId'].map((k) => text(get(a, k))))),
    get(o, 'allowBrowserCredentials') === true,
    get(o, 'allowInsecureProxyUrl') === true,
    signalOk,
    ...(lookup ? [undefined, undefined] : [progressOk, key]),
    ...(absent(h) ? [undefined] : isObject(h) ? headers(h) : [false]),
  ];
  return {
    slots,
    // A caller's key marks a resend of an earlier attempt (see coreAnswer).
    resend: typeof key === 'string',
    proxyUrl: typeof proxyUrl === 'string' ? proxyUrl.trim() : '',
    signal: signalOk === true ? signal : undefined,
    onProgress: progressOk === true ? onProgress : undefined,
  };
}

/**
 * `encodeAttachment`'s arguments: {slots, blob}: the File/Blob's slots as an attachment's,
 * then timeoutMs. An option that cannot be read counts as absent.
 */
export function readFile(file, options) {
  const given = (k, as = text) => {
    const v = isObject(options) ? get(options, k) : undefined;
    return v === UNREADABLE ? undefined : as(v);
  };
  const found = asBlob(file);
  const names = isObject(options) ? [given('fileName'), given('mimeType')] : null;
  return { slots: [!!found, ...(found ? blobSlots(found, names) : []), given('timeoutMs', number)], blob: found?.blob };
}
