/** The circuit breaker and the adapter decorator, with an injected clock and a fake adapter. */
import { describe, expect, it, vi } from 'vitest';
import { UpstreamError, type LedgerAdapter } from '../../src/adapters/ledger/port';
import { CircuitOpenError, createCircuitBreaker, withCircuitBreaker, circuitOf, adapterHealth } from '../../src/resilience';

const down = () => new UpstreamError('upstream down (HTTP 503)', 'UPSTREAM_UNAVAILABLE', 503, '/x');
const rejected = () => new UpstreamError('rejected (HTTP 400)', 'UPSTREAM_REJECTED', 400, '/x');

function clock() {
  let now = 1_000;
  return { now: () => now, advance: (ms: number) => (now += ms) };
}

describe('circuit breaker', () => {
  it('closed → open after N consecutive failures → half-open after the cool-down → closed on a successful probe', async () => {
    const c = clock();
    const changes: string[] = [];
    const breaker = createCircuitBreaker({
      failureThreshold: 3,
      coolDownMs: 1000,
      now: c.now,
      onStateChange: (s, p) => changes.push(`${p}→${s}`),
    });
    const failing = vi.fn(async () => {
      throw down();
    });
    for (let i = 0; i < 3; i++) await expect(breaker.run(failing)).rejects.toThrow(/503/);
    expect(breaker.state).toBe('open');
    expect(breaker.snapshot().lastError).toMatch(/503/);
    await expect(breaker.run(failing)).rejects.toBeInstanceOf(CircuitOpenError);
    expect(failing).toHaveBeenCalledTimes(3); // failed fast
    c.advance(999);
    await expect(breaker.run(failing)).rejects.toBeInstanceOf(CircuitOpenError);
    c.advance(1);
    expect(breaker.state).toBe('half-open');
    await expect(breaker.run(async () => 'ok')).resolves.toBe('ok');
    expect(breaker.state).toBe('closed');
    expect(breaker.snapshot()).toMatchObject({ consecutiveFailures: 0, lastError: null });
    expect(changes).toEqual(['closed→open', 'open→half-open', 'half-open→closed']);
  });

  it('a failed probe opens it again for a new cool-down; one probe at a time', async () => {
    const c = clock();
    const breaker = createCircuitBreaker({ failureThreshold: 1, coolDownMs: 100, now: c.now });
    await expect(breaker.run(async () => Promise.reject(down()))).rejects.toThrow();
    c.advance(100);
    let release!: () => void;
    const probe = breaker.run(() => new Promise<void>((_resolve, reject) => (release = () => reject(down()))));
    await expect(breaker.run(async () => 'second')).rejects.toBeInstanceOf(CircuitOpenError);
    release();
    await expect(probe).rejects.toThrow(/503/);
    expect(breaker.state).toBe('open');
    c.advance(99);
    expect(breaker.state).toBe('open');
    c.advance(1);
    expect(breaker.state).toBe('half-open');
  });

  it('rejections (4xx, NOT_FOUND) and local errors are the upstream answering: they do not count', async () => {
    const breaker = createCircuitBreaker({ failureThreshold: 2 });
    for (let i = 0; i < 5; i++) {
      await expect(breaker.run(async () => Promise.reject(rejected()))).rejects.toThrow();
      await expect(breaker.run(async () => Promise.reject(new UpstreamError('nf', 'NOT_FOUND', 404)))).rejects.toThrow();
      await expect(breaker.run(async () => Promise.reject(new TypeError('bug')))).rejects.toThrow();
    }
    expect(breaker.state).toBe('closed');
    // Failures must be consecutive: a success in between resets the count.
    await expect(breaker.run(async () => Promise.reject(down()))).rejects.toThrow();
    await breaker.run(async () => 1);
    await expect(breaker.run(async () => Promise.reject(down()))).rejects.toThrow();
    expect(breaker.state).toBe('closed');
  });

  it('a success of a call started before the circuit opened does not close it', async () => {
    const breaker = createCircuitBreaker({ failureThreshold: 1, coolDownMs: 10_000 });
    let finish!: () => void;
    const slow = breaker.run(() => new Promise<void>((resolve) => (finish = resolve)));
    await expect(breaker.run(async () => Promise.reject(down()))).rejects.toThrow();
    expect(breaker.state).toBe('open');
    finish();
    await slow;
    expect(breaker.state).toBe('open');
  });
});

