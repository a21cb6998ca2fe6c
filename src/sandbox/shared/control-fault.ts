/**
 * A fault rule from the simple control JSON the Stripe, Twilio and QuickBooks simulators take
 * (`POST /_sandbox/faults`): `{"method"?, "path"?, "status"?, "body"?, "delayMs"?, "times"?, "drop"?}`.
 * `path` is exact, or a prefix when it ends in `*`; `times` defaults to 1 (once), a forced 429 sends
 * no `Retry-After`, and `drop` resets the connection. `body` is the forced answer's body, which the
 * simulator keeps by rule id (`addControlFault` does both). A simulator's own fields are checked by
 * `check`, after the shared types and before "a fault needs status, drop or delayMs".
 */
import type { FaultControl, FaultRule } from './fault-injection';

export function controlFaultRule(json: Record<string, unknown>, check: () => void = () => {}): FaultRule {
  const { method, path, status, delayMs, times, drop } = json;
  if (path !== undefined && typeof path !== 'string') throw new Error('path must be a string');
  if (method !== undefined && typeof method !== 'string') throw new Error('method must be a string');
  if (status !== undefined && (typeof status !== 'number' || !Number.isInteger(status)))
    throw new Error('status must be an integer');
  if (delayMs !== undefined && typeof delayMs !== 'number') throw new Error('delayMs must be a number');
  if (times !== undefined && typeof times !== 'number') throw new Error('times must be a number');
  check();
  if (status === undefined && drop !== true && delayMs === undefined) throw new Error('a fault needs status, drop or delayMs');
  const rule: FaultRule = { times: times ?? 1, retryAfterSeconds: null };
  if (method) rule.method = method;
  if (path) rule.path = path.endsWith('*') ? path.slice(0, -1) : new RegExp(`^${path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`);
  if (status !== undefined) rule.status = status;
  if (delayMs !== undefined) rule.latencyMs = delayMs;
  if (drop === true) rule.reset = true;
  return rule;
}

/** Add the rule to `faults`; its `body`, if any, goes to `faultBodies` under the rule's id. Returns the id. */
export function addControlFault(
  parts: { faults: Pick<FaultControl, 'add'>; faultBodies: Map<string, unknown> },
  json: Record<string, unknown>,
): string {
  const id = parts.faults.add(controlFaultRule(json));
  if (json.body !== undefined) parts.faultBodies.set(id, json.body);
  return id;
}
