/**
 * What a reminder says: the practice's name, the amount and the pay link, nothing else (no patient
 * name, no procedures, no dates of service: least disclosure). Pure.
 *
 *     reminderText({ practiceName: 'Smile Dental', amount: 12_500, payUrl: 'https://gw.example/pay/Zt' })
 *     // 'Smile Dental: you have a balance of $125.00. Pay securely at https://gw.example/pay/Zt Reply STOP to opt out.'
 */
import type { Channel, ReminderContent } from '../../adapters/messaging/port';
import { formatCents } from '../../ledger/money';

export interface ReminderFacts {
  practiceName: string;
  /** Positive cents. */
  amount: number;
  payUrl: string;
}

/** The plain text sent by SMS (and recorded for email): within Twilio's 1,600 characters for any practice name up to 1,000. */
export function reminderText(facts: ReminderFacts, channel: Channel = 'SMS'): string {
  const base = `${facts.practiceName}: you have a balance of $${formatCents(facts.amount)}. Pay securely at ${facts.payUrl}`;
  // Carriers expect the opt-out words in a text; an email carries the provider's unsubscribe link.
  return channel === 'SMS' ? `${base} Reply STOP to opt out.` : base;
}

/** The structured content for template providers: no first name (see the port's `patientFirstName`). */
export function reminderContent(facts: ReminderFacts): ReminderContent {
  return { practiceName: facts.practiceName, patientFirstName: null, amount: facts.amount, payUrl: facts.payUrl, dueDate: null };
}
