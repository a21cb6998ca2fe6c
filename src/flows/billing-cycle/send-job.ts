/**
 * The `billing.remind` job: one reminder's message, sent at most once (see `reminder-store.ts`).
 *
 * - NOT_SENT: a canceled cycle's reminder is not sent (FAILED, "canceled"); inside the practice's
 *   quiet hours the job defers to their end (the reminder stays QUEUED); a flagged recipient (opted
 *   out, invalid) is SUPPRESSED / FAILED without calling the provider. Otherwise the claim
 *   (NOT_SENT → SENDING) commits, then the one `send`:
 *   - `ACCEPTED` / `REFUSED`: stored; a refusal about the recipient (Twilio 21610, 21211) flags her.
 *   - `UNKNOWN`: the request may have arrived: never sent again; settled below.
 *   - a thrown `UpstreamError` (nothing sent: an outage, a 429): the claim is given back and the job
 *     retries with the flow's backoff; the cycle finishes later.
 * - SENDING at the start of a run (the process died during the call): treated as `UNKNOWN`.
 * - UNKNOWN: settled by an event (the webhook route), or by the provider's listing (`findSent`)
 *   after `settleAfterMs`; unsettled after `settleGiveUpMs` it is FAILED (`unknown`), never resent.
 * - ACCEPTED without a final status: read back (`getMessage`) `readBackAfterMs` after the send.
 */
import { UpstreamError } from '../../adapters/ledger/port';
import type { MessageFor, MessagingAdapter, OutgoingMessage } from '../../adapters/messaging/port';
import type { JobOutcome } from '../../jobs/types';
import { DEFAULT_BILLING } from '../../config';
import type { BillingContext } from './context';
import { completeIfSent } from './cycle-job';
import { applyMessagingEvents } from './events';
import { getCycle } from './cycle-store';
import { reminderContent, reminderText } from './message';
import { nextSendTime } from './quiet-hours';
import { recipientKey } from './recipients';
import {
  claimSend,
  flagOf,
  getReminder,
  recordSend,
  releaseSend,
  setFlag,
  settleUnknown,
  type ReminderRow,
} from './reminder-store';