function fakeAdapter(overrides: Partial<LedgerAdapter> = {}) {
  const calls: string[] = [];
  const base = {
    system: 'NEXHEALTH',
    capabilities: { webhooks: false },
    connect: async () => void calls.push('connect'),
    chargesByPatient: async (ids: readonly string[]) => {
      calls.push(`charges:${ids.join(',')}`);
      return ids.map((id) => (id === 'bad' ? down() : []));
    },
    paymentTypes: async () => {
      calls.push('paymentTypes');
      throw down();
    },
    submitWrite: async () => {
      calls.push('submitWrite');
      throw down();
    },
    verifyWebhook: () => ({ transactionId: 'LG:1' }),
    close: async () => void calls.push('close'),
    ...overrides,
  };
  return { adapter: base as unknown as LedgerAdapter, calls };
}

describe('withCircuitBreaker', () => {
  it('opens on upstream failures of any method, then fails fast: batch reads per key, others by rejecting', async () => {
    const c = clock();
    const states: string[] = [];
    const { adapter, calls } = fakeAdapter();
    const wrapped = withCircuitBreaker(adapter, {
      failureThreshold: 2,
      coolDownMs: 50,
      now: c.now,
      name: 'smile-dental',
      onStateChange: (s) => states.push(s),
    });
    expect(adapterHealth(wrapped)).toMatchObject({ state: 'OK', circuit: 'CLOSED' });
    await expect(wrapped.paymentTypes()).rejects.toThrow(/503/);
    expect(adapterHealth(wrapped)).toMatchObject({ state: 'DEGRADED', circuit: 'CLOSED', consecutiveFailures: 1 });
    const batch = await wrapped.chargesByPatient(['1', 'bad']); // a batch with one unavailable key counts
    expect(batch[0]).toEqual([]);
    expect(batch[1]).toBeInstanceOf(UpstreamError);
    expect(circuitOf(wrapped)?.state).toBe('open');
    expect(adapterHealth(wrapped)).toMatchObject({ state: 'DOWN', circuit: 'OPEN', lastError: expect.stringMatching(/503/) });
    calls.length = 0;
    const open = await wrapped.chargesByPatient(['1', '2']);
    expect(open).toHaveLength(2);
    for (const item of open) expect(item).toBeInstanceOf(CircuitOpenError);
    expect((open[0] as UpstreamError).code).toBe('UPSTREAM_UNAVAILABLE');
    expect((open[0] as Error).message).toMatch(/smile-dental: circuit open/);
    await expect(wrapped.paymentTypes()).rejects.toBeInstanceOf(CircuitOpenError);
    await expect(wrapped.connect()).rejects.toBeInstanceOf(CircuitOpenError);
    expect(calls).toEqual([]); // nothing reached the upstream
    // Local methods still work while open.
    expect(wrapped.verifyWebhook!({ headers: {}, rawBody: Buffer.alloc(0), secret: '', now: new Date() })).toEqual({
      transactionId: 'LG:1',
    });
    expect(wrapped.system).toBe('NEXHEALTH');
    c.advance(50);
    expect(await wrapped.chargesByPatient(['1'])).toEqual([[]]);
    expect(states).toEqual(['open', 'half-open', 'closed']);
    await wrapped.close();
    expect(calls).toContain('close');
  });

  it('never retries a write: one submitWrite per call, none while open', async () => {
    const { adapter, calls } = fakeAdapter();
    const wrapped = withCircuitBreaker(adapter, { failureThreshold: 1, coolDownMs: 60_000 });
    const write = {} as Parameters<NonNullable<LedgerAdapter['submitWrite']>>[0];
    await expect(wrapped.submitWrite!(write)).rejects.toThrow(/503/);
    await expect(wrapped.submitWrite!(write)).rejects.toBeInstanceOf(CircuitOpenError);
    expect(calls.filter((c) => c === 'submitWrite')).toHaveLength(1);
  });

  it('leaves optional methods absent when the adapter lacks them', () => {
    const { adapter } = fakeAdapter();
    const wrapped = withCircuitBreaker(adapter);
    expect(wrapped.collectPayment).toBeUndefined();
    expect(wrapped.copays).toBeUndefined();
    expect(wrapped.submitWrite).toBeTypeOf('function');
  });
});
