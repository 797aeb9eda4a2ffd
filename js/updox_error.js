// The one error class the module rejects with. Defined in JavaScript so that callers can
// use `instanceof UpdoxError` and read plain properties.
export class UpdoxError extends Error {
  constructor(message, details = {}) {
    super(message);
    this.name = 'UpdoxError';
    this.kind = details.kind;
    this.responseCode = details.responseCode ?? null;
    this.responseMessage = details.responseMessage ?? null;
    this.reason = details.reason ?? null;
    this.status = details.status ?? null;
    this.issues = details.issues ?? [];
    this.retryable = details.retryable === true;
  }
}

export function makeUpdoxError(message, details) {
  return new UpdoxError(message, details);
}
