/**
 * How the gateway builds each practice's ledger and processor adapters: the registry's factory with
 * the practice's upstream budget and call reporting, then the decorators every adapter wears (a
 * tracing span per upstream-touching call, a circuit breaker per connection). `gateway.ts` wires
 * them; tests swap a factory through `GatewayOptions`.
 */
import type { LedgerAdapter } from '../adapters/ledger/port';
import type { ProcessorAdapter } from '../adapters/processor/port';
import { ledgerSystem, processorSystem } from '../adapters/registry';
import { UPSTREAM_METHODS } from '../adapters/system';
import type { PracticeConfig } from '../config';
import type { Logger } from '../logging/logger';
import { withTracing } from '../observability/with-tracing';
import type { GatewayMetrics } from '../plugins/metrics';
import { withCircuitBreaker } from '../resilience';
import type { UpstreamBudgetRegistry } from '../upstream-budget';
import type { GatewayOptions } from './gateway';
import { upstreamWiring } from './upstream-wiring';

/**
 * Each vendor's adapter, reporting every upstream call (endpoint template, status, duration; never
 * a patient's data) to the metrics and, at debug level, to the log, with the practice's id. With
 * `budgets`, each adapter gets its practice's handle on its credential's upstream budget, declared by
 * the system (`rateLimits` of its descriptor).
 */
export function defaultAdapterFactory(
  options: GatewayOptions['adapterOptions'] = {},
  metrics?: GatewayMetrics,
  logger?: Logger,
  budgets?: UpstreamBudgetRegistry,
) {
  return (practice: PracticeConfig): LedgerAdapter => {
    const descriptor = ledgerSystem(practice.system);
    const wiring = upstreamWiring(
      {
        practiceId: practice.id,
        system: practice.system,
        connection: practice.connection,
        rateLimits: descriptor.rateLimits,
        message: 'upstream call',
      },
      { metrics, logger, budgets },
    );
    return descriptor.createAdapter(practice.connection, { ...options, ...wiring });
  };
}

/**
 * Each practice's processor adapter (config `processor`), as `defaultAdapterFactory` builds ledger
 * adapters: upstream calls reported to the metrics and the debug log, and the practice's handle on
 * its processor credential's upstream budget (the processor's `rateLimits`).
 */
export function defaultProcessorAdapterFactory(
  options: GatewayOptions['adapterOptions'] = {},
  metrics?: GatewayMetrics,
  logger?: Logger,
  budgets?: UpstreamBudgetRegistry,
) {
  return (practice: PracticeConfig): ProcessorAdapter => {
    const config = practice.processor;
    if (!config) throw new Error(`expected practice "${practice.id}" to have a processor in its config`);
    const descriptor = processorSystem(config.system);
    const wiring = upstreamWiring(
      {
        practiceId: practice.id,
        system: config.system,
        connection: config.connection,
        rateLimits: descriptor.rateLimits,
        message: 'processor upstream call',
      },
      { metrics, logger, budgets },
    );
    return descriptor.createAdapter(config.connection, { ...options, ...wiring });
  };
}

/**
 * `factory`'s processor adapters behind the same decorators as ledger adapters: a span around every
 * upstream-touching call, and a circuit breaker of their own (a processor outage must not open the
 * ledger's breaker, nor the other way round), reported as `<practiceId>/processor`.
 */
export function withProcessorDecorators(
  factory: (practice: PracticeConfig) => ProcessorAdapter,
  circuitBreaker: GatewayOptions['circuitBreaker'] = {},
  metrics?: GatewayMetrics,
) {
  const methods = UPSTREAM_METHODS.processor;
  return (practice: PracticeConfig): ProcessorAdapter => {
    const traced = withTracing(factory(practice), { practiceId: practice.id, methods });
    if (circuitBreaker === false) return traced;
    const name = `${practice.id}/processor`;
    metrics?.setCircuitState(name, 'closed');
    return withCircuitBreaker(traced, {
      ...circuitBreaker,
      name,
      methods,
      onStateChange: (state) => metrics?.setCircuitState(name, state),
    });
  };
}

/** `factory`'s adapters with an OpenTelemetry span around every upstream-touching call. */
export function withTracingSpans(factory: (practice: PracticeConfig) => LedgerAdapter) {
  return (practice: PracticeConfig): LedgerAdapter => withTracing(factory(practice), { practiceId: practice.id });
}

/**
 * `factory`'s adapters, each behind its own circuit breaker (one per practice connection) whose
 * state is reported to the metrics. Open: calls fail fast with UPSTREAM_UNAVAILABLE, no upstream call.
 */
export function withCircuitBreakers(
  factory: (practice: PracticeConfig) => LedgerAdapter,
  options: GatewayOptions['circuitBreaker'] = {},
  metrics?: GatewayMetrics,
) {
  if (options === false) return factory;
  return (practice: PracticeConfig): LedgerAdapter => {
    metrics?.setCircuitState(practice.id, 'closed');
    return withCircuitBreaker(factory(practice), {
      ...options,
      name: practice.id,
      onStateChange: (state) => metrics?.setCircuitState(practice.id, state),
    });
  };
}
