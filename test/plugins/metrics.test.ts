import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ApolloServer } from '@apollo/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMetrics, metricsRoute, type GatewayMetrics } from '../../src/plugins/metrics';
import { caller, guardPlugin, startServer, type TestContext } from './helpers';

// One graphql for everything, as under Node (see helpers.ts).

/** The value of one series line, e.g. `name{a="b"} 3`. */
function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

describe('createMetrics', () => {
  let metrics: GatewayMetrics;
  let server: ApolloServer<TestContext>;
  // Start and end of the first two operations (ms), then a still clock.
  const ticks = [0, 30, 1000, 1300];
  const clock = () => ticks.shift() ?? 5000;

  beforeAll(async () => {
    metrics = createMetrics({ defaultMetrics: false, maxOperationNames: 3, now: clock });
    server = await startServer([guardPlugin({ requestsPerMinute: 1, maxDepth: 3, now: () => 0 }), metrics.plugin]);
    const run = (query: string, keyName: string) =>
      server.executeOperation({ query }, { contextValue: { caller: caller(keyName) } });
    await run('query Practices { practices { id } }', 'k1'); // ok, 30 ms
    await run('query Practices { practices { id } }', 'k2'); // ok, 300 ms
    await run('query Missing { missing(practiceId: "smile-dental") { id } }', 'k3'); // error NOT_FOUND, data null
    await run('query Partial { practices { id } broken }', 'k4'); // partial: data + INTERNAL_SERVER_ERROR
    await run('{ practices { id } }', 'k5'); // anonymous
    await run('query Deep { patient(practiceId: "a", patientId: "b") { guarantor { patient { id } } } }', 'k6');
    await run('query Later { practices { id } }', 'k7'); // beyond maxOperationNames: (other)
    await run('query Practices { practices { id } }', 'k1'); // k1 again: RATE_LIMITED
    await run('{ practices {', 'k8'); // syntax error: (unresolved)
    metrics.observeUpstreamCall({
      practiceId: 'smile-dental',
      endpoint: '/patients',
      method: 'get',
      status: 200,
      durationMs: 120,
    });
    metrics.observeUpstreamCall({
      practiceId: 'smile-dental',
      endpoint: '/patients',
      method: 'GET',
      status: 200,
      durationMs: 80,
    });
    metrics.observeUpstreamCall({
      practiceId: 'northside',
      endpoint: '/claims/:id',
      method: 'GET',
      status: null,
      durationMs: 5000,
    });
    metrics.observeBatch('patients', 3);
    metrics.observeBatch('patients', 40);
    metrics.observeWebhook('valid');
    metrics.observeWebhook('invalid');
    metrics.observeWebhook('valid');
    metrics.observeTransactionStatus('PENDING');
    metrics.observeTransactionStatus('COMPLETED');
    metrics.setTransactionsByStatus({ PENDING: 2, FAILED: 1 });
    metrics.setCircuitState('northside', 'open');
  });
  afterAll(async () => server.stop());

  it('counts operations by name and outcome, with bounded names', async () => {
    const text = await metrics.registry.metrics();
    const ops = 'ledger_gateway_graphql_operations_total';
    expect(sample(text, `${ops}{operation="Practices",outcome="ok"}`)).toBe(2);
    expect(sample(text, `${ops}{operation="Practices",outcome="error"}`)).toBe(1); // rate limited
    expect(sample(text, `${ops}{operation="Missing",outcome="error"}`)).toBe(1);
    expect(sample(text, `${ops}{operation="Partial",outcome="partial"}`)).toBe(1);
    expect(sample(text, `${ops}{operation="(anonymous)",outcome="ok"}`)).toBe(1);
    expect(sample(text, `${ops}{operation="(other)",outcome="error"}`)).toBe(1); // Deep: 4th name
    expect(sample(text, `${ops}{operation="(other)",outcome="ok"}`)).toBe(1); // Later
    expect(sample(text, `${ops}{operation="(unresolved)",outcome="error"}`)).toBe(1);
    const errors = 'ledger_gateway_graphql_errors_total';
    expect(sample(text, `${errors}{code="NOT_FOUND"}`)).toBe(1);
    expect(sample(text, `${errors}{code="INTERNAL_SERVER_ERROR"}`)).toBe(1);
    expect(sample(text, `${errors}{code="RATE_LIMITED"}`)).toBe(1);
    expect(sample(text, `${errors}{code="QUERY_TOO_COMPLEX"}`)).toBe(1);
    expect(sample(text, `${errors}{code="GRAPHQL_PARSE_FAILED"}`)).toBe(1);
  });

  it('records operation latency in a histogram', async () => {
    const text = await metrics.registry.metrics();
    const h = 'ledger_gateway_graphql_operation_duration_seconds';
    expect(sample(text, `${h}_count{operation="Practices",outcome="ok"}`)).toBe(2);
    expect(sample(text, `${h}_sum{operation="Practices",outcome="ok"}`)).toBeCloseTo(0.33, 6);
    expect(sample(text, `${h}_bucket{le="0.05",operation="Practices",outcome="ok"}`)).toBe(1);
    expect(sample(text, `${h}_bucket{le="0.5",operation="Practices",outcome="ok"}`)).toBe(2);
  });

  it('records upstream calls, batches, webhooks, transactions and circuits', async () => {
    const text = await metrics.registry.metrics();
    const up = 'ledger_gateway_upstream_requests_total';
    expect(sample(text, `${up}{practice="smile-dental",endpoint="/patients",method="GET",status="200"}`)).toBe(2);
    expect(sample(text, `${up}{practice="northside",endpoint="/claims/:id",method="GET",status="error"}`)).toBe(1);
    const upSeconds = 'ledger_gateway_upstream_request_duration_seconds';
    expect(sample(text, `${upSeconds}_sum{practice="smile-dental",endpoint="/patients",method="GET",status="200"}`)).toBeCloseTo(
      0.2,
      6,
    );
    expect(sample(text, `ledger_gateway_dataloader_batch_size_count{loader="patients"}`)).toBe(2);
    expect(sample(text, `ledger_gateway_dataloader_batch_size_bucket{le="5",loader="patients"}`)).toBe(1);
    expect(sample(text, `ledger_gateway_dataloader_batch_size_sum{loader="patients"}`)).toBe(43);
    expect(sample(text, `ledger_gateway_webhook_verifications_total{result="valid"}`)).toBe(2);
    expect(sample(text, `ledger_gateway_webhook_verifications_total{result="invalid"}`)).toBe(1);
    expect(sample(text, `ledger_gateway_transaction_status_changes_total{status="COMPLETED"}`)).toBe(1);
    expect(sample(text, `ledger_gateway_transactions{status="PENDING"}`)).toBe(2);
    expect(sample(text, `ledger_gateway_transactions{status="FAILED"}`)).toBe(1);
    expect(sample(text, `ledger_gateway_circuit_state{practice="northside",state="open"}`)).toBe(1);
    expect(sample(text, `ledger_gateway_circuit_state{practice="northside",state="closed"}`)).toBe(0);
    metrics.setCircuitState('northside', 'half-open');
    const after = await metrics.registry.metrics();
    expect(sample(after, `ledger_gateway_circuit_state{practice="northside",state="open"}`)).toBe(0);
    expect(sample(after, `ledger_gateway_circuit_state{practice="northside",state="half-open"}`)).toBe(1);
  });

  it('collects Node process metrics unless turned off', async () => {
    expect(await metrics.registry.metrics()).not.toContain('process_cpu');
    const withDefaults = createMetrics();
    expect(await withDefaults.registry.metrics()).toContain('ledger_gateway_process_cpu_user_seconds_total');
  });
});

