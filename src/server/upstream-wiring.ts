/**
 * What every adapter the gateway builds is given about its upstream calls, whatever its kind
 * (ledger, processor, messaging, coverage, accounting): a reporter that records each exchange in the
 * metrics and the debug log under the practice's id (ids only, never a payload), and the practice's
 * handle on its credential's upstream budget when the vendor declares `rateLimits`.
 *
 *     const descriptor = processorSystem(config.system);
 *     descriptor.createAdapter(config.connection, {
 *       ...options,
 *       ...upstreamWiring({ practiceId, system: config.system, connection: config.connection,
 *         rateLimits: descriptor.rateLimits, message: 'processor upstream call' }, { metrics, logger, budgets }),
 *     });
 */
import type { UpstreamCallEvent } from '../adapters/http/upstream-call';
import type { Logger } from '../logging/logger';
import type { GatewayMetrics } from '../plugins/metrics';
import type { UpstreamBudget, UpstreamBudgetRegistry, UpstreamLimits } from '../upstream-budget';

export interface UpstreamWiringDeps {
  metrics?: GatewayMetrics;
  logger?: Logger;
  /** Without it (tests, tools) adapters run with no shared budget. */
  budgets?: UpstreamBudgetRegistry;
}

export interface UpstreamWiringTarget<Connection> {
  practiceId: string;
  /** The system word of the config (`"system": "…"`), part of the budget's credential key. */
  system: string;
  connection: Connection;
  /** The descriptor's `rateLimits`; none, no budget. */
  rateLimits?: UpstreamLimits<Connection>;
  /** The debug line's message, e.g. `processor upstream call`. */
  message: string;
  /** More ids for the debug line (a messaging channel, a coverage service). */
  fields?: Record<string, string>;
}

export function upstreamWiring<Connection>(
  target: UpstreamWiringTarget<Connection>,
  deps: UpstreamWiringDeps,
): { onUpstreamCall: (e: UpstreamCallEvent) => void; upstreamBudget: UpstreamBudget | undefined } {
  const { practiceId } = target;
  return {
    onUpstreamCall: (e) => {
      deps.metrics?.observeUpstreamCall({ practiceId, ...e });
      deps.logger?.debug({ practiceId, ...target.fields, upstream: e }, target.message);
    },
    upstreamBudget:
      deps.budgets && target.rateLimits
        ? deps.budgets.forPractice({
            system: target.system,
            practiceId,
            connection: target.connection,
            declaration: target.rateLimits,
          })
        : undefined,
  };
}
