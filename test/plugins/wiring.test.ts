/**
 * All the plugins together, typed as the gateway wires them (ApolloServer<GatewayContext>), in the
 * recommended order: refusals first, then metrics and logging, which see the final response.
 */
import { Writable } from 'node:stream';
import { ApolloServer } from '@apollo/server';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import type { GatewayContext } from '../../src/graphql/context';
import { introspectionPerKey } from '../../src/plugins/introspection-per-key';
import { createMetrics } from '../../src/plugins/metrics';
import { queryLimits } from '../../src/plugins/query-limits';
import { rateLimit } from '../../src/plugins/rate-limit';
import { requestLogging } from '../../src/plugins/request-logging';
import { caller, schema, single } from './helpers';

// One graphql for everything, as under Node (see helpers.ts).

describe('the plugins wired together', () => {
  it('refuse, count and log the same operations consistently', async () => {
    const limits = { maxDepth: 12, maxAliases: 30, maxTokens: 5000, maxCost: 20000, requestsPerMinute: 2 };
    const lines: string[] = [];
    const logger = pino(
      { base: undefined },
      new Writable({
        write(chunk, _encoding, done) {
          lines.push(String(chunk));
          done();
        },
      }),
    );
    const metrics = createMetrics({ defaultMetrics: false });
    const apollo = new ApolloServer<GatewayContext>({
      schema,
      introspection: true,
      parseOptions: { maxTokens: limits.maxTokens },
      plugins: [
        rateLimit({ requestsPerMinute: limits.requestsPerMinute, now: () => 0 }),
        queryLimits(limits),
        introspectionPerKey(),
        metrics.plugin,
        requestLogging({ logger }),
      ],
    });
    await apollo.start();
    try {
      // Only `caller` is read by these plugins; the rest of the context is the gateway's.
      const contextValue = () => ({ caller: caller('portal') }) as unknown as GatewayContext;
      const ok = await apollo.executeOperation({ query: 'query Ok { practices { id } }' }, { contextValue: contextValue() });
      expect(single(ok).errors).toBeUndefined();
      const costly = await apollo.executeOperation(
        { query: 'query Costly { practices { patients(first: 5000) { charges { fee } } } }' },
        { contextValue: contextValue() },
      );
      expect(single(costly).errors![0]!.extensions).toMatchObject({ code: 'QUERY_TOO_COMPLEX', limit: 'maxCost' });
      expect(costly.http.status).toBe(400);
      const limited = await apollo.executeOperation({ query: 'query Ok { practices { id } }' }, { contextValue: contextValue() });
      expect(single(limited).errors![0]!.extensions!.code).toBe('RATE_LIMITED');
      expect(limited.http.status).toBe(429);
      expect(limited.http.headers.get('retry-after')).toBe('30');

      const text = await metrics.registry.metrics();
      expect(text).toContain('ledger_gateway_graphql_operations_total{operation="Ok",outcome="ok"} 1');
      expect(text).toContain('ledger_gateway_graphql_operations_total{operation="Costly",outcome="error"} 1');
      expect(text).toContain('ledger_gateway_graphql_operations_total{operation="Ok",outcome="error"} 1');
      expect(text).toContain('ledger_gateway_graphql_errors_total{code="RATE_LIMITED"} 1');
      expect(lines.map((l) => JSON.parse(l).errorCodes)).toEqual([[], ['QUERY_TOO_COMPLEX'], ['RATE_LIMITED']]);
    } finally {
      await apollo.stop();
    }
  });
});
