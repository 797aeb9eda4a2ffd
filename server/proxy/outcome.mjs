// The one outcome rule: what a forwarded send's result proves, and so what the idempotency
// store keeps for its key.
//   'final'          Updox answered with its JSON envelope (success, or a failure that is
//                    final by the code table), or a gateway's 4xx page (other than 429):
//                    stored and replayed for the key's whole life
//   'not_processed'  the answer proves Updox did not process the message (Updox 4010-4014:
//                    its credentials were refused; HTTP 429; a 5xx without Updox JSON: a
//                    gateway's refusal), or nothing reached it: not stored, a resend is forwarded
//   'unknown'        it may have been processed and the answer does not say (a timeout or a
//                    broken connection after the request went out, a success status
//                    without Updox's JSON): the key is blocked, a resend gets 409 `outcome_unknown`

const MAX_READ_ANSWER_BYTES = 64 * 1024;

/** Updox's envelope {successful, responseCode, messageId?} from an answer, or null. */
export function updoxEnvelope(answer) {
  if (!/^application\/(?:[\w.+-]+\+)?json\b/i.test(String(answer.contentType ?? ''))) return null;
  if (answer.body.length > MAX_READ_ANSWER_BYTES) return null;
  let value;
  try {
    value = JSON.parse(answer.body.toString('utf8'));
  } catch {
    return null;
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return null;
  if (typeof value.successful !== 'boolean' || !Number.isInteger(value.responseCode)) return null;
  const id = value.messageId;
  const messageId = (typeof id === 'number' && Number.isSafeInteger(id)) || (typeof id === 'string' && /^[\w-]{1,64}$/.test(id)) ? String(id) : null;
  return { successful: value.successful, responseCode: value.responseCode, messageId };
}

/**
 * Classifies postToUpdox's result: {outcome: 'final' | 'not_processed' | 'unknown', envelope}.
 */
export function outcomeOf(result) {
  switch (result.kind) {
    case 'answer': {
      const envelope = updoxEnvelope(result.answer);
      if (envelope) {
        const refusedCredentials = envelope.responseCode >= 4010 && envelope.responseCode <= 4014;
        return { outcome: refusedCredentials && !envelope.successful ? 'not_processed' : 'final', envelope };
      }
      const status = result.answer.status;
      if (status === 429 || status >= 500) return { outcome: 'not_processed', envelope: null };
      // A gateway's own refusal (4xx page): the same bytes would be refused again.
      if (status >= 400) return { outcome: 'final', envelope: null };
      return { outcome: 'unknown', envelope: null }; // a success status without Updox's JSON
    }
    case 'unreachable':
      return { outcome: 'not_processed', envelope: null };
    case 'timeout':
      return { outcome: result.connected ? 'unknown' : 'not_processed', envelope: null };
    default: // 'lost', 'too_large'
      return { outcome: 'unknown', envelope: null };
  }
}
