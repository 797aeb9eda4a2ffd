// An offset-based JSON reader over one Buffer: it validates the whole document (RFC 8259
// grammar, UTF-8) and reports where each member of an object starts and ends, without
// building strings or objects for the values. The proxy uses it to read the few small fields
// it needs from bodies of tens of megabytes, and to cut and splice bytes by offset.
// Memory is bounded by construction: nesting deeper than MAX_DEPTH and objects read member by
// member with more than their cap of members are refused, so what it keeps is a few dozen
// records whatever the body holds.
import { isUtf8 } from 'node:buffer';

export class JsonSyntaxError extends Error {
  constructor(at) {
    super(`not valid JSON (byte ${at})`);
    this.name = 'JsonSyntaxError';
    this.at = at;
  }
}

/** A body within the grammar but beyond what the proxy reads: too deep, or too many members. */
export class JsonLimitError extends Error {
  constructor(why) {
    super(why);
    this.name = 'JsonLimitError';
  }
}

/** Deepest nesting of objects and arrays accepted (a message needs 3). */
export const MAX_DEPTH = 32;
/** Most members of an object whose members are listed (a message has 7 at most). */
export const MAX_MEMBERS = 64;

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const COLON = 0x3a;
const OPEN_OBJECT = 0x7b;
const CLOSE_OBJECT = 0x7d;
const OPEN_ARRAY = 0x5b;
const CLOSE_ARRAY = 0x5d;
// A key longer than this (in bytes, escapes included) is never decoded: no name the proxy
// looks for is that long, even written entirely in \u escapes.
const MAX_DECODED_KEY_BYTES = 1024;

function ws(buf, i) {
  for (;;) {
    const c = buf[i];
    if (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) i++;
    else return i;
  }
}

const isHex = (c) => (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x46) || (c >= 0x61 && c <= 0x66);

/** `buf[i]` is a quote; returns the index after the closing quote. */
function string(buf, i) {
  const n = buf.length;
  i++;
  while (i < n) {
    const c = buf[i];
    if (c > QUOTE && c !== BACKSLASH) {
      i++; // the common case, first
      continue;
    }
    if (c === QUOTE) return i + 1;
    if (c === BACKSLASH) {
      const e = buf[i + 1];
      if (e === 0x75) {
        if (!(isHex(buf[i + 2]) && isHex(buf[i + 3]) && isHex(buf[i + 4]) && isHex(buf[i + 5]))) throw new JsonSyntaxError(i);
        i += 6;
      } else if (e === QUOTE || e === BACKSLASH || e === 0x2f || e === 0x62 || e === 0x66 || e === 0x6e || e === 0x72 || e === 0x74) {
        i += 2;
      } else throw new JsonSyntaxError(i);
    } else if (c < 0x20) throw new JsonSyntaxError(i);
    else i++;
  }
  throw new JsonSyntaxError(i);
}

const isDigit = (c) => c >= 0x30 && c <= 0x39;

function number(buf, i) {
  const start = i;
  if (buf[i] === 0x2d) i++;
  if (buf[i] === 0x30) i++;
  else if (buf[i] >= 0x31 && buf[i] <= 0x39) while (isDigit(buf[i])) i++;
  else throw new JsonSyntaxError(start);
  if (buf[i] === 0x2e) {
    i++;
    if (!isDigit(buf[i])) throw new JsonSyntaxError(i);
    while (isDigit(buf[i])) i++;
  }
  if (buf[i] === 0x65 || buf[i] === 0x45) {
    i++;
    if (buf[i] === 0x2b || buf[i] === 0x2d) i++;
    if (!isDigit(buf[i])) throw new JsonSyntaxError(i);
    while (isDigit(buf[i])) i++;
  }
  return i;
}

function literal(buf, i, text) {
  for (let k = 0; k < text.length; k++) if (buf[i + k] !== text.charCodeAt(k)) throw new JsonSyntaxError(i);
  return i + text.length;
}

/** A key and its colon, from `i` (whitespace allowed before); returns the index after the colon. */
function keyAndColon(buf, i) {
  i = ws(buf, i);
  if (buf[i] !== QUOTE) throw new JsonSyntaxError(i);
  i = ws(buf, string(buf, i));
  if (buf[i] !== COLON) throw new JsonSyntaxError(i);
  return i + 1;
}

