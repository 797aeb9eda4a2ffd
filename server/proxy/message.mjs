// What the proxy reads from a PatientDirectMessageSend body, by offset (json-scan.mjs), and
// how it replaces the `auth` block in the raw bytes: the body is never parsed into an object
// and never re-serialised, so a 27 MB body is held once.
import { memberValue, objectMembers, scanJsonObject } from './json-scan.mjs';

// A value longer than this cannot be a sender the proxy accepts (a patient ID is at most
// 128 characters), so it is not decoded.
const MAX_SENDER_VALUE_BYTES = 4096;

/** The members a message may have; anything else is refused before it reaches Updox. */
export const MESSAGE_MEMBERS = Object.freeze(['to', 'subject', 'textMessage', 'from', 'patientDemographics', 'attachments', 'auth']);
/** The members patientDemographics may have. */
export const DEMOGRAPHICS_MEMBERS = Object.freeze([
  'patientId',
  'firstName',
  'middleName',
  'lastName',
  'dateOfBirth',
  'gender',
  'emailAddress',
]);

export class BodyShapeError extends Error {
  /** `path`: the member at fault, e.g. `patientDemographics.__proto__`. */
  constructor(why, path) {
    super(why);
    this.name = 'BodyShapeError';
    this.path = path;
  }
}

const pathOf = (prefix, member) => `${prefix}${member.key ?? '(a member name over 1 KiB)'}`;

/**
 * The members of an object by name, refusing any name not in `allowed` (exact spelling: a
 * member spelt in another case could be read as another by a lenient binder) and any name
 * given twice: the proxy and Updox must not be able to read different senders or
 * credentials from the same bytes.
 */
function allowOnly(members, allowed, prefix) {
  const found = {};
  for (const m of members) {
    if (m.key === null || !allowed.includes(m.key)) throw new BodyShapeError('a member the proxy does not forward', pathOf(prefix, m));
    if (Object.hasOwn(found, m.key)) throw new BodyShapeError('a member given twice', pathOf(prefix, m));
    found[m.key] = m;
  }
  return found;
}

/** A small value (a string or null), or `undefined` when it is large or not a string/null. */
function smallValue(buf, member) {
  if (!member) return undefined;
  if (member.valueEnd - member.valueStart > MAX_SENDER_VALUE_BYTES) return { kind: 'other' };
  const value = memberValue(buf, member);
  if (value === null) return { kind: 'null' };
  return typeof value === 'string' ? { kind: 'string', value } : { kind: 'other' };
}

const isNull = (buf, member) => member.first === 0x6e; // a valid value starting with n is null

/**
 * Reads a send body: validates it as a JSON object (JsonSyntaxError, JsonLimitError
 * otherwise), checks its members against the allow-lists and that it names exactly one
 * sender (BodyShapeError with the member's path otherwise), and returns {object, auth (the
 * member or undefined), from, patientId}: `from` and `patientId` as {kind: 'string', value} |
 * {kind: 'other'} | undefined (absent), where `patientId` is `patientDemographics.patientId`.
 */
export function readSendBody(buf) {
  const object = scanJsonObject(buf);
  const top = allowOnly(object.members, MESSAGE_MEMBERS, '');
  const from = top.from && !isNull(buf, top.from) ? top.from : undefined;
  const demographics = top.patientDemographics && !isNull(buf, top.patientDemographics) ? top.patientDemographics : undefined;
  if (from && demographics) throw new BodyShapeError('both from and patientDemographics: exactly one sender', 'patientDemographics');
  if (!from && !demographics) throw new BodyShapeError('neither from nor patientDemographics: exactly one sender', 'from');
  let patientId;
  if (demographics) {
    if (demographics.first !== 0x7b) throw new BodyShapeError('patientDemographics must be an object', 'patientDemographics');
    const inner = objectMembers(buf, demographics.valueStart, { depth: 1 });
    const fields = allowOnly(inner.members, DEMOGRAPHICS_MEMBERS, 'patientDemographics.');
    patientId = smallValue(buf, fields.patientId) ?? { kind: 'other' };
  }
  return { object, auth: top.auth, from: smallValue(buf, from), patientId };
}

/** True when the body's one sender (`from`, or `patientDemographics.patientId`) is the authenticated patient. */
export function senderIs(read, patientId) {
  if (read.from) return read.from.kind === 'string' && read.from.value === `patient:${patientId}`;
  return read.patientId?.kind === 'string' && read.patientId.value === patientId;
}

/**
 * The body to forward, as segments written one after another (never concatenated): the
 * received bytes without any `auth` member, and the server's `auth` as the last member.
 */
export function withServerAuth(buf, read, authJson) {
  const { members, close } = read.object;
  const segments = [];
  const kept = members.length - (read.auth ? 1 : 0);
  if (read.auth) {
    const i = members.indexOf(read.auth);
    let cutStart;
    let cutEnd;
    if (i > 0) {
      cutStart = members[i - 1].valueEnd; // from the comma before it
      cutEnd = read.auth.valueEnd;
    } else if (members.length > 1) {
      cutStart = read.auth.keyStart; // up to the next member, its comma included
      cutEnd = members[1].keyStart;
    } else {
      cutStart = read.auth.keyStart;
      cutEnd = read.auth.valueEnd;
    }
    segments.push(buf.subarray(0, cutStart), buf.subarray(cutEnd, close));
  } else segments.push(buf.subarray(0, close));
  segments.push(Buffer.from(`${kept > 0 ? ',' : ''}"auth":${authJson}}`));
  return segments.filter((s) => s.length > 0);
}
