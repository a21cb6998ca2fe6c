/**
 * Square's idempotency keys: per seller and endpoint, kept 24 h of the sandbox clock, bodies compared
 * with object keys sorted. Only successful answers are kept, so a failed attempt can be retried with
 * the same key.
 */
import { invalid } from './errors';
import type { Seller } from './records';

/** How long an answer stays bound to its key (sandbox clock): Square's 24 h. */
const IDEMPOTENCY_RETENTION_MS = 24 * 60 * 60 * 1000;

/** JSON with object keys sorted at every level: two bodies compare equal whatever their key order. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

interface StoredAnswer {
  body: string;
  answer: unknown;
  at: number;
}

export class IdempotencyKeys {
  private readonly answers = new Map<string, StoredAnswer>();

  constructor(private readonly now: () => number) {}

  /**
   * Run `create` once per (seller, endpoint, key): the same key with the same body (key order
   * ignored) answers the first successful answer; with another body, 400 `IDEMPOTENCY_KEY_REUSED`.
   * A failed attempt is not remembered. Without a key, every request is independent.
   */
  run<T>(seller: Seller, endpoint: string, key: string | undefined, body: unknown, create: () => T): T {
    if (!key) return create();
    const id = `${seller.merchantId}\n${endpoint}\n${key}`;
    const canonical = canonicalJson(body);
    const stored = this.answers.get(id);
    if (stored && this.now() - stored.at < IDEMPOTENCY_RETENTION_MS) {
      if (stored.body !== canonical)
        throw invalid(
          'IDEMPOTENCY_KEY_REUSED',
          'The idempotency key was already used with a different request.',
          'idempotency_key',
        );
      return JSON.parse(JSON.stringify(stored.answer)) as T;
    }
    const answer = create();
    this.answers.set(id, { body: canonical, answer: JSON.parse(JSON.stringify(answer)), at: this.now() });
    return answer;
  }

  clear(): void {
    this.answers.clear();
  }
}
