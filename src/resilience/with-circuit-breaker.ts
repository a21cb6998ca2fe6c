/**
 * `withCircuitBreaker(adapter, options)`: the same `LedgerAdapter`, with every upstream-touching
 * method of the port run through one circuit breaker (one per practice connection).
 *
 * - Batch reads (`patients`, `chargesByPatient`, …) answer per key: while the circuit is open they
 *   resolve to a list of `CircuitOpenError`s, one per key, so the GraphQL layer reports
 *   UPSTREAM_UNAVAILABLE on exactly the affected paths. A batch answer that carries an
 *   UPSTREAM_UNAVAILABLE error for any key counts as one failure.
 * - Other methods (`connect`, `paymentTypes`, writes, …) reject with `CircuitOpenError` while open.
 * - Nothing is retried here: a write goes upstream at most once per call, as the store decided.
 * - `verifyWebhook` (local, no I/O) and `close` pass straight through.
 *
 *     const adapter = withCircuitBreaker(createNexhealthAdapter(conn), {
 *       name: practice.id,
 *       onStateChange: (state) => metrics.setCircuitState(practice.id, state),
 *     });
 *     circuitOf(adapter)?.snapshot(); // { state: 'closed', … }
 */
import { decorated } from '../adapters/decorated';
import { BATCH_METHODS, WHOLE_METHODS, type BatchResult, type LedgerAdapter } from '../adapters/ledger/port';
import {
  createCircuitBreaker,
  isUpstreamUnavailable,
  type CircuitBreaker,
  type CircuitBreakerOptions,
  type CircuitSnapshot,
} from './circuit-breaker';

export interface WithCircuitBreakerOptions extends CircuitBreakerOptions {
  /** Use this breaker instead of making one from the options. */
  breaker?: CircuitBreaker;
  /**
   * The port's upstream-touching methods (`UPSTREAM_METHODS[kind]`, `src/adapters/system.ts`), so
   * any kind of adapter can be wrapped. Default: the ledger port's.
   */
  methods?: { batch: readonly string[]; whole: readonly string[] };
}

const breakers = new WeakMap<object, CircuitBreaker>();

/** The breaker guarding `adapter`, when it was wrapped by {@link withCircuitBreaker}. */
export function circuitOf(adapter: object): CircuitBreaker | undefined {
  return breakers.get(adapter);
}

export type PracticeHealthState = 'OK' | 'DEGRADED' | 'DOWN';

export interface PracticeHealth {
  state: PracticeHealthState;
  circuit: 'CLOSED' | 'OPEN' | 'HALF_OPEN';
  consecutiveFailures: number;
  lastError: string | null;
}

/** OK (closed, no recent failure), DEGRADED (closed with failures, or half-open), DOWN (open). */
export function healthOf(snapshot: CircuitSnapshot | undefined): PracticeHealth {
  if (!snapshot) return { state: 'OK', circuit: 'CLOSED', consecutiveFailures: 0, lastError: null };
  const circuit = snapshot.state === 'open' ? 'OPEN' : snapshot.state === 'half-open' ? 'HALF_OPEN' : 'CLOSED';
  const state: PracticeHealthState =
    circuit === 'OPEN' ? 'DOWN' : circuit === 'HALF_OPEN' || snapshot.consecutiveFailures > 0 ? 'DEGRADED' : 'OK';
  return { state, circuit, consecutiveFailures: snapshot.consecutiveFailures, lastError: snapshot.lastError };
}

/** The health of a (possibly wrapped) adapter's connection. */
export function adapterHealth(adapter: object): PracticeHealth {
  return healthOf(circuitOf(adapter)?.snapshot());
}

/** Whether the adapter's circuit is closed (or it has none): `adapterHealth(a).circuit === 'CLOSED'` without building the health. */
export function circuitClosed(adapter: object): boolean {
  const breaker = circuitOf(adapter);
  return breaker === undefined || breaker.state === 'closed';
}

export function withCircuitBreaker<A extends object = LedgerAdapter>(adapter: A, options: WithCircuitBreakerOptions = {}): A {
  const breaker = options.breaker ?? createCircuitBreaker(options);
  const isFailure = options.isFailure ?? isUpstreamUnavailable;
  // These methods shadow the adapter's; everything else (system, capabilities, verifyWebhook,
  // close) is the adapter's own, bound to it (../adapters/decorated.ts).
  const wrapped = new Map<string, unknown>();
  const source = adapter as unknown as Record<string, unknown>;
  const bound = (name: string) => {
    const fn = source[name];
    return typeof fn === 'function' ? (fn as (...args: unknown[]) => unknown).bind(adapter) : fn;
  };

  const methods = options.methods ?? { batch: BATCH_METHODS, whole: WHOLE_METHODS };
  for (const name of methods.batch) {
    const fn = bound(name) as ((keys: readonly string[], ...rest: unknown[]) => Promise<BatchResult<unknown>>) | undefined;
    if (typeof fn !== 'function') continue;
    // One `then` on the adapter's promise, not an async wrapper awaiting it: a promise fewer per batch read.
    wrapped.set(name, (keys: readonly string[], ...rest: unknown[]): Promise<BatchResult<unknown>> => {
      let ticket: ReturnType<typeof breaker.acquire>;
      try {
        ticket = breaker.acquire();
      } catch (open) {
        return Promise.resolve(keys.map(() => open as Error));
      }
      let answer: Promise<BatchResult<unknown>>;
      try {
        answer = fn(keys, ...rest);
      } catch (error) {
        ticket.failure(error);
        return Promise.reject(error);
      }
      return answer.then(
        (result) => {
          const failed = Array.isArray(result) ? result.find((item) => item instanceof Error && isFailure(item)) : undefined;
          if (failed) ticket.failure(failed);
          else ticket.success();
          return result;
        },
        (error: unknown) => {
          ticket.failure(error);
          throw error;
        },
      );
    });
  }
  for (const name of methods.whole) {
    const fn = bound(name) as ((...args: unknown[]) => Promise<unknown>) | undefined;
    if (typeof fn !== 'function') continue;
    wrapped.set(name, (...args: unknown[]) => breaker.run(() => fn(...args)));
  }

  const proxy = decorated(adapter, wrapped);
  breakers.set(proxy, breaker);
  return proxy;
}
