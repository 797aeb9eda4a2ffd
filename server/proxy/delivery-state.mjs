// What a patient is told about a sent message, from the MDNs known for it:
//
//   delivered    a `dispatched` MDN: it reached the recipient's mailbox or application (final)
//   failed       a `failed` MDN and no `dispatched` one (final)
//   received     `processed`, `received`, `deleted` or `denied`: it reached the clinic's system
//   sent         no MDN yet, within `unconfirmedAfterMs` of the send
//   unconfirmed  no MDN after that: a failure often yields no MDN at all, so this is never
//                shown as delivered; a later MDN still changes it
//
// An MDN never means "read".

export const DELIVERY_STATES = Object.freeze(['sent', 'received', 'delivered', 'failed', 'unconfirmed']);
const REACHED = new Set(['processed', 'received', 'deleted', 'denied']);
/** The order of MDNs that came at the same time: a message's life. */
const LIFE = ['received', 'processed', 'dispatched', 'deleted', 'denied', 'failed'];

const iso = (ms) => new Date(ms).toISOString();

/**
 * Merges MDN events: one per status, the earliest time kept, in time order.
 * `events`: [{status, at (ms)}].
 */
export function mergeEvents(...lists) {
  const first = new Map();
  for (const list of lists) {
    for (const { status, at } of list) {
      if (!first.has(status) || at < first.get(status)) first.set(status, at);
    }
  }
  const rank = (status) => LIFE.indexOf(status);
  return [...first].map(([status, at]) => ({ status, at })).sort((a, b) => a.at - b.at || rank(a.status) - rank(b.status));
}

/**
 * The answer `{messageId, state, final, events: [{status, at}], sentAt, updatedAt}` (times as
 * ISO 8601) for a message sent at `sentAt` (ms) with `events` ({status, at (ms)}), at `now`.
 * `updatedAt` is when the state last changed.
 */
export function deliveryStatus({ messageId, events, sentAt, now, unconfirmedAfterMs }) {
  const merged = mergeEvents(events);
  const at = (status) => merged.find((e) => e.status === status)?.at;
  let state;
  let updatedAt;
  if (at('dispatched') !== undefined) {
    state = 'delivered';
    updatedAt = at('dispatched');
  } else if (at('failed') !== undefined) {
    state = 'failed';
    updatedAt = at('failed');
  } else if (merged.some((e) => REACHED.has(e.status))) {
    state = 'received';
    updatedAt = Math.min(...merged.filter((e) => REACHED.has(e.status)).map((e) => e.at));
  } else if (now - sentAt >= unconfirmedAfterMs) {
    state = 'unconfirmed';
    updatedAt = sentAt + unconfirmedAfterMs;
  } else {
    state = 'sent';
    updatedAt = sentAt;
  }
  return {
    messageId,
    state,
    final: state === 'delivered' || state === 'failed',
    events: merged.map((e) => ({ status: e.status, at: iso(e.at) })),
    sentAt: iso(sentAt),
    updatedAt: iso(updatedAt),
  };
}
