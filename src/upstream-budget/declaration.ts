/**
 * How a system declares its vendor's published rate limits: data in the vendor's folder, read by the
 * upstream budget (see `README.md` here). A limit counts the endpoint templates it matches; a call
 * spends one token of every limit that matches it.
 *
 *     export const acmeRateLimits: UpstreamLimits<AcmeConnection> = {
 *       limits: [
 *         { name: 'per-second', limit: 100, windowMs: 1_000 },
 *         { name: 'patients-per-minute', limit: 1_000, windowMs: 60_000, endpointsStartingWith: ['/patients'] },
 *       ],
 *       credential: (c) => ({ baseUrl: c.baseUrl, secret: c.apiKey }),
 *     };
 */

export interface RateLimit {
  /** Its name in messages and store rows, e.g. `per-second`; unique within a declaration. */
  readonly name: string;
  /** Requests the vendor allows per window. */
  readonly limit: number;
  /** The window's length, in ms. */
  readonly windowMs: number;
  /** Endpoint templates it counts: those starting with one of these. Default: every endpoint. */
  readonly endpointsStartingWith?: readonly string[];
  /** Endpoint templates it does not count, even when `endpointsStartingWith` matches. Default: none. */
  readonly exceptEndpointsStartingWith?: readonly string[];
  /**
   * The vendor's own burst rule, when it publishes one: calls that may go at once, the rest paced
   * (a token bucket). Unset: all `planned` calls of a window may go at once, and no interval of
   * `windowMs` ever sees more (`sliding-window.ts`). The store-shared budget always paces: its bucket
   * holds `burst` (default `max(1, floor(planned / 10))`) and refills at `(planned − burst) /
   * windowMs`, so ANY interval of `windowMs` sees at most `planned` calls there too.
   */
  readonly burst?: number;
  /**
   * The share of `limit` kept unused. Default `0.1`: the budget plans for 90 % of the published
   * figure (`planned`), because the vendor counts calls when they arrive, and network jitter can move
   * a call sent inside one window into the next (seen: 101 arrivals in a second from 100 sends).
   */
  readonly headroom?: number;
}

/** A system's declaration: its limits, and what one credential is (calls on one credential share them). */
export interface UpstreamLimits<Connection = unknown> {
  readonly limits: readonly RateLimit[];
  /**
   * The credential a connection calls with: its base URL and the secret that identifies it upstream
   * (an API key, a client id and secret). The secret is only ever hashed, never kept or logged.
   */
  credential(connection: Connection): { baseUrl: string; secret: string };
}

/** The shape of a limit's token bucket. */
export interface BucketShape {
  capacity: number;
  /** Tokens added per ms. */
  refillPerMs: number;
}

/**
 * Calls the budget allows per window: the published figure less the headroom (at least 1). Throws a
 * RangeError naming the limit when the declaration itself is wrong.
 */
export function plannedCalls(limit: RateLimit): number {
  if (!Number.isInteger(limit.limit) || limit.limit < 1) {
    throw new RangeError(`rate limit "${limit.name}": expected a positive integer limit, got ${limit.limit}`);
  }
  if (!(limit.windowMs > 0)) throw new RangeError(`rate limit "${limit.name}": expected windowMs > 0, got ${limit.windowMs}`);
  const headroom = limit.headroom ?? 0.1;
  if (!(headroom >= 0 && headroom < 1)) {
    throw new RangeError(`rate limit "${limit.name}": expected a headroom in [0, 1), got ${headroom}`);
  }
  return Math.max(1, Math.floor(limit.limit * (1 - headroom)));
}

/** The token bucket of a limit that paces (see `burst`). */
export function bucketShape(limit: RateLimit): BucketShape {
  const planned = plannedCalls(limit);
  const burst = limit.burst ?? Math.max(1, Math.floor(planned / 10));
  if (!Number.isInteger(burst) || burst < 1 || burst > planned) {
    throw new RangeError(`rate limit "${limit.name}": expected a burst between 1 and ${planned}, got ${burst}`);
  }
  // A limit of 1 per window with a burst of 1 leaves no refill: keep a trickle of one per window.
  const refill = Math.max(planned - burst, 1);
  return { capacity: burst, refillPerMs: refill / limit.windowMs };
}

/** The names of the limits an endpoint template spends a token of. */
export function limitsFor(limits: readonly RateLimit[], endpoint: string): string[] {
  return limits
    .filter((l) => {
      const included = !l.endpointsStartingWith || l.endpointsStartingWith.some((p) => endpoint.startsWith(p));
      const excluded = l.exceptEndpointsStartingWith?.some((p) => endpoint.startsWith(p)) ?? false;
      return included && !excluded;
    })
    .map((l) => l.name);
}
