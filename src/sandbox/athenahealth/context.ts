/**
 * The live state of one running athenahealth sandbox, gathered in one object that the server builds
 * and hands explicitly to every route: the options after their defaults, the sandbox clock, the
 * simulated data (the seed, mutated by collectpayment), the fault registry, the request log, the
 * issued access tokens, the recent new-token times (for the per-minute limit), and the successful
 * payments the duplicate check looks back on.
 */
import type { FaultRegistry } from './faults';
import type { SimState } from './seed';
import type { Cents } from '../shared/wire-money';

export interface RequestLogEntry {
  method: string;
  /** URL path without the query. */
  path: string;
  /** Query parameters (last value wins). */
  query: Record<string, string>;
  /** When the request arrived, by the sandbox clock. */
  time: Date;
  /** The status answered; `null` while in flight or when the socket was dropped. */
  status: number | null;
}

/** A successful payment as the duplicate check remembers it: a hash of the card number, never the number. */
export interface DuplicateEntry {
  practiceid: string;
  patientid: string;
  total: Cents;
  cardHash: string;
  at: number;
}

export interface SandboxContext {
  readonly clientId: string;
  readonly clientSecret: string;
  /** The sandbox clock (token expiry, duplicate window, new-token rate limit, payment dates). */
  readonly now: () => Date;
  readonly tokenTtlSeconds: number;
  readonly tokenRequestsPerMinute: number;
  readonly defaultPageSize: number;
  readonly state: SimState;
  readonly faults: FaultRegistry;
  /** Every request so far; `resetRequestLog()` replaces the array. */
  requests: RequestLogEntry[];
  /** Issued access token → expiry (ms). */
  readonly tokens: Map<string, number>;
  /** When the new tokens of the last rolling minute were issued (ms). */
  tokenIssueTimes: number[];
  readonly duplicates: DuplicateEntry[];
}
