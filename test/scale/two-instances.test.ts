/**
 * Scale-out: two gateway instances on one PostgreSQL server (LEDGER_TEST_POSTGRES_URL; `npm test`
 * sets it). The instances share nothing but the database: transactions (one SEQUENCE for
 * ids, idempotency rows) and status changes (LISTEN/NOTIFY, src/transactions/pg-status-bus.ts).
 *
 * Webhooks: both instances register the SAME public URL (`server.publicUrl`), the one of a load
 * balancer in front of them — here a tiny loopback proxy whose target the test switches. NexHealth
 * (and the sandbox) keeps one endpoint per target URL with one secret: the second instance finds the
 * first one's endpoint by `target_url` and reuses it, so the stored secret is the same whichever
 * instance wrote it last, and each delivery reaches exactly one instance. (Were every instance to
 * register its own URL, the sandbox would keep one endpoint per URL and deliver every event to each,
 * but `webhook_registrations` holds one secret per practice: the instance whose secret was overwritten
 * would answer 401 to its copy. See the report: keep one public URL per deployment.)
 *
 * The tables live in their own schema (`search_path` in the URL) so this file can run beside
 * test/transactions/postgres.test.ts, which drops the default schema's tables.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import pg from 'pg';
import { createClient, type Client } from 'graphql-ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { parseConfig } from '../../src/config';
import { athenahealthSandboxPractices } from '../../src/sandbox/athenahealth/mode';
import { nexhealthSandboxPractices } from '../../src/sandbox/nexhealth/mode';
import { createLogger } from '../../src/logging/logger';
import { startGateway, type RunningGateway } from '../../src/server/gateway';
import { startAthenahealthSandbox, type AthenahealthSandbox } from '../../src/sandbox/athenahealth';
import { NEX_SEED, startNexhealthSandbox, type NexhealthSandbox } from '../../src/sandbox/nexhealth';
import { testPostgresUrl } from '../postgres-url';

const baseUrl = testPostgresUrl();
const SCHEMA = 'ledger_scale_test';
const KEY = 'scale-test-key-all-practices-0000001';

function withSearchPath(url: string, schema: string): string {
  const u = new URL(url);
  u.searchParams.set('options', `-c search_path=${schema}`);
  return u.toString();
}

/** A one-target HTTP forwarder: the "load balancer" whose URL both instances register. */
async function startForwarder(): Promise<{ url: string; target: string; hits: Map<string, number>; close(): Promise<void> }> {
  const state = { url: '', target: '', hits: new Map<string, number>() };
  const server = http.createServer((req, res) => {
    const target = state.target;
    state.hits.set(target, (state.hits.get(target) ?? 0) + 1);
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const upstream = http.request(
        new URL(req.url ?? '/', target),
        { method: req.method, headers: { ...req.headers, host: new URL(target).host } },
        (reply) => {
          res.writeHead(reply.statusCode ?? 502, reply.headers);
          reply.pipe(res);
        },
      );
      upstream.on('error', () => {
        res.writeHead(502);
        res.end();
      });
      upstream.end(Buffer.concat(chunks));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  state.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    get url() {
      return state.url;
    },
    get target() {
      return state.target;
    },
    set target(value: string) {
      state.target = value;
    },
    hits: state.hits,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

describe('two gateway instances on one PostgreSQL', () => {
  let nex: NexhealthSandbox;
  let athena: AthenahealthSandbox;
  let lb: Awaited<ReturnType<typeof startForwarder>>;
  let a: RunningGateway;
  let b: RunningGateway;
  const clients: Client[] = [];

  const config = (storeUrl: string, publicUrl: string) =>
    parseConfig({
      server: { port: 0, host: '127.0.0.1', publicUrl },
      store: { url: storeUrl },
      transactionIdPrefix: 'LG',
      logLevel: 'silent',
      apiKeys: [{ name: 'all', key: KEY, practices: ['*'] }],
      practices: [...nexhealthSandboxPractices(nex), ...athenahealthSandboxPractices(athena)].filter(
        (p) => p.id === 'smile-dental',
      ),
    });

  async function gql(gateway: RunningGateway, query: string, variables: Record<string, unknown> = {}) {
    const response = await fetch(`${gateway.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${KEY}` },
      body: JSON.stringify({ query, variables }),
    });
    return (await response.json()) as { data?: any; errors?: Array<{ message: string; extensions?: { code?: string } }> };
  }

  const PAY = /* GraphQL */ `
    mutation Pay($input: CreatePaymentTransactionInput!) {
      createPaymentTransaction(input: $input) { transaction { transactionId status } }
    }
  `;
  const pay = (gateway: RunningGateway, idempotencyKey: string, amount = '10.00') =>
    gql(gateway, PAY, {
      input: {
        practiceId: 'smile-dental',
        patientId: NEX_SEED.families.alvarez.guarantorId,
        amount,
        paymentTypeId: NEX_SEED.paymentTypes.openDental.cash,
        idempotencyKey,
      },
    });

  /** Statuses seen by a graphql-ws subscriber on `gateway` for one transaction, and a way to await one. */
  function watch(gateway: RunningGateway) {
    const client = createClient({
      url: gateway.url.replace(/^http/, 'ws') + '/graphql',
      webSocketImpl: WebSocket,
      connectionParams: { Authorization: `Bearer ${KEY}` },
      retryAttempts: 0,
      lazy: false,
    });
    clients.push(client);
    const seen: Array<{ transactionId: string; status: string }> = [];
    const waiters: Array<{ test: () => boolean; resolve: () => void }> = [];
    const connected = new Promise<void>((resolve) => client.on('connected', () => resolve()));
    client.subscribe<{ transactionStatusChanged: { transactionId: string; status: string } }>(
      { query: 'subscription { transactionStatusChanged(practiceId: "smile-dental") { transactionId status } }' },
      {
        next: ({ data }) => {
          if (data) seen.push(data.transactionStatusChanged);
          for (const w of [...waiters]) {
            if (!w.test()) continue;
            waiters.splice(waiters.indexOf(w), 1);
            w.resolve();
          }
        },
        error: () => undefined,
        complete: () => undefined,
      },
    );
    return {
      seen,
      connected,
      until(transactionId: string, status: string, timeoutMs = 10_000) {
        const test = () => seen.some((s) => s.transactionId === transactionId && s.status === status);
        if (test()) return Promise.resolve();
        return new Promise<void>((resolve, reject) => {
          const timer = setTimeout(
            () => reject(new Error(`no ${status} for ${transactionId}; saw ${JSON.stringify(seen)}`)),
            timeoutMs,
          );
          waiters.push({
            test,
            resolve: () => {
              clearTimeout(timer);
              resolve();
            },
          });
        });
      },
    };
  }

  /** The subscription's server side is registered once the first `next` of its iterator waits. */
  const settleSubscriptions = () => new Promise((resolve) => setTimeout(resolve, 150));

  beforeAll(async () => {
    const admin = new pg.Client({ connectionString: baseUrl });
    await admin.connect();
    await admin.query(`DROP SCHEMA IF EXISTS ${SCHEMA} CASCADE`);
    await admin.query(`CREATE SCHEMA ${SCHEMA}`);
    await admin.end();
    const storeUrl = withSearchPath(baseUrl, SCHEMA);

    nex = await startNexhealthSandbox({ rateLimits: false, insertion: 'manual', webhookRetryDelaysMs: [20, 40] });
    athena = await startAthenahealthSandbox({ port: 0 });
    lb = await startForwarder();
    const logger = createLogger({ level: 'silent' });
    const adapterOptions = { retryBaseDelayMs: 1, maxRetries: 2, timeoutMs: 2000 };
    // Both at once, as a deployment would start them: migrations take an advisory lock.
    [a, b] = await Promise.all([
      startGateway(config(storeUrl, lb.url), { logger, adapterOptions }),
      startGateway(config(storeUrl, lb.url), { logger, adapterOptions }),
    ]);
    await Promise.all([a.settled, b.settled]);
    lb.target = a.url;
  });

  afterAll(async () => {
    await Promise.all(clients.map((c) => c.dispose()));
    await a?.close();
    await b?.close();
    await lb?.close();
    await nex?.close();
    await athena?.close();
  });

  it('registers one webhook endpoint for the shared public URL', () => {
    const target = `${lb.url}/webhooks/nexhealth/smile-dental`;
    expect(nex.webhooks.endpoints.filter((e) => e.target_url === target)).toHaveLength(1);
  });

  it('shows a subscriber on B the mutation made on A, completed by a webhook delivered to A, then to B', async () => {
    const onB = watch(b);
    await onB.connected;
    await settleSubscriptions();

    // Webhook to A: A stores COMPLETED and NOTIFYs; B's subscriber hears it through PostgreSQL.
    const first = await pay(a, 'scale-1');
    expect(first.errors).toBeUndefined();
    const id1 = first.data.createPaymentTransaction.transaction.transactionId as string;
    await onB.until(id1, 'SUBMITTED');
    lb.target = a.url;
    await nex.completePendingInsertions();
    await nex.settle();
    await onB.until(id1, 'COMPLETED');
    expect(lb.hits.get(a.url)).toBeGreaterThanOrEqual(1);

    // Webhook to B this time (the "either" of a load balancer): same outcome.
    const second = await pay(a, 'scale-2');
    const id2 = second.data.createPaymentTransaction.transaction.transactionId as string;
    lb.target = b.url;
    await onB.until(id2, 'SUBMITTED');
    await nex.completePendingInsertions();
    await nex.settle();
    await onB.until(id2, 'COMPLETED');
    expect(lb.hits.get(b.url)).toBeGreaterThanOrEqual(1);

    // Every delivery was accepted (no 401 from a stale secret, no retry).
    expect(nex.webhooks.deliveries.every((d) => d.state === 'delivered')).toBe(true);
    expect(nex.webhooks.deliveries.flatMap((d) => d.attempts).every((t) => t.status === 200)).toBe(true);
    // Each status exactly once for each transaction on B.
    for (const id of [id1, id2]) {
      const statuses = onB.seen.filter((s) => s.transactionId === id).map((s) => s.status);
      expect(new Set(statuses).size).toBe(statuses.length);
    }
    // A reads what B's side sees.
    const readBack = await gql(a, `{ transaction(practiceId: "smile-dental", transactionId: "${id2}") { status } }`);
    expect(readBack.data.transaction.status).toBe('COMPLETED');
  });

  it('creates 20 transactions on each instance at once with no duplicate id, one upstream write each', async () => {
    const postsBefore = nex.requests.filter((r) => r.method === 'POST' && r.path === '/payments').length;
    const results = await Promise.all(
      Array.from({ length: 40 }, (_, i) => pay(i % 2 === 0 ? a : b, `scale-many-${i}`, `${1 + (i % 5)}.00`)),
    );
    for (const r of results) expect(r.errors).toBeUndefined();
    const ids = results.map((r) => r.data.createPaymentTransaction.transaction.transactionId as string);
    expect(new Set(ids).size).toBe(40);
    // Same keys again on the other instance: the same transactions, nothing new upstream.
    const again = await Promise.all(
      Array.from({ length: 40 }, (_, i) => pay(i % 2 === 0 ? b : a, `scale-many-${i}`, `${1 + (i % 5)}.00`)),
    );
    expect(again.map((r) => r.data.createPaymentTransaction.transaction.transactionId)).toEqual(ids);
    const deadline = Date.now() + 10_000;
    const posts = () => nex.requests.filter((r) => r.method === 'POST' && r.path === '/payments').length - postsBefore;
    while (posts() < 40 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
    expect(posts()).toBe(40);
    const sent = nex.requests
      .filter((r) => r.method === 'POST' && r.path === '/payments')
      .map((r) => (r.body as { payment?: { transaction_id?: string } })?.payment?.transaction_id);
    expect(new Set(sent).size).toBe(sent.length);
  });
});
