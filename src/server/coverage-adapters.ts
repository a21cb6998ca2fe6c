/**
 * Each practice's coverage connections, built once at start from its `coverage.eligibility` and
 * `coverage.claimStatus` config through the registry's descriptors, the way `messaging-adapters.ts`
 * builds messaging adapters: upstream calls reported to the metrics and the debug log, the
 * practice's handle on the clearinghouse credential's upstream budget, a tracing span per call and a
 * circuit breaker per practice and service (`<practiceId>/eligibility`, `<practiceId>/claimStatus`).
 * The flows read them through `eligibilityFor` / `claimStatusFor`.
 */
import { COVERAGE_METHODS, type CoverageAdapter, type CoverageService } from '../adapters/coverage/port';
import { coverageSystem } from '../adapters/registry';
import type { AdapterOptions } from '../adapters/system';
import type { PracticeConfig } from '../config';
import type { ClaimStatusSettings } from '../flows/claim-watch/types';
import type { EligibilitySettings } from '../flows/eligibility/types';
import type { Logger } from '../logging/logger';
import { withTracing } from '../observability/with-tracing';
import type { GatewayMetrics } from '../plugins/metrics';
import { withCircuitBreaker, type CircuitBreakerOptions } from '../resilience';
import type { UpstreamBudgetRegistry } from '../upstream-budget';
import { upstreamWiring } from './upstream-wiring';

export interface PracticeCoverage {
  eligibility: { adapter: CoverageAdapter; settings: EligibilitySettings } | null;
  claimStatus: { adapter: CoverageAdapter; settings: ClaimStatusSettings } | null;
}

export interface CoverageAdapterDeps {
  adapterOptions?: Pick<AdapterOptions, 'retryBaseDelayMs' | 'maxRetries' | 'timeoutMs'>;
  metrics?: GatewayMetrics;
  logger?: Logger;
  budgets?: UpstreamBudgetRegistry;
  circuitBreaker?: Omit<CircuitBreakerOptions, 'name' | 'onStateChange'> | false;
}

export function buildPracticeCoverage(practice: PracticeConfig, deps: CoverageAdapterDeps): PracticeCoverage {
  const block = practice.coverage;
  const adapterFor = (service: CoverageService, clearinghouse: string, connection: unknown): CoverageAdapter => {
    const descriptor = coverageSystem(clearinghouse, service);
    const wiring = upstreamWiring(
      {
        practiceId: practice.id,
        system: clearinghouse,
        connection: connection as never,
        rateLimits: descriptor.rateLimits,
        message: 'coverage upstream call',
        fields: { service },
      },
      deps,
    );
    const adapter = descriptor.createAdapter(connection as never, { ...deps.adapterOptions, ...wiring });
    const traced = withTracing(adapter, { practiceId: practice.id, methods: COVERAGE_METHODS });
    if (deps.circuitBreaker === false) return traced;
    const name = `${practice.id}/${service}`;
    deps.metrics?.setCircuitState(name, 'closed');
    return withCircuitBreaker(traced, {
      ...deps.circuitBreaker,
      name,
      methods: COVERAGE_METHODS,
      onStateChange: (state) => deps.metrics?.setCircuitState(name, state),
    });
  };
  const e = block?.eligibility;
  const c = block?.claimStatus;
  return {
    eligibility: e
      ? {
          adapter: adapterFor('eligibility', e.clearinghouse, e.connection),
          settings: { providerNpi: e.providerNpi, providerName: e.providerName, payerIds: e.payerIds, inNetwork: e.inNetwork },
        }
      : null,
    claimStatus: c
      ? {
          adapter: adapterFor('claimStatus', c.clearinghouse, c.connection),
          settings: {
            billingProvider: {
              npi: c.billingProvider.npi,
              organizationName: c.billingProvider.organizationName ?? null,
              lastName: c.billingProvider.lastName ?? null,
              firstName: c.billingProvider.firstName ?? null,
              taxId: c.billingProvider.taxId ?? null,
            },
            payerIds: c.payerIds,
            minRefreshIntervalSeconds: c.minRefreshIntervalSeconds,
          },
        }
      : null,
  };
}
