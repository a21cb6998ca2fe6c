/**
 * Each practice's messaging adapters (reminders), built from its `messaging.sms` / `messaging.email`
 * config through the registry's descriptors, the way `gateway.ts` builds ledger and processor
 * adapters: upstream calls reported to the metrics and the debug log, and the practice's handle on
 * its messaging credential's upstream budget (the provider's `rateLimits`). `gateway.ts` then puts
 * the tracing span and the per-channel circuit breaker around whatever this (or a test's
 * `createMessagingAdapter`) returns.
 */
import type { Channel, MessagingAdapter } from '../adapters/messaging/port';
import { MESSAGING_CHANNEL_KEYS, messagingSystem } from '../adapters/registry';
import type { AdapterOptions } from '../adapters/system';
import type { PracticeConfig } from '../config';
import type { Logger } from '../logging/logger';
import type { GatewayMetrics } from '../plugins/metrics';
import type { UpstreamBudgetRegistry } from '../upstream-budget';
import { upstreamWiring } from './upstream-wiring';

/**
 * The default `GatewayOptions.createMessagingAdapter`: the adapter of the provider the practice's
 * config names for `channel`, or `null` when it names none (the practice cannot send on it:
 * `startBillingCycle` / `sendReminder` answer NOT_SUPPORTED for that channel).
 */
export function defaultMessagingAdapterFactory(
  options: Pick<AdapterOptions, 'retryBaseDelayMs' | 'maxRetries' | 'timeoutMs'> = {},
  metrics?: GatewayMetrics,
  logger?: Logger,
  budgets?: UpstreamBudgetRegistry,
) {
  return (practice: PracticeConfig, channel: Channel): MessagingAdapter | null => {
    const entry = practice.messaging?.[MESSAGING_CHANNEL_KEYS[channel]];
    if (!entry) return null;
    const descriptor = messagingSystem(entry.system, channel);
    const wiring = upstreamWiring(
      {
        practiceId: practice.id,
        system: entry.system,
        connection: entry.connection,
        rateLimits: descriptor.rateLimits,
        message: 'messaging upstream call',
        fields: { channel },
      },
      { metrics, logger, budgets },
    );
    return descriptor.createAdapter(entry.connection, { ...options, ...wiring });
  };
}
