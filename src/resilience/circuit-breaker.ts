/**
 * A circuit breaker for one upstream connection (one practice):
 *
 * - **closed**: calls go through; `failureThreshold` consecutive failures open it.
 * - **open**: calls fail fast (no upstream call) until `coolDownMs` has passed since it opened.
 * - **half-open**: the next call is let through as a probe (at most `halfOpenMaxProbes` at a time,
 *   the rest fail fast); a successful probe closes the circuit, a failed one opens it again.
 *
 * Only failures that say "the upstream is not answering" count (by default an `UpstreamError` with
 * code `UPSTREAM_UNAVAILABLE`: timeouts, resets, 5xx, 429 after retries, unreadable bodies); a 4xx
 * rejection or a NOT_FOUND is the upstream answering, so it counts as a success. The breaker never
 * retries anything itself, so it is safe around writes.
 *
 *     const breaker = createCircuitBreaker({ failureThreshold: 5, coolDownMs: 30_000 });
 *     const value = await breaker.run(() => adapter.paymentTypes()); // throws CircuitOpenError when open
 *     breaker.snapshot(); // { state: 'closed', consecutiveFailures: 0, lastError: null, … }
 */
import { UpstreamError } from '../adapters/ledger/port';

export type CircuitState = 'closed' | 'open' | 'half-open';

export interface CircuitBreakerOptions {
  /** Consecutive counted failures that open a closed circuit. Default 5. */
  failureThreshold?: number;
  /** How long an open circuit fails fast before letting a probe through, in ms. Default 30 000. */
  coolDownMs?: number;
  /** Probes allowed in flight at once while half-open. Default 1. */
  halfOpenMaxProbes?: number;
  /** Clock in ms. Default `Date.now`. */
  now?: () => number;
  /** Whether an error counts as an upstream failure. Default: `UpstreamError` with code `UPSTREAM_UNAVAILABLE`. */
  isFailure?: (error: unknown) => boolean;
  /** Called on every state change (e.g. `metrics.setCircuitState`). */
  onStateChange?: (state: CircuitState, previous: CircuitState) => void;
  /** Label used in the fail-fast error's message (e.g. the practice id). Default `upstream`. */
  name?: string;
}

export interface CircuitSnapshot {
  state: CircuitState;
  consecutiveFailures: number;
  /** The message of the last counted failure, kept until the circuit closes after a success. */
  lastError: string | null;
  /** When the last counted failure happened (ms), or null. */
  lastFailureAt: number | null;
  /** When the circuit last opened (ms), or null. */
  openedAt: number | null;
}

/** Thrown instead of calling the upstream while the circuit is open. */
export class CircuitOpenError extends UpstreamError {
  constructor(
    name: string,
    readonly retryInMs: number,
  ) {
    super(
      `${name}: circuit open, upstream not called (next probe in ${Math.max(0, Math.ceil(retryInMs / 1000))} s)`,
      'UPSTREAM_UNAVAILABLE',
    );
    this.name = 'CircuitOpenError';
  }
}

export function isUpstreamUnavailable(error: unknown): boolean {
  return error instanceof UpstreamError && error.code === 'UPSTREAM_UNAVAILABLE' && !(error instanceof CircuitOpenError);
}

export interface CircuitBreaker {
  /** Run `call` through the breaker; fails fast with a {@link CircuitOpenError} when open. */
  run<T>(call: () => Promise<T>): Promise<T>;
  /**
   * Ask for permission for one call (for callers that classify results themselves, such as batch
   * answers that carry per-key errors). Returns a ticket to settle with `success()` or `failure(e)`,
   * or throws {@link CircuitOpenError}.
   */
  acquire(): CircuitTicket;
  snapshot(): CircuitSnapshot;
  readonly state: CircuitState;
}

export interface CircuitTicket {
  success(): void;
  failure(error: unknown): void;
  /** The call ended without telling anything about the upstream (e.g. a local error). */
  release(): void;
}

export class DefaultCircuitBreaker implements CircuitBreaker {
  private current: CircuitState = 'closed';
  private failures = 0;
  private lastError: string | null = null;
  private lastFailureAt: number | null = null;
  private openedAt: number | null = null;
  private probes = 0;
  private readonly threshold: number;
  private readonly coolDownMs: number;
  private readonly maxProbes: number;
  private readonly now: () => number;
  private readonly isFailure: (error: unknown) => boolean;
  private readonly name: string;

  constructor(private readonly options: CircuitBreakerOptions = {}) {
    this.threshold = Math.max(1, options.failureThreshold ?? 5);
    this.coolDownMs = Math.max(0, options.coolDownMs ?? 30_000);
    this.maxProbes = Math.max(1, options.halfOpenMaxProbes ?? 1);
    this.now = options.now ?? Date.now;
    this.isFailure = options.isFailure ?? isUpstreamUnavailable;
    this.name = options.name ?? 'upstream';
  }

  get state(): CircuitState {
    // An open circuit whose cool-down has passed reports half-open even before the next call.
    if (this.current === 'open' && this.openedAt !== null && this.now() - this.openedAt >= this.coolDownMs) return 'half-open';
    return this.current;
  }

  snapshot(): CircuitSnapshot {
    return {
      state: this.state,
      consecutiveFailures: this.failures,
      lastError: this.lastError,
      lastFailureAt: this.lastFailureAt,
      openedAt: this.openedAt,
    };
  }

  acquire(): CircuitTicket {
    if (this.current === 'open') {
      const waited = this.now() - (this.openedAt ?? 0);
      if (waited < this.coolDownMs) throw new CircuitOpenError(this.name, this.coolDownMs - waited);
      this.transition('half-open');
    }
    let probe = false;
    if (this.current === 'half-open') {
      if (this.probes >= this.maxProbes) throw new CircuitOpenError(this.name, 0);
      this.probes++;
      probe = true;
    }
    let settled = false;
    const settle = (fn: () => void) => {
      if (settled) return;
      settled = true;
      if (probe) this.probes--;
      fn();
    };
    return {
      success: () => settle(() => this.onSuccess(probe)),
      failure: (error) => settle(() => (this.isFailure(error) ? this.onFailure(error) : this.onSuccess(probe))),
      release: () => settle(() => undefined),
    };
  }

  async run<T>(call: () => Promise<T>): Promise<T> {
    const ticket = this.acquire();
    let value: T;
    try {
      value = await call();
    } catch (error) {
      ticket.failure(error);
      throw error;
    }
    ticket.success();
    return value;
  }

  private onSuccess(probe: boolean): void {
    // A call let through before the circuit opened proves nothing about now: only probes close it.
    if (this.current !== 'closed' && !probe) return;
    this.failures = 0;
    this.lastError = null;
    this.openedAt = null;
    this.transition('closed');
  }

  private onFailure(error: unknown): void {
    this.failures++;
    this.lastError = error instanceof Error ? error.message : String(error);
    this.lastFailureAt = this.now();
    if (this.current === 'half-open' || (this.current === 'closed' && this.failures >= this.threshold)) {
      this.openedAt = this.now();
      this.transition('open');
    }
  }

  private transition(next: CircuitState): void {
    const previous = this.current;
    if (previous === next) return;
    this.current = next;
    this.options.onStateChange?.(next, previous);
  }
}

/** A breaker with the given options (see {@link CircuitBreakerOptions} for the defaults). */
export function createCircuitBreaker(options: CircuitBreakerOptions = {}): CircuitBreaker {
  return new DefaultCircuitBreaker(options);
}
