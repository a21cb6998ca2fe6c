/**
 * Fault injection for the athenahealth sandbox: per path (and method), for the next N matching
 * requests or with a seeded probability.
 *
 *     sandbox.faults.add({ path: '/collectpayment', kind: '500' });                 // the next one
 *     sandbox.faults.add({ path: /\/patients\/\d+$/, kind: '429', retryAfterSeconds: 1, times: 2 });
 *     sandbox.faults.add({ kind: 'latency', latencyMs: 50, probability: 0.3, seed: 7 });
 *     sandbox.faults.clear();
 *
 * `latency` delays the request and lets it go on (to other faults, then the real route); every other
 * kind answers in place of the route. The first matching non-latency rule wins.
 */
import { seededRng } from '../shared/seeded-rng';

export type FaultKind =
  /** Delay by `latencyMs`, then continue. */
  | 'latency'
  /** 429 `{"error":"Too many requests"}` with `Retry-After: retryAfterSeconds` (default 1). */
  | '429'
  /** 500 `{"error":"Internal Server Error","detailedmessage":…}`. */
  | '500'
  /** 502 with an HTML body (what the API gateway sends: not JSON). */
  | '502'
  /** 503 with a plain-text body. */
  | '503'
  /** 400 `{"error":"Invalid parameter.","detailedmessage":…}`: an upstream rejection. */
  | '400'
  /** 401 `{"error":"Invalid token"}` as if the token had expired. */
  | '401'
  /** 200 with a truncated JSON body. */
  | 'malformed'
  /** The socket is destroyed without an answer. */
  | 'reset';

export interface FaultRule {
  kind: FaultKind;
  /** Matched against the URL path (no query): a string matches when the path contains it. Default: every path. */
  path?: string | RegExp;
  /** `GET`, `POST`, … Default: every method. */
  method?: string;
  /** Apply to the next N matching requests. Default 1 unless `probability` is given (then unlimited). */
  times?: number;
  /** Apply to each matching request with this probability (seeded, deterministic). */
  probability?: number;
  /** Seed of the probability's PRNG. Default 1. */
  seed?: number;
  latencyMs?: number;
  retryAfterSeconds?: number;
}

export interface ActiveFault {
  readonly id: number;
  readonly rule: Readonly<FaultRule>;
  /** How many requests it has hit so far. */
  readonly hits: number;
  /** How many more it may hit (`Infinity` when unlimited). */
  readonly remaining: number;
  remove(): void;
}

export interface FaultControls {
  add(rule: FaultRule): ActiveFault;
  clear(): void;
  list(): ActiveFault[];
}

interface Entry {
  id: number;
  rule: FaultRule;
  hits: number;
  remaining: number;
  random: (() => number) | null;
}

export class FaultRegistry implements FaultControls {
  private entries: Entry[] = [];
  private nextId = 1;

  add(rule: FaultRule): ActiveFault {
    if (rule.probability !== undefined && !(rule.probability >= 0 && rule.probability <= 1)) {
      throw new RangeError(`fault probability must be within 0..1, got ${rule.probability}`);
    }
    const entry: Entry = {
      id: this.nextId++,
      rule: { ...rule },
      hits: 0,
      remaining: rule.times ?? (rule.probability !== undefined ? Infinity : 1),
      random: rule.probability !== undefined ? seededRng(rule.seed ?? 1) : null,
    };
    this.entries.push(entry);
    return this.view(entry);
  }

  clear(): void {
    this.entries = [];
  }

  list(): ActiveFault[] {
    return this.entries.map((e) => this.view(e));
  }

  /** The rules that fire for this request, in order (consumes their counts). */
  take(method: string, path: string): FaultRule[] {
    const fired: FaultRule[] = [];
    for (const entry of [...this.entries]) {
      const { rule } = entry;
      if (rule.method && rule.method.toUpperCase() !== method.toUpperCase()) continue;
      if (rule.path !== undefined) {
        const hit = typeof rule.path === 'string' ? path.includes(rule.path) : rule.path.test(path);
        if (!hit) continue;
      }
      if (entry.remaining <= 0) continue;
      if (entry.random && entry.random() >= (rule.probability ?? 1)) continue;
      entry.hits++;
      entry.remaining--;
      fired.push(rule);
      if (entry.remaining <= 0) this.entries = this.entries.filter((e) => e !== entry);
      if (rule.kind !== 'latency') break; // the first answering fault wins; later ones keep their counts
    }
    return fired;
  }

  private view(entry: Entry): ActiveFault {
    return {
      id: entry.id,
      rule: entry.rule,
      get hits() {
        return entry.hits;
      },
      get remaining() {
        return entry.remaining;
      },
      remove: () => {
        this.entries = this.entries.filter((e) => e !== entry);
      },
    };
  }
}
