// The one error class the module rejects with. Defined in JavaScript so that callers can
// use `instanceof UpdoxError` and read plain properties. Its message is the sentence of its
// rule in the caller's locale (text.js).
import { sentence } from './text.js';

export class UpdoxError extends Error {
  constructor(message, details = {}) {
    super(message);
    this.name = 'UpdoxError';
    this.kind = details.kind;
    this.rule = details.rule ?? null;
    this.responseCode = details.responseCode ?? null;
    this.responseMessage = details.responseMessage ?? null;
    this.reason = details.reason ?? null;
    this.status = details.status ?? null;
    this.issues = details.issues ?? [];
    this.retryable = details.retryable === true;
  }
}

/**
 * The error for a failed call; `options` is what the call was given ({locale, messages}).
 * A validation error with one issue says that issue's sentence.
 */
export function makeUpdoxError(details, seconds, options) {
  const { kind, rule, issues } = details;
  const message =
    kind === 'validation' && issues.length === 1 ? issues[0].message : sentence(rule, { seconds }, options);
  return new UpdoxError(message, details);
}
