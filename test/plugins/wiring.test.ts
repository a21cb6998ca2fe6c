/**
 * All the plugins together, typed as the gateway wires them (ApolloServer<GatewayContext>), in the
 * recommended order: the operation guard first, then metrics and logging, which see the final response.
 */
import { Writable } from 'node:stream';
import { ApolloServer } from '@apollo/server';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import type { GatewayContext } from '../../src/graphql/context';
import { defaultLimits } from '../../src/config';
import { createMetrics } from '../../src/plugins/metrics';
import { apolloOperationGuard, createOperationGuard } from '../../src/plugins/operation-guard';
import { requestLogging } from '../../src/plugins/request-logging';
import { caller, schema, single } from './helpers';

// One graphql for everything, as under Node (see helpers.ts).

describe('the plugins wired together', () => {
  it('refuse, count and log the same operations consistently', async () => {
    const limits = { ...defaultLimits, requestsPerMinute: 2 };
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
        apolloOperationGuard(createOperationGuard({ ...limits, now: () => 0 })),
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
