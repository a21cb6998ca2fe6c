/**
 * Two gateway instances on one postgres:// store share a credential's budget: together they never
 * send more than the limit in a window, and a 429 seen by one pauses the other.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { UpstreamBudgetRegistry, type UpstreamLimits } from '../../src/upstream-budget';
import { testPostgresUrl } from '../postgres-url';

const url = testPostgresUrl();
const declaration: UpstreamLimits<{ baseUrl: string; key: string }> = {
  limits: [{ name: 'per-second', limit: 40, windowMs: 1000, burst: 4 }],
  credential: (c) => ({ baseUrl: c.baseUrl, secret: c.key }),
};

describe('upstream budget shared through PostgreSQL', () => {
  const registries: UpstreamBudgetRegistry[] = [];
  const instance = () => {
    const registry = new UpstreamBudgetRegistry({ storeUrl: url });
    registries.push(registry);
    return registry;
  };
  afterAll(async () => {
    await Promise.all(registries.map((r) => r.close()));
  });

  it('two instances on one credential never together exceed the limit', async () => {
    // A fresh credential per run: its rows start with full buckets.
    const connection = { baseUrl: `https://vendor-${randomUUID()}.example`, key: 'shared-key' };
    const one = instance().forPractice({ system: 'vendor', practiceId: 'a', connection, declaration });
    const two = instance().forPractice({ system: 'vendor', practiceId: 'b', connection, declaration });
    const sent: Array<{ at: number; by: string }> = [];
    const flood = (handle: typeof one, by: string) =>
      Array.from({ length: 45 }, () =>
        handle.beforeExchange({ endpoint: '/x', attempt: 1 }).then(() => void sent.push({ at: Date.now(), by })),
      );
    await Promise.all([...flood(one, 'one'), ...flood(two, 'two')]);
    expect(sent).toHaveLength(90);
    // Both instances were served (they share, neither starves)…
    expect(sent.filter((s) => s.by === 'one').length).toBeGreaterThan(10);
    expect(sent.filter((s) => s.by === 'two').length).toBeGreaterThan(10);
    // …and no window of a second holds more than the limit, counted over both (times are when each
    // call was released; a few ms of scheduling separate that from the lease, hence the 980 ms window).
    const times = sent.map((s) => s.at).sort((a, b) => a - b);
    let worst = 0;
    for (let i = 0, j = 0; i < times.length; i++) {
      while (times[i]! - times[j]! >= 980) j++;
      worst = Math.max(worst, i - j + 1);
    }
    expect(worst).toBeLessThanOrEqual(40);
    // Alone, each instance would have sent its 45 at once-ish; together they had to wait on each other.
    expect(times.at(-1)! - times[0]!).toBeGreaterThanOrEqual(1000);
  });

  it("one instance's 429 pauses the credential for the other instance", async () => {
    // Lower bound only: the other instance is released no earlier than the pause allows.
    const connection = { baseUrl: `https://vendor-${randomUUID()}.example`, key: 'shared-key' };
    const one = instance().forPractice({ system: 'vendor', practiceId: 'a', connection, declaration });
    const two = instance().forPractice({ system: 'vendor', practiceId: 'b', connection, declaration });
    const oneDone = await one.beforeExchange({ endpoint: '/x', attempt: 1 });
    await two.beforeExchange({ endpoint: '/x', attempt: 1 }); // its rows exist and it has been served once
    const pausedAt = Date.now();
    await oneDone(429, 1500); // recorded in the store
    let released = 0;
    await two.beforeExchange({ endpoint: '/x', attempt: 1 }).then(() => {
      released = Date.now();
    });
    expect(released - pausedAt).toBeGreaterThanOrEqual(1000);
  });
});
