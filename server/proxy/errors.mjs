// The proxy's own answers: JSON `{"error": "<code>", "message": "<sentence>"}` with a status.
// Codes marked `forwarded: false` guarantee that nothing reached Updox for that request.

/** Status, sentence and whether Updox may have received the request, by error code. */
export const ERRORS = Object.freeze({
  not_found: [404, 'No such route.', false],
  method_not_allowed: [405, 'Only POST is accepted here.', false],
  origin_not_allowed: [403, 'This origin is not allowed to call the proxy.', false],
  host_not_allowed: [421, 'This host name is not served here (set allowedHosts for the names the proxy is reached by).', false],
  unsupported_media_type: [415, 'The request body must be JSON (Content-Type: application/json).', false],
  payload_too_large: [413, 'The request is too large.', false],
  invalid_json: [400, 'The request body must be a JSON object.', false],
  invalid_request: [400, 'The request body does not have the expected shape.', false],
  invalid_idempotency_key: [400, 'The Idempotency-Key header must be 1 to 255 visible ASCII characters.', false],
  idempotency_key_required: [400, 'An Idempotency-Key header is required.', false],
  idempotency_key_reused: [422, 'This Idempotency-Key was already used with a different request.', false],
  unauthorized: [401, 'Sign in again to send messages.', false],
  sender_mismatch: [403, 'The message must be sent as the signed-in patient.', false],
  rate_limited: [429, 'Too many requests; try again later.', false],
  proxy_busy: [503, 'The proxy is busy; nothing was sent. Try again shortly.', false],
  idempotency_store_full: [503, 'The proxy is busy; nothing was sent. Try again shortly.', false],
  idempotency_unavailable: [503, 'The proxy cannot guarantee single delivery right now; nothing was sent. Try again shortly.', false],
  upstream_unreachable: [502, 'Updox could not be reached; nothing was sent.', false],
  request_in_progress: [409, 'A request with this Idempotency-Key is still being processed; try again shortly.', true],
  upstream_timeout: [504, 'Updox did not answer in time; the message may or may not have been delivered.', true],
  upstream_connection_lost: [502, 'The connection to Updox was lost after the message was sent; it may or may not have been delivered.', true],
  upstream_response_too_large: [502, 'Updox sent an answer too large to relay.', true],
  answer_not_replayable: [502, 'The first request with this Idempotency-Key reached Updox, but its answer was too large to keep.', true],
  internal_error: [500, 'The proxy failed unexpectedly.', true],
  body_timeout: [408, 'The message arrived too slowly; nothing was sent. Try again.', false],
  demo_not_local: [403, 'This demo proxy only serves this machine.', false],
  outcome_unknown: [
    409,
    'An earlier attempt to send this message reached Updox and its outcome is unknown, so it was not sent again. ' +
      'Do not write it again: ask the practice whether it arrived.',
    true,
  ],
});

export const JSON_TYPE = 'application/json; charset=utf-8';

/**
 * An answer (what is sent to the client, and what is remembered for an idempotency key):
 * {status, contentType, body: Buffer, headers?}.
 */
export function errorAnswer(code, headers, path) {
  const [status, message] = ERRORS[code];
  const fields = path === undefined ? { error: code, message } : { error: code, message, path };
  const answer = { status, contentType: JSON_TYPE, body: Buffer.from(JSON.stringify(fields)) };
  if (headers) answer.headers = headers;
  return answer;
}