describe('metricsRoute', () => {
  let http: Server;
  let base: string;
  const metrics = createMetrics({ defaultMetrics: false });

  beforeAll(async () => {
    metrics.observeWebhook('valid');
    const route = metricsRoute(metrics.registry, { authorize: (req) => req.headers['x-scrape'] !== 'no' });
    http = createServer((req, res) => {
      route(req, res, new URL(req.url ?? '/', 'http://localhost')).then((handled) => {
        if (!handled) {
          res.statusCode = 404;
          res.end('not mine');
        }
      });
    });
    await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
  });
  afterAll(async () => new Promise<void>((resolve) => http.close(() => resolve())));

  it('serves GET /metrics with the registry’s content type', async () => {
    const response = await fetch(`${base}/metrics`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe(metrics.registry.contentType);
    expect(await response.text()).toContain('ledger_gateway_webhook_verifications_total{result="valid"} 1');
  });

  it('leaves other paths to the next route, refuses other methods and unauthorized scrapes', async () => {
    expect((await fetch(`${base}/healthz`)).status).toBe(404);
    const post = await fetch(`${base}/metrics`, { method: 'POST' });
    expect(post.status).toBe(405);
    expect(post.headers.get('allow')).toBe('GET, HEAD');
    expect((await fetch(`${base}/metrics`, { headers: { 'x-scrape': 'no' } })).status).toBe(403);
  });
});
