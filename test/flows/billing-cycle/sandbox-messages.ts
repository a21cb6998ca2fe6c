/**
 * What the messaging sandboxes of the e2e harness (`test/e2e/harness.ts`) saw, in the billing-cycle
 * tests' words: every message one practice's Twilio account and SendGrid account accepted (their
 * sent logs), with the gateway's reminder id each carries back (Twilio: the `?r=` of the message's
 * `StatusCallback`; SendGrid: the custom arg `lg_reminder_id`), the sends attempted (their request
 * logs), and a wait until every status callback and event batch has reached the gateway.
 *
 * Also the seed helpers: self-guarantor patients with a balance added to smile-dental's NexHealth
 * location, so a test can give a guarantor one of the sandboxes' magic recipients (Twilio
 * `+15005550001` → 21211, `+15005550004` → 21610; SendGrid `@bounce.test` → a hard bounce).
 */
import type { Channel } from '../../../src/adapters/messaging/port';
import { CUSTOM_ARGS } from '../../../src/adapters/messaging/sendgrid';
import { NEX_SEED, type createNexSeed } from '../../../src/sandbox/nexhealth';
import { SENDGRID_SANDBOX_ACCOUNTS } from '../../../src/sandbox/sendgrid';
import { TWILIO_SANDBOX_ACCOUNTS } from '../../../src/sandbox/twilio';
import type { TestGateway } from '../../e2e/harness';

export interface SandboxMessage {
  channel: Channel;
  /** The provider's id (Twilio `SM…`, SendGrid `X-Message-Id`). */
  providerMessageId: string;
  reminderId: string | null;
  /** The recipient as the provider got it (E.164, or the address). */
  to: string;
  /** The SMS body; for email, the template data's `pay_url` line (`null` when absent). */
  text: string | null;
  /** SendGrid's template data (email only). */
  data: Record<string, unknown> | null;
}

const TWILIO_ACCOUNT = { 'smile-dental': TWILIO_SANDBOX_ACCOUNTS.smileDental, northside: TWILIO_SANDBOX_ACCOUNTS.northside };

/** Every message the practice's accounts accepted, SMS first then email, oldest first. */
export function sentMessages(t: TestGateway, practiceId: 'smile-dental' | 'northside' = 'smile-dental'): SandboxMessage[] {
  const sid = TWILIO_ACCOUNT[practiceId].sid;
  const sms = t.twilio.sent
    .filter((m) => m.accountSid === sid)
    .map((m) => ({
      channel: 'SMS' as const,
      providerMessageId: m.sid,
      reminderId: m.statusCallback ? new URL(m.statusCallback).searchParams.get('r') : null,
      to: m.to,
      text: m.body,
      data: null,
    }));
  const email = t.sendgrid.messages
    .filter((m) => m.account === practiceId)
    .map((m) => ({
      channel: 'EMAIL' as const,
      providerMessageId: m.x_message_id,
      reminderId: m.custom_args[CUSTOM_ARGS.reminderId] ?? null,
      to: m.to.email,
      text: typeof m.dynamic_template_data.pay_url === 'string' ? m.dynamic_template_data.pay_url : null,
      data: m.dynamic_template_data,
    }));
  return [...sms, ...email];
}

/** Messages beyond the first per reminder id, and beyond the first per (channel, recipient): both 0 when nothing was doubled. */
export function duplicates(messages: readonly SandboxMessage[]): { byReminder: number; byRecipient: number } {
  const ids = messages.map((m) => m.reminderId);
  const recipients = messages.map((m) => `${m.channel}:${m.to}`);
  return { byReminder: ids.length - new Set(ids).size, byRecipient: recipients.length - new Set(recipients).size };
}

/** Send attempts that reached each sandbox (accepted or not): its request log's message creates / mail sends. */
export function sendAttempts(t: TestGateway): { twilio: number; sendgrid: number } {
  return {
    twilio: t.twilio.requests.filter((r) => r.method === 'POST' && r.path.endsWith('/Messages.json')).length,
    sendgrid: t.sendgrid.requests.filter((r) => r.method === 'POST' && r.path === '/v3/mail/send').length,
  };
}

/**
 * Wait until every Twilio status step has run and its callback (and any inbound post) has been
 * answered, and every SendGrid event batch has been posted: the gateway has then applied all the
 * providers said so far. No sleeping: the hubs' own idle states.
 */
export async function settleWebhooks(t: TestGateway): Promise<void> {
  for (;;) {
    const pending = t.twilio.sent.some((m) => t.twilio.sim.pendingSteps(m.sid) > 0);
    if (!pending) break;
    await new Promise((resolve) => setImmediate(resolve));
  }
  await t.twilio.callbacks.idle();
  t.sendgrid.webhooks.flush();
  await t.sendgrid.webhooks.idle();
}

/** A SendGrid control event (`unsubscribe`, `spamreport`, …) on one sent email, posted to the gateway by the sandbox. */
export async function sendgridEvent(t: TestGateway, providerMessageId: string, event: string): Promise<void> {
  const response = await fetch(`${t.sendgrid.url}/_sandbox/messages/${providerMessageId}/events`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ event }),
  });
  if (!response.ok) throw new Error(`expected the SendGrid sandbox to take a ${event} event, got ${response.status}`);
}

/** A reply from `from` to the smile-dental Twilio account's sender (`STOP`, `START`…), posted to the gateway signed. */
export function twilioInbound(t: TestGateway, from: string, body: string) {
  const account = TWILIO_SANDBOX_ACCOUNTS.smileDental;
  return t.twilio.sim.inbound({ from, to: account.sender, body, accountSid: account.sid });
}

/** The seeded smile-dental SendGrid account's API key (for `setWebhookUrl` and suppressions). */
export const SMILE_SENDGRID = SENDGRID_SANDBOX_ACCOUNTS.smileDental;

/**
 * Add self-guarantor patients to smile-dental's location in `seed`, each with a phone (ten digits,
 * as NexHealth has them), an email and a guarantor balance of `cents`. Ids from `firstId` up.
 */
export function addGuarantors(
  seed: ReturnType<typeof createNexSeed>,
  people: ReadonlyArray<{ phone: string; email: string; cents: number }>,
  firstId = 900_001,
): void {
  const location = Number(NEX_SEED.locations.openDental);
  const stamp = '2025-01-01T00:00:00Z';
  people.forEach((person, i) => {
    const id = firstId + i;
    seed.patients.push({
      id,
      location_id: location,
      first_name: `Added${i}`,
      last_name: 'Guarantor',
      email: person.email,
      guarantor_id: id,
      non_patient: false,
      date_of_birth: '1980-01-01',
      gender: null,
      phone_number: person.phone,
      inactive: false,
      created_at: stamp,
      updated_at: stamp,
    });
    seed.guarantorBalances.push({
      id: 800_000 + (id - 900_000),
      location_id: location,
      guarantor_id: id,
      total_balance: person.cents,
      guarantor_portion: person.cents,
      insurance_estimate: 0,
      write_off_estimate: 0,
      total_balance_under_30: person.cents,
      total_balance_31_60: 0,
      total_balance_61_90: 0,
      total_balance_over_90: 0,
      updated_at: stamp,
    });
  });
}
