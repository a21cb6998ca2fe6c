import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { afterAll, describe, expect, it } from 'vitest';
import { StoreIntegrityError } from '../../src/transactions/errors';
import { migrate, MIGRATIONS } from '../../src/transactions/migrations';
import { openStore, redactStoreUrl } from '../../src/transactions/open-store';
import { createPgliteClient } from '../../src/transactions/pglite-client';
import { toSafeInteger } from '../../src/transactions/row-values';
import type { NewTransaction } from '../../src/transactions/store';
import { freshMemoryStore } from './harness';

const NOW = new Date('2030-01-01T00:00:00.000Z');

function newPayment(key: string, amount = -5000): NewTransaction {
  return {
    practiceId: 'smile-dental',
    idempotencyKey: key,
    fingerprint: `fp-${key}-${amount}`,
    transactionIdPrefix: 'LG',
    kind: 'PAYMENT',
    amount,
    currency: 'USD',
    patientSourceId: '42',
    request: {
      kind: 'PAYMENT',
      write: {
        kind: 'PAYMENT',
        patientSourceId: '42',
        amount,
        currency: 'USD',
        typeSourceId: '7',
        providerSplits: null,
        chargeSplits: null,
        occurredAt: NOW.toISOString(),
        notes: null,
      },
    },
    now: NOW,
  };
}

