// The one error class the module rejects (or throws) with: callers use `instanceof
// UpdoxError` and read plain properties. The wasm builds each (src/wasm/errors.rs), with the
// sentence of its rule in the caller's locale as its message.

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
    // Without a word from the module, whether a message went is not known.
    this.delivery = details.delivery ?? 'unknown';
    this.idempotencyKey = details.idempotencyKey ?? null;
  }
}