export async function remindJob(flow: BillingContext, reminderId: string, attempt: number): Promise<JobOutcome> {
  const { ctx } = flow;
  const sql = ctx.store.sql;
  const reminder = await getReminder(sql, reminderId);
  if (!reminder) return 'done';
  const finish = async (): Promise<JobOutcome> => {
    flow.notify(reminder.cycleId ?? '');
    if (reminder.cycleId) await completeIfSent(flow, reminder.cycleId);
    return 'done';
  };
  const adapter = flow.messagingFor(reminder.practiceId, reminder.channel);
  if (reminder.sendState === 'SENDING') {
    // The process died during the provider call: it may have arrived. Never send again.
    await recordSend(sql, reminderId, { sendState: 'UNKNOWN', status: 'QUEUED' }, ctx.now());
    return settle(flow, (await getReminder(sql, reminderId))!, adapter);
  }
  if (reminder.sendState === 'UNKNOWN') return settle(flow, reminder, adapter);
  if (reminder.sendState === 'ACCEPTED') return readBack(flow, reminder, adapter);
  if (reminder.sendState !== 'NOT_SENT') return finish();

  const cycle = reminder.cycleId ? await getCycle(sql, reminder.cycleId) : null;
  if (cycle && cycle.status === 'CANCELED') {
    await recordSend(
      sql,
      reminderId,
      { sendState: 'SKIPPED', status: 'FAILED', failureReason: 'the billing cycle was canceled' },
      ctx.now(),
    );
    return finish();
  }
  const { timeZone, billing } = flow.billingOf(reminder.practiceId);
  const now = ctx.now();
  const sendAt = nextSendTime(now, {
    quietHours: (billing ?? DEFAULT_BILLING).quietHours,
    timeZone,
  });
  if (sendAt.getTime() > now.getTime()) return { retryAt: sendAt, spendAttempt: false, reason: 'quiet hours' };

  const key = recipientKey(reminder.channel, reminder.recipient) ?? reminder.recipient;
  const flag = await flagOf(sql, reminder.practiceId, reminder.channel, key);
  if (flag) {
    await recordSend(
      sql,
      reminderId,
      { sendState: 'SKIPPED', status: flag.flag === 'OPTED_OUT' ? 'SUPPRESSED' : 'FAILED', failureReason: flag.reason },
      now,
    );
    return finish();
  }
  if (!adapter) {
    await recordSend(
      sql,
      reminderId,
      { sendState: 'SKIPPED', status: 'FAILED', failureReason: `the practice has no ${reminder.channel} messaging configured` },
      now,
    );
    return finish();
  }
  const checkout = await flow.collection.checkout(reminder.transactionId);
  if (!checkout) return { fail: `reminder ${reminderId}: transaction ${reminder.transactionId} has no checkout` };
  const claimed = await claimSend(sql, reminderId, ctx.now());
  if (!claimed) return finish();
  const message = messageOf(flow, claimed, checkout.payPageUrl);
  let outcome: Awaited<ReturnType<MessagingAdapter['send']>>;
  try {
    outcome = await adapter.send(message as MessageFor<typeof adapter.channel>);
  } catch (error) {
    if (error instanceof UpstreamError) {
      // Nothing was sent (the port's rule for a thrown error): give the claim back, retry later.
      await releaseSend(sql, reminderId, ctx.now());
      const delays = flow.options.sendRetryDelaysMs;
      const wait = delays[Math.min(attempt - 1, delays.length - 1)] ?? 1_000;
      return { retryAt: new Date(ctx.now().getTime() + wait), reason: `send failed, nothing sent: ${error.code}` };
    }
    // Anything else may have reached the provider: settle it, never resend.
    await recordSend(sql, reminderId, { sendState: 'UNKNOWN', status: 'QUEUED' }, ctx.now());
    return settle(flow, (await getReminder(sql, reminderId))!, adapter);
  }
  flow.hooks.afterSend?.(reminderId);
  const at = ctx.now();
  if (outcome.state === 'ACCEPTED') {
    await recordSend(
      sql,
      reminderId,
      {
        sendState: 'ACCEPTED',
        status: outcome.status,
        providerMessageId: outcome.providerMessageId,
        sentAt: outcome.status === 'SENT' ? outcome.acceptedAt : null,
      },
      at,
    );
  } else if (outcome.state === 'REFUSED') {
    await sql.transaction(async (tx) => {
      await recordSend(
        tx,
        reminderId,
        { sendState: 'REFUSED', status: outcome.status, failureReason: outcome.reason, errorCode: outcome.errorCode },
        at,
      );
      if (outcome.recipient) await setFlag(tx, reminder.practiceId, reminder.channel, key, outcome.recipient, outcome.reason, at);
    });
  } else {
    await recordSend(sql, reminderId, { sendState: 'UNKNOWN', status: 'QUEUED' }, at);
    flow.ctx.log.warn('reminder send answer lost; settling from the provider', { reminderId, reason: outcome.reason });
    return settle(flow, (await getReminder(sql, reminderId))!, adapter);
  }
  await finish();
  // The same job comes back later to read the status if no final event arrived by then.
  return outcome.state === 'ACCEPTED' ? readBack(flow, (await getReminder(sql, reminderId))!, adapter) : 'done';
}

const FINAL: ReadonlySet<ReminderRow['status']> = new Set(['DELIVERED', 'FAILED', 'SUPPRESSED']);

/**
 * An accepted send whose final status has not come (a status callback lost while no gateway
 * listened: Twilio does not retry them): `readBackAfterMs` after the send, and every as long after
 * until `readBackForMs`, the provider is asked (`getMessage`, where `capabilities.statusLookup`) and
 * its answer applied as an event would be (forward only, flags included). Never a send.
 */
