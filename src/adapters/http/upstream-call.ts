/** One upstream HTTP exchange, reported once per attempt (for metrics). */
export interface UpstreamCallEvent {
  /** The endpoint template, e.g. `/patients/{id}` (no ids: low cardinality). */
  endpoint: string;
  method: string;
  /** HTTP status, `null` when no response arrived (network error, timeout). */
  status: number | null;
  durationMs: number;
  /** 1 for the first attempt of a call, 2 for its first retry, … */
  attempt: number;
}
