/**
 * One store read per status event, however many subscribers receive it. Every subscriber of a
 * transaction re-reads the row when its status changes — with 10,000 subscribers, 10,000 identical
 * reads at once. Reads for the same event (the bus's `eventId`) share one query. Sharing by event,
 * not by transaction, is what keeps it correct: a read begun for an older event, before the newer
 * change was durable, is never handed to the subscribers of the newer one.
 */
import type { StatusEvent } from '../../transactions/status-bus';
import type { TransactionRow } from '../../transactions/types';

/**
 * Put on a subscription payload: the identity of what it shows (the event and the status), so the
 * websocket server may render one result for every subscriber of that event (see
 * src/server/fanout.ts and src/server/shared-subscription-results.ts).
 */
export const SHARED_EVENT_KEY = Symbol('ledger.sharedEventKey');

const inFlight = new Map<string, Promise<TransactionRow | null>>();

export function readForEvent(
  event: StatusEvent,
  read: (practiceId: string, transactionId: string) => Promise<TransactionRow | null>,
): Promise<TransactionRow | null> {
  if (!event.eventId) return read(event.practiceId, event.transactionId);
  const key = `${event.eventId}\u0000${event.practiceId}\u0000${event.transactionId}`;
  let pending = inFlight.get(key);
  if (!pending) {
    pending = read(event.practiceId, event.transactionId).finally(() => inFlight.delete(key));
    inFlight.set(key, pending);
  }
  return pending;
}