const dirs: string[] = [];
afterAll(async () => {
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

describe('openStore and migrations', () => {
  it('keeps everything across closing and re-opening a pglite:// directory (created if missing)', async () => {
    const parent = await mkdtemp(join(tmpdir(), 'ledger-store-'));
    dirs.push(parent);
    const url = `pglite://${join(parent, 'nested', 'ledger')}`;

    const first = await openStore(url);
    const { row } = await first.createTransaction(newPayment('k-1'));
    expect(row.transactionId).toBe('LG:1000');
    await first.transition(row.transactionId, 'SUBMITTED', { now: NOW, nextPollAt: new Date(NOW.getTime() + 30_000) });
    await first.saveWebhookRegistration('smile-dental', { endpointId: 'we-1', secret: 's3cret' }, NOW);
    await first.close();

    const second = await openStore(url);
    try {
      expect(await second.get('smile-dental', 'LG:1000')).toMatchObject({
        status: 'SUBMITTED',
        amount: -5000,
        attempts: 0,
        submittedAt: NOW.toISOString(),
        nextPollAt: '2030-01-01T00:00:30.000Z',
      });
      expect(await second.getWebhookRegistration('smile-dental')).toEqual({ endpointId: 'we-1', secret: 's3cret' });
      // the key survived: a replay is recognised; the sequence continued: a new id is new
      expect((await second.createTransaction(newPayment('k-1'))).created).toBe(false);
      expect((await second.createTransaction(newPayment('k-2'))).row.transactionId).toBe('LG:1001');
    } finally {
      await second.close();
    }
  });

  it('applies migrations once, records them, and serializes concurrent runs', async () => {
    const client = await createPgliteClient(new PGlite());
    try {
      const runs = await Promise.all([migrate(client), migrate(client)]);
      expect(runs.flat()).toEqual(MIGRATIONS.map((m) => m.version));
      expect(await migrate(client)).toEqual([]);
      const { rows } = await client.query<{ version: number }>('SELECT version FROM schema_migrations ORDER BY version');
      expect(rows.map((r) => r.version)).toEqual(MIGRATIONS.map((m) => m.version));
    } finally {
      await client.close();
    }
  });

  it('refuses a database written by a newer schema', async () => {
    const client = await createPgliteClient(new PGlite());
    try {
      await migrate(client);
      await client.query(`INSERT INTO schema_migrations (version, name) VALUES (99, 'future')`);
      await expect(migrate(client)).rejects.toThrow(/newer version/);
    } finally {
      await client.close();
    }
  });

  it('names unsupported URLs without leaking passwords', async () => {
    await expect(openStore('mysql://u:pw@db/x')).rejects.toThrow(
      /mysql:\/\/u:\*\*\*@db\/x.*memory:\/\/, pglite:\/\/PATH or postgres/,
    );
    expect(redactStoreUrl('postgres://ledger:hunter2@db:5432/ledger')).toBe('postgres://ledger:***@db:5432/ledger');
    await expect(openStore('pglite://')).rejects.toThrow(/needs a directory/);
  });
});

describe('SqlTransactionStore', () => {
  it('moves status only forward, in SQL, with a trigger as a backstop', async () => {
    const { store, client } = await freshMemoryStore();
    const { row } = await store.createTransaction(newPayment('k-1'));
    const id = row.transactionId;
    expect(await store.transition(id, 'COMPLETED', { now: NOW, records: { payments: [], adjustments: [] } })).toMatchObject({
      status: 'COMPLETED',
    });
    expect(await store.transition(id, 'FAILED', { now: NOW, failureReason: 'late' })).toBeNull();
    expect(await store.transition(id, 'SUBMITTED', { now: NOW, nextPollAt: NOW })).toBeNull();
    expect(await store.claimSubmit(id, NOW, NOW)).toBeNull();
    await expect(
      client.query(`UPDATE ledger_transactions SET status = 'PENDING' WHERE transaction_id = $1`, [id]),
    ).rejects.toThrow(/cannot move from COMPLETED to PENDING/);
    await expect(
      client.query(`UPDATE ledger_transactions SET status = 'FAILED', failure_reason = 'x' WHERE transaction_id = $1`, [id]),
    ).rejects.toThrow(/cannot move/);
    expect((await store.findById(id))?.status).toBe('COMPLETED');
  });

  it('claims a PENDING row once: a second claimer (another instance) gets nothing until the lease ends', async () => {
    const { store } = await freshMemoryStore();
    const { row } = await store.createTransaction(newPayment('k-1'));
    const lease = new Date(NOW.getTime() + 60_000);
    const [a, b] = await Promise.all([
      store.claimSubmit(row.transactionId, NOW, lease),
      store.claimSubmit(row.transactionId, NOW, lease),
    ]);
    expect([a, b].filter(Boolean)).toHaveLength(1);
    expect((a ?? b)!.attempts).toBe(1);
    expect(await store.claimSubmit(row.transactionId, new Date(NOW.getTime() + 59_999), lease)).toBeNull();
    expect((await store.claimSubmit(row.transactionId, lease, new Date(lease.getTime() + 60_000)))?.attempts).toBe(2);
  });

  it('reads amounts back as safe integers and refuses to store anything beyond', async () => {
    const { store } = await freshMemoryStore();
    const max = Number.MAX_SAFE_INTEGER;
    expect((await store.createTransaction(newPayment('big', -max))).row.amount).toBe(-max);
    await expect(store.createTransaction(newPayment('too-big', max + 2))).rejects.toThrow();
    expect(toSafeInteger('-13850', 'amount_cents')).toBe(-13850);
    expect(toSafeInteger(42n, 'amount_cents')).toBe(42);
    expect(() => toSafeInteger(2n ** 60n, 'amount_cents')).toThrow(StoreIntegrityError);
    expect(() => toSafeInteger('12.5', 'amount_cents')).toThrow(StoreIntegrityError);
  });

  it('saves, replaces and reads webhook registrations per practice', async () => {
    const { store } = await freshMemoryStore();
    expect(await store.getWebhookRegistration('smile-dental')).toBeNull();
    await store.saveWebhookRegistration('smile-dental', { endpointId: 'we-1', secret: 'a' }, NOW);
    await store.saveWebhookRegistration('smile-dental', { endpointId: 'we-2', secret: 'b' }, NOW);
    await store.saveWebhookRegistration('northside', { endpointId: 'we-9', secret: 'z' }, NOW);
    expect(await store.getWebhookRegistration('smile-dental')).toEqual({ endpointId: 'we-2', secret: 'b' });
    expect(await store.getWebhookRegistration('northside')).toEqual({ endpointId: 'we-9', secret: 'z' });
  });

  it('lists a practice’s transactions newest first, optionally by status', async () => {
    const { store } = await freshMemoryStore();
    await store.createTransaction(newPayment('k-1'));
    await store.createTransaction({ ...newPayment('k-2'), now: new Date(NOW.getTime() + 1_000) });
    await store.createTransaction({ ...newPayment('k-3'), practiceId: 'northside' });
    await store.transition('LG:1000', 'FAILED', { now: NOW, failureReason: 'no' });
    expect((await store.listByPractice('smile-dental')).map((r) => r.transactionId)).toEqual(['LG:1001', 'LG:1000']);
    expect((await store.listByPractice('smile-dental', { status: 'FAILED' })).map((r) => r.transactionId)).toEqual(['LG:1000']);
  });
});