/**
 * Validates the JSON value at `i` (whitespace allowed before it) and returns
 * {start, end}: where it starts and the index just after it. Nesting is followed with an
 * explicit stack, so depth cannot exhaust the call stack.
 */
export function skipValue(buf, i, depth = 0) {
  const stack = [];
  const room = MAX_DEPTH - depth;
  i = ws(buf, i);
  const start = i;
  for (;;) {
    i = ws(buf, i);
    const c = buf[i];
    if ((c === OPEN_OBJECT || c === OPEN_ARRAY) && stack.length >= room) throw new JsonLimitError(`nested deeper than ${MAX_DEPTH} levels`);
    if (c === OPEN_OBJECT) {
      i = ws(buf, i + 1);
      if (buf[i] === CLOSE_OBJECT) i++;
      else {
        stack.push(CLOSE_OBJECT);
        i = keyAndColon(buf, i);
        continue;
      }
    } else if (c === OPEN_ARRAY) {
      i = ws(buf, i + 1);
      if (buf[i] === CLOSE_ARRAY) i++;
      else {
        stack.push(CLOSE_ARRAY);
        continue;
      }
    } else if (c === QUOTE) i = string(buf, i);
    else if (c === 0x74) i = literal(buf, i, 'true');
    else if (c === 0x66) i = literal(buf, i, 'false');
    else if (c === 0x6e) i = literal(buf, i, 'null');
    else i = number(buf, i);
    // A value is complete: close what it completes, or move to the next element.
    for (;;) {
      if (stack.length === 0) return { start, end: i };
      i = ws(buf, i);
      const close = stack[stack.length - 1];
      if (buf[i] === COMMA) {
        i = close === CLOSE_OBJECT ? keyAndColon(buf, i + 1) : i + 1;
        break;
      }
      if (buf[i] !== close) throw new JsonSyntaxError(i);
      stack.pop();
      i++;
    }
  }
}

function decodeKey(buf, keyStart, keyEnd) {
  if (keyEnd - keyStart > MAX_DECODED_KEY_BYTES) return null;
  return JSON.parse(buf.toString('utf8', keyStart, keyEnd));
}

/**
 * The members of the object at `i` (whitespace allowed before it). Each member:
 * {key (decoded, or null when too long to be a name of interest), keyStart, valueStart,
 * valueEnd, first (the value's first byte)}. Also returns `close` (index of the closing
 * brace) and `end` (index after it).
 */
export function objectMembers(buf, i, { depth = 0, maxMembers = MAX_MEMBERS } = {}) {
  i = ws(buf, i);
  if (buf[i] !== OPEN_OBJECT) throw new JsonSyntaxError(i);
  const start = i;
  const members = [];
  i = ws(buf, i + 1);
  if (buf[i] === CLOSE_OBJECT) return { start, members, close: i, end: i + 1 };
  for (;;) {
    i = ws(buf, i);
    if (buf[i] !== QUOTE) throw new JsonSyntaxError(i);
    const keyStart = i;
    const keyEnd = string(buf, i);
    i = ws(buf, keyEnd);
    if (buf[i] !== COLON) throw new JsonSyntaxError(i);
    if (members.length >= maxMembers) throw new JsonLimitError(`more than ${maxMembers} members`);
    const value = skipValue(buf, i + 1, depth + 1);
    members.push({
      key: decodeKey(buf, keyStart, keyEnd),
      keyStart,
      valueStart: value.start,
      valueEnd: value.end,
      first: buf[value.start],
    });
    i = ws(buf, value.end);
    if (buf[i] === COMMA) {
      i++;
      continue;
    }
    if (buf[i] !== CLOSE_OBJECT) throw new JsonSyntaxError(i);
    return { start, members, close: i, end: i + 1 };
  }
}

/** Validates `buf` as a UTF-8 JSON document whose value is an object; returns its members. */
export function scanJsonObject(buf) {
  if (!isUtf8(buf)) throw new JsonSyntaxError(0);
  const object = objectMembers(buf, 0);
  if (ws(buf, object.end) !== buf.length) throw new JsonSyntaxError(object.end);
  return object;
}

/** The value of a member, parsed (only for small values: the caller bounds the size). */
export const memberValue = (buf, member) => JSON.parse(buf.toString('utf8', member.valueStart, member.valueEnd));
