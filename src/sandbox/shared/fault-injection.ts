/**
 * Fault injection for sandboxes: rules matched on method and path that add latency, force a status
 * (429 with Retry-After, 500, …), answer a malformed JSON body or reset the connection, for the next
 * N matching requests or with a probability drawn from a seeded RNG.
 *
 *     sandbox.faults.add({ path: '/charges', status: 429, retryAfterSeconds: 2, times: 1 });
 *     sandbox.faults.add({ path: /^\/patients\/\d+$/, method: 'GET', reset: true, probability: 0.2 });
 *     sandbox.faults.add({ path: '/payments', method: 'POST', latencyMs: 300 });
 *     sandbox.faults.add({ path: '/charges', status: 400, errorText: 'location 77 is closed', times: 1 });
 *     sandbox.faults.clear();
 *
 * From a JSON config (e.g. an environment variable for `npm start`), `path` is a prefix and
 * `pathPattern` a regular expression source: see `faultRulesFromJson`.
 */
import { seededRng } from './seeded-rng';

export interface FaultRule {
  /** A path prefix (string) or a pattern (RegExp) matched against the path without its query. Default: every path. */
  path?: string | RegExp;
  /** HTTP method, case-insensitive. Default: any. */
  method?: string;
  /** Delay the answer by this many milliseconds (combined with an effect, or alone). */
  latencyMs?: number;
  /**
   * Answer no sooner than this many milliseconds after the request arrived, the simulator's own work
   * included: an upstream whose every call takes that long however many run at once. `latencyMs`
   * instead adds its delay before that work, so concurrent calls also queue behind the simulator's
   * single thread. The largest of the matching rules applies.
   */
  responseTimeMs?: number;
  /** Answer this status with a failure body instead of handling the request. */
  status?: number;
  /** `Retry-After` seconds sent with a forced 429 (default 1); omitted with `null`. */
  retryAfterSeconds?: number | null;
  /** The error text of a forced status's failure body. Default: the sandbox's own (`Injected fault (400)`, …). */
  errorText?: string;
  /** Answer 200 with a truncated, unparsable JSON body. */
  malformedJson?: boolean;
  /** Destroy the connection (TCP reset) without an answer. */
  reset?: boolean;
  /** Fire for the next N matching requests only, then remove itself. */
  times?: number;
  /** Fire with this probability (0–1), drawn from the control's seeded RNG. */
  probability?: number;
}

/** What the server must do for one request, once every matching rule has been applied. */
export type FaultEffect =
  | { kind: 'status'; status: number; retryAfterSeconds: number | null; errorText: string | null }
  | { kind: 'malformed' }
  | { kind: 'reset' };

export interface FaultDecision {
  latencyMs: number;
  /** 0 when no matching rule sets one. */
  responseTimeMs: number;
  effect: FaultEffect | null;
  ruleIds: string[];
}

export interface ActiveFault {
  id: string;
  rule: FaultRule;
  /** How many times it fired. */
  hits: number;
  /** How many more times it may fire (`null`: unlimited). */
  remaining: number | null;
}

/** The knobs a test (or `npm start`) turns. */
export interface FaultControl {
  /** Add a rule; returns its id. Rules apply in the order added; the first effect wins, latencies add up. */
  add(rule: FaultRule): string;
  remove(id: string): boolean;
  clear(): void;
  list(): ReadonlyArray<ActiveFault>;
  /** Restart the probability dice from `seed`. */
  reseed(seed: number): void;
}

export class FaultInjector implements FaultControl {
  private rules: ActiveFault[] = [];
  private nextId = 1;
  private rng: () => number;

  constructor(seed = 1) {
    this.rng = seededRng(seed);
  }

  add(rule: FaultRule): string {
    if (rule.times !== undefined && (!Number.isInteger(rule.times) || rule.times < 1))
      throw new Error('fault rule: times must be a positive integer');
    if (rule.probability !== undefined && !(rule.probability >= 0 && rule.probability <= 1))
      throw new Error('fault rule: probability must be within 0..1');
    for (const key of ['latencyMs', 'responseTimeMs'] as const) {
      const value = rule[key];
      if (value !== undefined && !(Number.isFinite(value) && value >= 0))
        throw new Error(`fault rule: ${key} must be a non-negative number, got ${value}`);
    }
    const id = `fault-${this.nextId++}`;
    this.rules.push({ id, rule: { ...rule }, hits: 0, remaining: rule.times ?? null });
    return id;
  }

  remove(id: string): boolean {
    const before = this.rules.length;
    this.rules = this.rules.filter((r) => r.id !== id);
    return this.rules.length < before;
  }

  clear(): void {
    this.rules = [];
  }

  list(): ReadonlyArray<ActiveFault> {
    return this.rules.map((r) => ({ ...r, rule: { ...r.rule } }));
  }

  reseed(seed: number): void {
    this.rng = seededRng(seed);
  }

  /** Decide the faults for one request (and count them). */
  decide(method: string, path: string): FaultDecision {
    const decision: FaultDecision = { latencyMs: 0, responseTimeMs: 0, effect: null, ruleIds: [] };
    for (const active of [...this.rules]) {
      const { rule } = active;
      if (rule.method && rule.method.toUpperCase() !== method.toUpperCase()) continue;
      if (rule.path !== undefined && !(typeof rule.path === 'string' ? path.startsWith(rule.path) : rule.path.test(path)))
        continue;
      if (rule.probability !== undefined && !(this.rng() < rule.probability)) continue;
      active.hits++;
      decision.ruleIds.push(active.id);
      if (active.remaining !== null && --active.remaining <= 0) this.remove(active.id);
      decision.latencyMs += rule.latencyMs ?? 0;
      decision.responseTimeMs = Math.max(decision.responseTimeMs, rule.responseTimeMs ?? 0);
      if (decision.effect) continue;
      if (rule.reset) decision.effect = { kind: 'reset' };
      else if (rule.malformedJson) decision.effect = { kind: 'malformed' };
      else if (rule.status !== undefined) {
        decision.effect = {
          kind: 'status',
          status: rule.status,
          retryAfterSeconds:
            rule.status === 429
              ? rule.retryAfterSeconds === undefined
                ? 1
                : rule.retryAfterSeconds
              : (rule.retryAfterSeconds ?? null),
          errorText: rule.errorText ?? null,
        };
      }
    }
    return decision;
  }
}

/** A fault rule as JSON: `path` is a prefix, `pathPattern` a RegExp source. */
export type FaultRuleJson = Omit<FaultRule, 'path'> & { path?: string; pathPattern?: string };

/** Parse `[{ "pathPattern": "^/charges", "status": 500, "probability": 0.1 }, …]`; throws on bad input. */
export function faultRulesFromJson(text: string): FaultRule[] {
  const parsed: unknown = JSON.parse(text);
  const list = Array.isArray(parsed) ? parsed : [parsed];
  return list.map((item, i) => {
    if (!item || typeof item !== 'object') throw new Error(`fault rule #${i}: expected an object`);
    const { pathPattern, ...rest } = item as FaultRuleJson;
    return pathPattern !== undefined ? { ...rest, path: new RegExp(pathPattern) } : rest;
  });
}
