/**
 * Event Webhook events in the port's words (`MessagingEvent`), one per event of a verified batch:
 *
 * | SendGrid `event` | port event |
 * |---|---|
 * | `processed` | `STATUS` `SENT` |
 * | `delivered` | `STATUS` `DELIVERED` |
 * | `deferred` | `IGNORED` (a retry by the receiving server says nothing final) |
 * | `bounce` | `STATUS` `FAILED` (its `reason`, SMTP `status` as `errorCode`); `type: "bounce"` flags the address `INVALID`, `blocked` does not |
 * | `dropped` for a suppression (`Unsubscribed Address`, `Spam Reporting Address`, `Bounced Address`) | `STATUS` `SUPPRESSED` (`OPTED_OUT`, or `INVALID` for a bounced address) |
 * | `dropped` for any other reason | `STATUS` `FAILED` `dropped: <reason>` |
 * | `open`, `click` | `ENGAGEMENT` `OPENED` / `CLICKED` (`url`) |
 * | `unsubscribe`, `spamreport`, `group_unsubscribe` of our group | `OPT_OUT` of the address |
 * | `group_resubscribe` of our group | `OPT_IN` of the address |
 * | a group event of another group, any other event, an entry that is not an event | `IGNORED` with the reason |
 *
 * Ids: `lg_reminder_id` (our custom arg, a top-level key of every event) first, then `sg_message_id`
 * up to its first `.` (which equals the send's `X-Message-Id`). Dedupe key: `sg_event_id`; an event
 * without one gets a digest of its own JSON, which a redelivery repeats.
 */
import { createHash } from 'node:crypto';
import { z } from 'zod';
import type { MessagingEvent, RecipientFlag } from '../port';
import { CUSTOM_ARGS } from './mail';

/**
 * One event as SendGrid posts it; only the keys the mapping reads are checked, the rest pass. A key
 * of an unexpected type reads as absent rather than losing the whole event.
 */
export const sendgridEventSchema = z.looseObject({
  event: z.string().min(1),
  email: z.string().optional().catch(undefined),
  timestamp: z.number().int().nonnegative().optional().catch(undefined),
  sg_event_id: z.string().min(1).optional().catch(undefined),
  sg_message_id: z.string().min(1).optional().catch(undefined),
  reason: z.string().optional().catch(undefined),
  status: z.string().optional().catch(undefined),
  type: z.string().optional().catch(undefined),
  url: z.string().optional().catch(undefined),
  asm_group_id: z.number().int().optional().catch(undefined),
  [CUSTOM_ARGS.reminderId]: z.string().min(1).optional().catch(undefined),
});

export type SendgridEvent = z.output<typeof sendgridEventSchema>;

/** `dropped` reasons that mean a suppression list, and what each says about the recipient. */
const SUPPRESSION_DROPS: ReadonlyArray<[RegExp, RecipientFlag]> = [
  [/unsubscribed/i, 'OPTED_OUT'],
  [/spam report/i, 'OPTED_OUT'],
  [/bounced address/i, 'INVALID'],
];

const OPT_OUT_EVENTS = new Set(['unsubscribe', 'spamreport', 'group_unsubscribe']);

/** The dedupe key of an entry without `sg_event_id`: a digest of its JSON (a redelivery carries the same bytes). */
function derivedEventId(entry: unknown): string {
  return `sha256:${createHash('sha256').update(JSON.stringify(entry)).digest('hex').slice(0, 32)}`;
}

/** `sg_message_id` up to its first `.`: the `X-Message-Id` the send was answered with. */
export function providerMessageIdOf(sgMessageId: string | undefined): string | null {
  if (!sgMessageId) return null;
  return sgMessageId.split('.', 1)[0] || null;
}

/**
 * Each entry of a verified batch as a port event, in the batch's order (the flow orders states by
 * precedence, not arrival). `asmGroupId` is the connection's group: unsubscribes from another group
 * of the same account do not stop reminders, since SendGrid keeps mailing that address in ours.
 */
export function toMessagingEvents(entries: readonly unknown[], asmGroupId: number): MessagingEvent[] {
  return entries.map((entry) => toMessagingEvent(entry, asmGroupId));
}

export function toMessagingEvent(entry: unknown, asmGroupId: number): MessagingEvent {
  const parsed = sendgridEventSchema.safeParse(entry);
  if (!parsed.success) {
    const where = parsed.error.issues.map((issue) => issue.path.join('.') || '(event)').join(', ');
    return { type: 'IGNORED', eventId: derivedEventId(entry), occurredAt: null, reason: `not a SendGrid event (check ${where})` };
  }
  const event = parsed.data;
  const base = {
    eventId: event.sg_event_id ?? derivedEventId(entry),
    occurredAt: event.timestamp === undefined ? null : new Date(event.timestamp * 1000).toISOString(),
  };
  const reminderId = event[CUSTOM_ARGS.reminderId] ?? null;
  const providerMessageId = providerMessageIdOf(event.sg_message_id);
  const status = (
    value: 'SENT' | 'DELIVERED' | 'FAILED' | 'SUPPRESSED',
    failureReason: string | null = null,
    errorCode: string | null = null,
    recipient: RecipientFlag | null = null,
  ): MessagingEvent => ({
    ...base,
    type: 'STATUS',
    reminderId,
    providerMessageId,
    status: value,
    failureReason,
    errorCode,
    recipient,
  });

  switch (event.event) {
    case 'processed':
      return status('SENT');
    case 'delivered':
      return status('DELIVERED');
    case 'deferred':
      return { ...base, type: 'IGNORED', reason: 'deferred: the receiving server will be tried again' };
    case 'bounce': {
      const blocked = event.type === 'blocked';
      const reason = `${blocked ? 'blocked' : 'bounced'}${event.reason ? `: ${event.reason}` : ''}`;
      return status('FAILED', reason, event.status ?? null, blocked ? null : 'INVALID');
    }
    case 'dropped': {
      const why = event.reason ?? 'no reason given';
      const suppression = SUPPRESSION_DROPS.find(([pattern]) => pattern.test(why));
      if (suppression) return status('SUPPRESSED', `suppressed: ${why}`, null, suppression[1]);
      return status('FAILED', `dropped: ${why}`, null, /^invalid/i.test(why) ? 'INVALID' : null);
    }
    case 'open':
      return { ...base, type: 'ENGAGEMENT', action: 'OPENED', reminderId, providerMessageId, url: null };
    case 'click':
      return { ...base, type: 'ENGAGEMENT', action: 'CLICKED', reminderId, providerMessageId, url: event.url ?? null };
    case 'unsubscribe':
    case 'spamreport':
    case 'group_unsubscribe':
    case 'group_resubscribe': {
      const isGroupEvent = event.event.startsWith('group_');
      if (isGroupEvent && event.asm_group_id !== undefined && event.asm_group_id !== asmGroupId) {
        return {
          ...base,
          type: 'IGNORED',
          reason: `${event.event} of unsubscribe group ${event.asm_group_id}, not ours (${asmGroupId})`,
        };
      }
      if (!event.email) return { ...base, type: 'IGNORED', reason: `${event.event} without an email` };
      return { ...base, type: OPT_OUT_EVENTS.has(event.event) ? 'OPT_OUT' : 'OPT_IN', recipient: event.email, reminderId };
    }
    default:
      return { ...base, type: 'IGNORED', reason: `event "${event.event}" is not one the gateway uses` };
  }
}
