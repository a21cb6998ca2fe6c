import type { ApolloServer } from '@apollo/server';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { TokenBuckets } from '../../src/plugins/operation-guard';
import { caller, calls, guardPlugin, single, startServer, type TestCaller, type TestContext } from './helpers';

// One graphql for everything, as under Node (see helpers.ts).

describe('TokenBuckets', () => {
  it('allows a minute’s worth at once, then refills continuously', () => {
    let now = 0;
    const buckets = new TokenBuckets(() => now);
    for (let i = 0; i < 60; i += 1) expect(buckets.take('k', 60).allowed).toBe(true);
    expect(buckets.take('k', 60)).toEqual({ allowed: false, retryAfterSeconds: 1 });
    now += 999;
    expect(buckets.take('k', 60).allowed).toBe(false);
    now += 1;
    expect(buckets.take('k', 60)).toEqual({ allowed: true, remaining: 0 });
    now += 30_000; // half a minute: 30 tokens back
    for (let i = 0; i < 30; i += 1) expect(buckets.take('k', 60).allowed).toBe(true);
    expect(buckets.take('k', 60).allowed).toBe(false);
  });

  it('drops buckets idle for a minute and keeps at most maxKeys', () => {
    let now = 0;
    const buckets = new TokenBuckets(() => now, 3);
    for (const key of ['a', 'b', 'c', 'd']) buckets.take(key, 10);
    expect(buckets.size).toBe(3); // 'a', least recently used, dropped
    now = 59_999;
    buckets.take('b', 10);
    expect(buckets.size).toBe(3);
    now = 60_000; // 'c' and 'd' idle for a minute; 'b' is not
    buckets.take('e', 10);
    expect(buckets.size).toBe(2);
    // A dropped bucket was full anyway: a fresh one behaves the same.
    for (let i = 0; i < 10; i += 1) expect(buckets.take('c', 10).allowed).toBe(true);
    expect(buckets.take('c', 10).allowed).toBe(false);
  });

  it('keeps the least-recently-used order through repeated takes of one key, and sweeps idle ones past a minute', () => {
    let now = 0;
    const buckets = new TokenBuckets(() => now, 2);
    for (const key of ['a', 'b', 'b', 'a', 'c']) buckets.take(key, 10);
    expect(buckets.size).toBe(2); // 'b' was touched before 'a': it is the one dropped
    for (let i = 0; i < 8; i += 1) expect(buckets.take('a', 10).allowed).toBe(true); // 'a' kept its count: 10 - 2
    expect(buckets.take('a', 10).allowed).toBe(false);
    now = 59_999; // 'c' (taken at 0) is a millisecond short of idle, 'a' busy throughout
    buckets.take('a', 10);
    expect(buckets.size).toBe(2);
    now = 60_000;
    buckets.take('a', 10);
    expect(buckets.size).toBe(1); // 'c' idle for a minute
  });
});

describe('the operation guard: rate limit per key', () => {
  let server: ApolloServer<TestContext>;
  let now = 1_000_000;
  const run = (who: TestCaller, query = '{ practices { id } }') =>
    server.executeOperation({ query }, { contextValue: { caller: who } });

  beforeEach(async () => {
    now = 1_000_000;
    calls.count = 0;
    server = await startServer([guardPlugin({ requestsPerMinute: 3, now: () => now })]);
  });
  afterEach(async () => server.stop());

  function expectLimited(response: Awaited<ReturnType<typeof run>>, retryAfterSeconds: number, keyName: string) {
    const result = single(response);
    expect(result.data).toBeUndefined();
    expect(result.errors).toEqual([
      {
        message: `rate limit exceeded for API key "${keyName}"; retry after ${retryAfterSeconds} s`,
        extensions: { code: 'RATE_LIMITED', retryAfterSeconds },
      },
    ]);
    expect(response.http.status).toBe(429);
    expect(response.http.headers.get('retry-after')).toBe(String(retryAfterSeconds));
  }

  it('refuses the request over the limit with 429 and Retry-After, then lets it through after the refill', async () => {
    for (let i = 0; i < 3; i += 1) {
      const ok = await run(caller('portal'));
      expect(single(ok).errors).toBeUndefined();
      expect(ok.http.status).toBeUndefined();
    }
    // 3 per minute: one token every 20 s.
    expectLimited(await run(caller('portal')), 20, 'portal');
    expect(calls.count).toBe(3);
    now += 15_000;
    expectLimited(await run(caller('portal')), 5, 'portal');
    now += 5_000;
    expect(single(await run(caller('portal'))).errors).toBeUndefined();
    expectLimited(await run(caller('portal')), 20, 'portal');
    expect(calls.count).toBe(4);
  });

  it('keeps one bucket per API key and honours the key’s own requestsPerMinute', async () => {
    const slow = caller('slow', 1);
    expect(single(await run(slow)).errors).toBeUndefined();
    expectLimited(await run(slow), 60, 'slow');
    // Another key is untouched.
    for (let i = 0; i < 3; i += 1) expect(single(await run(caller('other'))).errors).toBeUndefined();
    const generous = caller('generous', 1000);
    for (let i = 0; i < 10; i += 1) expect(single(await run(generous)).errors).toBeUndefined();
  });

  it('counts requests that fail to parse or validate, and answers them RATE_LIMITED when over', async () => {
    const who = caller('sloppy');
    expect(single(await run(who, '{ practices {')).errors![0]!.extensions!.code).toBe('GRAPHQL_PARSE_FAILED');
    expect(single(await run(who, '{ nope }')).errors![0]!.extensions!.code).toBe('GRAPHQL_VALIDATION_FAILED');
    expect(single(await run(who)).errors).toBeUndefined();
    expectLimited(await run(who, '{ practices {'), 20, 'sloppy');
    expectLimited(await run(who, '{ nope }'), 20, 'sloppy');
  });

  it('refuses on the rate first, whatever else is wrong with the request (too many tokens)', async () => {
    const guarded = await startServer([guardPlugin({ requestsPerMinute: 1, maxTokens: 10, now: () => now })], {
      parseOptions: { maxTokens: 10 },
    });
    try {
      const who = caller('long-winded');
      const long = `{ practices { ${'id '.repeat(20)}} }`;
      const first = single(await guarded.executeOperation({ query: long }, { contextValue: { caller: who } }));
      expect(first.errors![0]!.extensions).toMatchObject({ code: 'QUERY_TOO_COMPLEX', limit: 'maxTokens' });
      expectLimited(await guarded.executeOperation({ query: long }, { contextValue: { caller: who } }), 60, 'long-winded');
    } finally {
      await guarded.stop();
    }
  });
});
