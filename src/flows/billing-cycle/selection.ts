/**
 * Who a cycle reminds, and why the others are skipped. Pure: the job reads the ledger, the store's
 * recent reminders and the suppression list, and hands the facts here.
 *
 *     const { chosen, skipped } = selectGuarantors(candidates, {
 *       minBalance: 1_000, channels: ['SMS', 'EMAIL'], remindedSince: new Set(['1016']), flagged: new Set(['SMS:+15552017919']),
 *     });
 *
 * Rules, in order (the first that applies is the guarantor's skip reason):
 * 1. `BELOW_MIN_BALANCE`: a collectible balance under `minBalance` (zero and credits included);
 * 2. `RECENTLY_REMINDED`: a cycle reminder went to her within `reminderEveryDays` (the frequency cap);
 * 3. `NO_CONTACT`: no usable number or address on any of the cycle's channels;
 * 4. `SUPPRESSED`: every channel she could be reached on is flagged (opted out, invalid, bounced).
 * Otherwise she is chosen, with the channels that can reach her.
 */
import type { Channel } from '../../adapters/messaging/port';
import { recipientKey } from './recipients';

/** Why a guarantor got no reminder (GraphQL `SkipReason`). */
export type SkipReason = 'BELOW_MIN_BALANCE' | 'RECENTLY_REMINDED' | 'NO_CONTACT' | 'SUPPRESSED';

export const SKIP_REASONS: readonly SkipReason[] = ['BELOW_MIN_BALANCE', 'RECENTLY_REMINDED', 'NO_CONTACT', 'SUPPRESSED'];

/** One guarantor as the ledger has her. */
export interface Candidate {
  guarantorId: string;
  /** Whose ledger the checkout's payment is posted to (the guarantor when she is a patient). */
  patientSourceId: string;
  /** The collectible balance, in cents (may be zero or negative). */
  amount: number;
  phone: string | null;
  email: string | null;
}

/** A guarantor to remind, on the channels that can reach her, with her normalized recipients. */
export interface Chosen extends Candidate {
  recipients: Array<{ channel: Channel; to: string }>;
}

export interface SelectionRules {
  /** Cents; the smallest balance reminded about. */
  minBalance: number;
  channels: readonly Channel[];
  /** Guarantors reminded by a cycle within `reminderEveryDays`. */
  remindedSince: ReadonlySet<string>;
  /** Flagged recipients as `<channel>:<normalized recipient>` (the suppression list). */
  flagged: ReadonlySet<string>;
}

export interface Selection {
  chosen: Chosen[];
  skipped: Record<SkipReason, number>;
}

export function flagKey(channel: Channel, recipient: string): string {
  return `${channel}:${recipient}`;
}

export function selectGuarantors(candidates: readonly Candidate[], rules: SelectionRules): Selection {
  const skipped: Record<SkipReason, number> = { BELOW_MIN_BALANCE: 0, RECENTLY_REMINDED: 0, NO_CONTACT: 0, SUPPRESSED: 0 };
  const chosen: Chosen[] = [];
  for (const candidate of candidates) {
    if (candidate.amount < rules.minBalance) {
      skipped.BELOW_MIN_BALANCE += 1;
      continue;
    }
    if (rules.remindedSince.has(candidate.guarantorId)) {
      skipped.RECENTLY_REMINDED += 1;
      continue;
    }
    const reachable = rules.channels.flatMap((channel) => {
      const to = recipientKey(channel, channel === 'SMS' ? (candidate.phone ?? '') : (candidate.email ?? ''));
      return to ? [{ channel, to }] : [];
    });
    if (reachable.length === 0) {
      skipped.NO_CONTACT += 1;
      continue;
    }
    const recipients = reachable.filter((r) => !rules.flagged.has(flagKey(r.channel, r.to)));
    if (recipients.length === 0) {
      skipped.SUPPRESSED += 1;
      continue;
    }
    chosen.push({ ...candidate, recipients });
  }
  return { chosen, skipped };
}

/** Add one skip tally into another (a cycle's selection runs page by page). */
export function addSkips(
  a: Partial<Record<SkipReason, number>>,
  b: Partial<Record<SkipReason, number>>,
): Record<SkipReason, number> {
  const sum = {} as Record<SkipReason, number>;
  for (const reason of SKIP_REASONS) sum[reason] = (a[reason] ?? 0) + (b[reason] ?? 0);
  return sum;
}
