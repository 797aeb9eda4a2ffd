// What the proxy reads from a PatientDirectMessageSend body, by offset (json-scan.mjs), and
// how it replaces the `auth` block in the raw bytes: the body is never parsed into an object
// and never re-serialised, so a 27 MB body is held once.
import { memberValue, objectMembers, scanJsonObject } from './json-scan.mjs';

// A value longer than this cannot be a sender the proxy accepts (a patient ID is at most
// 128 characters), so it is not decoded.
const MAX_SENDER_VALUE_BYTES = 4096;

/** Case-folds the way lenient JSON binders compare names (Java's equalsIgnoreCase folds ı, ſ, K). */
const fold = (name) => name.toUpperCase().toLowerCase();

export class BodyShapeError extends Error {
  constructor(why) {
    super(why);
    this.name = 'BodyShapeError';
  }
}

/**
 * The members named `names` (exact spelling) among `members`, refusing a body that spells one
 * of them twice or in another case: the proxy and Updox must not be able to read different
 * senders or credentials from the same bytes.
 */
function pick(members, names) {
  const wanted = new Map(names.map((n) => [fold(n), n]));
  const found = {};
  for (const m of members) {
    if (m.key === null) continue;
    const canonical = wanted.get(fold(m.key));
    if (canonical === undefined) continue;
    if (m.key !== canonical) throw new BodyShapeError(`a member spelt like ${canonical}`);
    if (found[canonical]) throw new BodyShapeError(`${canonical} given twice`);
    found[canonical] = m;
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

/**
 * Reads a send body: validates it as a JSON object (JsonSyntaxError otherwise) and returns
 * {object, auth (the member or undefined), from, patientId}: `from` and `patientId` as
 * {kind: 'string', value} | {kind: 'null'} | {kind: 'other'} | undefined (absent), where
 * `patientId` is `patientDemographics.patientId` (kind 'other' when the demographics are
 * not an object).
 */
export function readSendBody(buf) {
  const object = scanJsonObject(buf);
  const { auth, from, patientDemographics } = pick(object.members, ['auth', 'from', 'patientDemographics']);
  let patientId;
  if (patientDemographics) {
    if (patientDemographics.first === 0x7b) {
      const inner = objectMembers(buf, patientDemographics.valueStart);
      patientId = smallValue(buf, pick(inner.members, ['patientId']).patientId);
    } else if (smallValue(buf, patientDemographics)?.kind === 'null') {
      patientId = undefined; // `patientDemographics: null` is no demographics
    } else patientId = { kind: 'other' };
  }
  return { object, auth, from: smallValue(buf, from), patientId };
}

/**
 * True when the body's sender is the authenticated patient: every sender it names
 * (`from`, `patientDemographics.patientId`) is that patient, and it names at least one.
 */
export function senderIs(read, patientId) {
  const given = [];
  if (read.from && read.from.kind !== 'null') given.push(read.from.kind === 'string' && read.from.value === `patient:${patientId}`);
  if (read.patientId) given.push(read.patientId.kind === 'string' && read.patientId.value === patientId);
  return given.length > 0 && given.every(Boolean);
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
