import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { credentialKey, UpstreamBudgetRegistry, type UpstreamLimits } from '../../src/upstream-budget';

const declaration: UpstreamLimits<{ baseUrl: string; key: string }> = {
  limits: [{ name: 'per-second', limit: 100, windowMs: 1000 }],
  credential: (c) => ({ baseUrl: c.baseUrl, secret: c.key }),
};
const connection = { baseUrl: 'https://vendor.example', key: 'secret-key-1' };

describe('a 429 slows the whole credential (fake timers)', () => {
  beforeEach(() => {
    vi.useFakeTimers({ now: 0 });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it("practice A's 429 with Retry-After: 2 holds practice B's next call on the same credential for 2 s", async () => {
    const budgets = new UpstreamBudgetRegistry();
    const a = budgets.forPractice({ system: 'vendor', practiceId: 'a', connection, declaration });
    const b = budgets.forPractice({ system: 'vendor', practiceId: 'b', connection, declaration });
    const other = budgets.forPractice({
      system: 'vendor',
      practiceId: 'c',
      connection: { ...connection, key: 'another-key' },
      declaration,
    });
    const done = await a.beforeExchange({ endpoint: '/x', attempt: 1 });
    void done(429, 2000);
    let sentAt: number | null = null;
    const bCall = b.beforeExchange({ endpoint: '/x', attempt: 1 }).then(() => {
      sentAt = Date.now();
    });
    // Another credential is not paused.
    await other.beforeExchange({ endpoint: '/x', attempt: 1 });
    await vi.advanceTimersByTimeAsync(1999);
    expect(sentAt).toBeNull();
    await vi.advanceTimersByTimeAsync(1);
    await bCall;
    expect(sentAt).toBe(2000);
    await budgets.close();
  });

  it('names a credential by system, base URL and a digest, never by the secret', () => {
    const key = credentialKey('nexhealth', 'https://nexhealth.info/', 'nex-secret-key');
    expect(key).toMatch(/^nexhealth\|https:\/\/nexhealth\.info\|[0-9a-f]{32}$/);
    expect(key).not.toContain('nex-secret-key');
    expect(credentialKey('nexhealth', 'https://nexhealth.info', 'nex-secret-key')).toBe(key);
  });
});
