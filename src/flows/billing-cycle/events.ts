/**
 * A messaging provider's verified events applied once each: every event id is recorded in
 * `messaging_events` in the same SQL transaction as its effect, so a redelivery changes nothing;
 * statuses only move forward (`applyStatus`), so events out of order settle where they should.
 *
 * - STATUS: the reminder (by our id, else the provider's message id) moves forward; a final status
 *   that says something about the recipient (a hard bounce, 21610, 21211) flags her.
 * - OPT_OUT / OPT_IN: the recipient's opt-out flag on this adapter's channel, for the whole practice.
 * - ENGAGEMENT / IGNORED: recorded (deduplicated), nothing else.
 */
import type { Channel, MessagingEvent } from '../../adapters/messaging/port';
import type { BillingContext } from './context';
import { recipientKey } from './recipients';
import { applyStatus, clearOptOut, recordEvent, setFlag } from './reminder-store';

export async function applyMessagingEvents(
  flow: BillingContext,
  practiceId: string,
  system: string,
  channel: Channel,
  events: readonly MessagingEvent[],
): Promise<string> {
  const { ctx } = flow;
  const now = ctx.now();
  const cycles = new Set<string>();
  let applied = 0;
  await ctx.store.sql.transaction(async (tx) => {
    for (const event of events) {
      if (!(await recordEvent(tx, practiceId, system, event.eventId, now))) continue;
      applied += 1;
      if (event.type === 'STATUS') {
        const changed = await applyStatus(
          tx,
          practiceId,
          system,
          { reminderId: event.reminderId, providerMessageId: event.providerMessageId },
          { status: event.status, failureReason: event.failureReason, errorCode: event.errorCode, at: now },
        );
        if (changed?.cycleId) cycles.add(changed.cycleId);
        const key = changed ? recipientKey(changed.channel, changed.recipient) : null;
        if (changed && key && event.recipient && (event.status === 'FAILED' || event.status === 'SUPPRESSED')) {
          await setFlag(
            tx,
            practiceId,
            changed.channel,
            key,
            event.recipient,
            event.failureReason ?? event.recipient.toLowerCase(),
            now,
          );
        }
      } else if (event.type === 'OPT_OUT' || event.type === 'OPT_IN') {
        const key = recipientKey(channel, event.recipient);
        if (!key) continue;
        if (event.type === 'OPT_OUT') await setFlag(tx, practiceId, channel, key, 'OPTED_OUT', 'opted out', now);
        else await clearOptOut(tx, practiceId, channel, key);
      }
    }
  });
  for (const cycleId of cycles) flow.notify(cycleId);
  return applied === 0 ? 'duplicate' : 'applied';
}
