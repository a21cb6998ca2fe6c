/**
 * The LISTEN/NOTIFY status bus against a real server (LEDGER_TEST_POSTGRES_URL; `npm test` sets it).
 */
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { createPgStatusBus, type PgStatusBus } from '../../src/transactions/pg-status-bus';
import type { StatusEvent, StatusSubscription } from '../../src/transactions/status-bus';
import { testPostgresUrl } from '../postgres-url';

const url = testPostgresUrl();
const ev = (practiceId: string, transactionId: string): StatusEvent => ({ practiceId, transactionId });

async function nextWithin(sub: StatusSubscription, ms = 3000): Promise<StatusEvent | 'timeout'> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), ms)));
  const result = await Promise.race([sub.next().then((r) => (r.done ? 'timeout' : r.value)), timeout]);
  clearTimeout(timer);
  return result;
}

describe('PostgreSQL LISTEN/NOTIFY status bus', () => {
  const buses: PgStatusBus[] = [];
  const open = async (options: Partial<Parameters<typeof createPgStatusBus>[0]> = {}) => {
    const bus = await createPgStatusBus({ connectionString: url, channel: 'ledger_status_test', ...options });
    buses.push(bus);
    return bus;
  };
  afterEach(async () => {
    for (const bus of buses.splice(0)) await bus.close();
  });

  it('delivers across instances by filter, and once to the publisher’s own subscribers', async () => {
    const [a, b] = [await open(), await open()];
    const onA = a.subscribe({ practiceId: 'p1' });
    const onB = b.subscribe({ practiceId: 'p1', transactionId: 'LG:2' });
    const otherOnB = b.subscribe({ practiceId: 'p2' });
    await a.publish(ev('p1', 'LG:1'));
    await a.publish(ev('p1', 'LG:2'));
    const remote = await nextWithin(onB);
    expect(remote).toMatchObject(ev('p1', 'LG:2'));
    expect(await nextWithin(onA)).toMatchObject(ev('p1', 'LG:1'));
    const local = await nextWithin(onA);
    expect(local).toMatchObject(ev('p1', 'LG:2'));
    // One publication has one id on every instance, so subscribers can share one store read by it.
    expect((remote as { eventId?: string }).eventId).toEqual((local as { eventId?: string }).eventId);
    expect((local as { eventId?: string }).eventId).toEqual(expect.any(String));
    // no echo of A's own notifications, nothing for another practice
    expect(await nextWithin(onA, 300)).toBe('timeout');
    expect(await nextWithin(otherOnB, 300)).toBe('timeout');
  });

  it('bounds a slow subscriber’s queue like the in-process bus', async () => {
    const [a, b] = [await open(), await open({ maxQueue: 2 })];
    const slow = b.subscribe({ practiceId: 'p1' });
    for (let i = 1; i <= 5; i += 1) await a.publish(ev('p1', `LG:${i}`));
    const deadline = Date.now() + 3000;
    while (slow.dropped < 3 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    expect(slow.dropped).toBe(3);
    expect(await nextWithin(slow)).toMatchObject(ev('p1', 'LG:4'));
    expect(await nextWithin(slow)).toMatchObject(ev('p1', 'LG:5'));
  });

  it('re-LISTENs after its connection is killed', async () => {
    const errors: Error[] = [];
    const [a, b] = [await open(), await open({ reconnectDelayMs: 20, onError: (e) => errors.push(e) })];
    const onB = b.subscribe({ practiceId: 'p1' });
    const admin = new pg.Client({ connectionString: url });
    await admin.connect();
    // Kill every LISTEN connection on the test channel's database except the admin's own.
    await admin.query(
      `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
        WHERE pid <> pg_backend_pid() AND datname = current_database() AND query ILIKE 'LISTEN ledger_status_test%'`,
    );
    await admin.end();
    const deadline = Date.now() + 5000;
    while ((errors.length === 0 || !b.listening) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    await b.whenListening();
    await a.whenListening();
    expect(errors.length).toBeGreaterThan(0);
    await a.publish(ev('p1', 'LG:after'));
    expect(await nextWithin(onB)).toMatchObject(ev('p1', 'LG:after'));
  });

  it('close() ends subscriptions', async () => {
    const bus = await open();
    const sub = bus.subscribe({ practiceId: 'p1' });
    const waiting = sub.next();
    await bus.close();
    expect((await waiting).done).toBe(true);
    expect((await bus.subscribe({ practiceId: 'p1' }).next()).done).toBe(true);
  });
});
