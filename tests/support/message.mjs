// The one valid message of the test suites, derived from Updox's documented sample request
// (tests/fixtures/updox-sample-request.json): what a page sends, so without the `auth`
// block, which only the proxy adds.
import { readFileSync } from 'node:fs';

const SAMPLE = Object.freeze(
  JSON.parse(readFileSync(new URL('../fixtures/updox-sample-request.json', import.meta.url), 'utf8')),
);

/** Updox's sample request as documented, `auth` block included (a fresh copy). */
export const updoxSampleRequest = () => structuredClone(SAMPLE);

/** The sample's patient demographics, with `overrides`. */
export const validDemographics = (overrides = {}) => ({ ...structuredClone(SAMPLE.patientDemographics), ...overrides });

/**
 * A valid text-only message: the sample's recipient, subject, text and demographics, no
 * attachments, no auth; `overrides` replace top-level fields.
 */
export function validMessage(overrides = {}) {
  const { to, subject, textMessage } = SAMPLE;
  return { to, subject, textMessage, attachments: [], patientDemographics: validDemographics(), ...overrides };
}

/** The same message with the sender as `from: "patient:ID"` instead of demographics. */
export function validMessageFrom(patientId = SAMPLE.patientDemographics.patientId, overrides = {}) {
  const { patientDemographics, ...rest } = validMessage();
  return { ...rest, from: `patient:${patientId}`, ...overrides };
}

/** The sample with its attachment, as a page sends it (no auth). */
export function sampleMessage() {
  const { auth, ...message } = updoxSampleRequest();
  return message;
}
