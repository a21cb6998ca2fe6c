/**
 * What every part of the billing-cycle flow shares: the write path's context (store, clock, log,
 * jobs), the practices, the collection flow (checkouts), the messaging adapters by practice and
 * channel, each practice's `billing` and `timeZone`, and the flow's own tuning.
 */
import type { Channel, MessagingAdapter } from '../../adapters/messaging/port';
import type { BillingConfig } from '../../config';
import type { PracticeRegistry } from '../../practices';
import type { WritePathContext } from '../../transactions/context';
import type { CollectionFlow } from '../collection/flow';

export interface BillingCycleOptions {
  /** Patients read per page of the ledger's listing during selection. Default 100 (NexHealth's largest page is 1,000). */
  pageSize?: number;
  /** Guarantors per batch read of balances or contacts. Default 50. */
  batchSize?: number;
  /**
   * Waits before retrying a send that failed with nothing sent (a provider's outage, a 429): the
   * n-th failure waits the n-th value, the last repeats. Default 1 s, 5 s, 15 s, 1 min, 5 min.
   */
  sendRetryDelaysMs?: readonly number[];
  /** How long after a send answered `UNKNOWN` the provider's listing is first asked. Default 300 000 (5 min). */
  settleAfterMs?: number;
  /** How long a send answered `UNKNOWN` may stay unsettled before it is `FAILED` (`unknown`). Default 3 600 000 (1 h). */
  settleGiveUpMs?: number;
  /**
   * How long after an accepted send with no final status the provider is asked for it
   * (`getMessage`, where `capabilities.statusLookup`: a status callback lost while no gateway
   * listened), and again every as long after. Default 900 000 (15 min).
   */
  readBackAfterMs?: number;
  /** How long after the send the read-back keeps asking; then the last status stands. Default 3 600 000 (1 h). */
  readBackForMs?: number;
  /** A cycle's checkouts' lifetime, in minutes. Default 1440 (24 h, Stripe's longest). */
  checkoutExpiresInMinutes?: number;
  /** Crash seams (tests): a hook that throws stops the job right there, as a killed process would. */
  hooks?: BillingHooks;
}

export interface BillingHooks {
  /** After the provider answered a send, before the answer is stored. */
  afterSend?(reminderId: string): void;
}

export const BILLING_CYCLE_DEFAULTS = {
  pageSize: 100,
  batchSize: 50,
  sendRetryDelaysMs: [1_000, 5_000, 15_000, 60_000, 300_000],
  settleAfterMs: 300_000,
  settleGiveUpMs: 3_600_000,
  readBackAfterMs: 900_000,
  readBackForMs: 3_600_000,
  checkoutExpiresInMinutes: 1_440,
} as const;

/** A practice's messaging adapter for one channel; `null` when the practice has none for it. */
export type MessagingResolver = (practiceId: string, channel: Channel) => MessagingAdapter | null;

/** A practice's reminder settings: its `billing` (absent: no scheduled cycle; defaults for the rest) and its time zone. */
export interface PracticeBilling {
  timeZone: string;
  billing: BillingConfig | null;
}

export interface BillingContext {
  readonly ctx: WritePathContext;
  readonly practices: PracticeRegistry;
  readonly collection: CollectionFlow;
  readonly messagingFor: MessagingResolver;
  readonly billingOf: (practiceId: string) => PracticeBilling;
  /** The config's `currency` (checkouts). */
  readonly currency: string;
  /** The gateway's public base URL (webhook targets, pay pages). */
  publicUrl(): string;
  readonly options: Required<Omit<BillingCycleOptions, 'hooks'>>;
  readonly hooks: BillingHooks;
  /** Tell subscribers a cycle changed (`billingCycleChanged`). */
  notify(cycleId: string): void;
}