async function readBack(flow: BillingContext, reminder: ReminderRow, adapter: MessagingAdapter | null): Promise<JobOutcome> {
  const { ctx, options } = flow;
  if (FINAL.has(reminder.status) || !reminder.providerMessageId) return 'done';
  if (!adapter?.capabilities.statusLookup || !adapter.getMessage) return 'done';
  const sentAt = new Date(reminder.sendStartedAt ?? reminder.createdAt).getTime();
  const now = ctx.now().getTime();
  const due = sentAt + options.readBackAfterMs;
  if (now < due) return { retryAt: new Date(due), spendAttempt: false, reason: 'reading the status back later' };
  const record = await adapter.getMessage(reminder.providerMessageId);
  if (record.status !== reminder.status) {
    await applyMessagingEvents(flow, reminder.practiceId, reminder.system, reminder.channel, [
      {
        type: 'STATUS',
        // One id per (message, status): a read-back and the late callback it stands for count once.
        eventId: `read-back:${record.providerMessageId}:${record.status}`,
        occurredAt: null,
        reminderId: reminder.reminderId,
        providerMessageId: record.providerMessageId,
        status: record.status,
        failureReason: record.failureReason,
        errorCode: record.errorCode,
        recipient: record.recipient,
      },
    ]);
  }
  if (FINAL.has(record.status) || now >= sentAt + options.readBackForMs) return 'done';
  return { retryAt: new Date(now + options.readBackAfterMs), spendAttempt: false, reason: 'status not final yet' };
}

/** The message of a reminder, in the port's shape. */
function messageOf(flow: BillingContext, reminder: ReminderRow, payUrl: string): OutgoingMessage {
  const practiceName = flow.practices.get(reminder.practiceId)?.name ?? reminder.practiceId;
  const facts = { practiceName, amount: reminder.amount, payUrl };
  const base = {
    reminderId: reminder.reminderId,
    practiceId: reminder.practiceId,
    patientSourceId: reminder.guarantorId,
    text: reminderText(facts, reminder.channel),
    content: reminderContent(facts),
    statusCallbackUrl: `${flow.publicUrl()}/webhooks/${reminder.system}/${reminder.practiceId}?r=${encodeURIComponent(reminder.reminderId)}`,
  };
  return reminder.channel === 'SMS'
    ? { ...base, channel: 'SMS', to: reminder.recipient }
    : { ...base, channel: 'EMAIL', to: reminder.recipient, toName: null };
}

/**
 * A send whose answer was lost: an event may already have settled it; else the provider's listing
 * (where it has one) after `settleAfterMs`; past `settleGiveUpMs`, FAILED (`unknown`). Never a send.
 * The reminder leaves UNKNOWN for ACCEPTED once settled, so its cycle can complete.
 */
async function settle(flow: BillingContext, reminder: ReminderRow, adapter: MessagingAdapter | null): Promise<JobOutcome> {
  const { ctx } = flow;
  const sql = ctx.store.sql;
  const started = new Date(reminder.sendStartedAt ?? reminder.createdAt).getTime();
  const now = ctx.now();
  const close = async (
    status: ReminderRow['status'],
    fields: { providerMessageId?: string | null; failureReason?: string | null },
  ) => {
    // Found (or an event said so): the provider has it, and a cycle counts it as sent. Never found: FAILED.
    const accepted = status !== 'FAILED' || Boolean(fields.providerMessageId);
    await sql.transaction((tx) =>
      settleUnknown(
        tx,
        reminder.reminderId,
        {
          sendState: accepted ? 'ACCEPTED' : 'REFUSED',
          status,
          providerMessageId: fields.providerMessageId ?? null,
          failureReason: fields.failureReason ?? null,
        },
        now,
      ),
    );
    flow.notify(reminder.cycleId ?? '');
    if (reminder.cycleId) await completeIfSent(flow, reminder.cycleId);
    return 'done' as const;
  };
  if (reminder.status !== 'QUEUED') return close(reminder.status, {});
  if (now.getTime() < started + flow.options.settleAfterMs) {
    return {
      retryAt: new Date(started + flow.options.settleAfterMs),
      spendAttempt: false,
      reason: 'send answer lost: waiting for the provider',
    };
  }
  if (adapter?.capabilities.sentListing && adapter.findSent) {
    const message = messageOf(flow, reminder, (await flow.collection.checkout(reminder.transactionId))?.payPageUrl ?? '');
    const found = await adapter.findSent(
      message as MessageFor<typeof adapter.channel>,
      new Date(started - 300_000).toISOString(),
    );
    if (found) return close(found.status, { providerMessageId: found.providerMessageId, failureReason: found.failureReason });
  }
  if (now.getTime() >= started + flow.options.settleGiveUpMs) return close('FAILED', { failureReason: 'unknown' });
  return {
    retryAt: new Date(now.getTime() + flow.options.settleAfterMs),
    spendAttempt: false,
    reason: 'send answer lost: not found yet',
  };
}
