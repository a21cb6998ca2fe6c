/**
 * The subscription fan-out (src/server/fanout.ts) over real websockets: 1,200 subscribers of
 * `transactionStatusChanged` for one practice, split between two documents, on 20 plain `ws`
 * sockets speaking graphql-transport-ws (60 subscriptions each, so the ids on one socket must not
 * be mixed up). Each subscriber receives each status exactly once, under its own id, in order; each
 * document is executed once per event (counted on a field resolver only the subscriptions select),
 * and each document's group holds one bus subscription. A subscriber that completes gets nothing
 * more, and closing the sockets releases every group.
 */
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { resolvers } from '../../src/graphql/resolvers';
import { NEX_SEED } from '../../src/sandbox/nexhealth';
import { KEYS, startTestGateway, type TestGateway } from './harness';

const SMILE = 'smile-dental';
const SOCKETS = 20;
const PER_SOCKET = 60;
// Two documents: `updatedAt` is selected by both and by nothing else in this file (the payment
// mutation does not ask for it), so its resolver runs once per execution of either document.
const DOCUMENTS = [
  `subscription A($p: ID!) { transactionStatusChanged(practiceId: $p) { transactionId status updatedAt } }`,
  `subscription B($p: ID!) { transactionStatusChanged(practiceId: $p) { transactionId status updatedAt amount { cents } } }`,
];

const updatedAt = vi.spyOn(resolvers.LedgerTransaction as Record<string, (...args: any[]) => unknown>, 'updatedAt');
let t: TestGateway;

beforeAll(async () => {
  // The schema is built from `resolvers` when the gateway starts: the spy above is in it.
  t = await startTestGateway({
    config: (raw) => {
      raw.limits = { ...raw.limits, requestsPerMinute: 100_000 };
    },
  });
});
afterAll(async () => {
  await t?.close();
});

/** Wait (briefly polling, no fixed sleeps) until `condition` holds. */
async function until(condition: () => boolean, what: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

interface Frame {
  id?: string;
  type: string;
  payload?: any;
}

/** A graphql-transport-ws socket, acknowledged; every frame it receives, parsed. */
async function open(): Promise<{ socket: WebSocket; frames: Frame[] }> {
  const socket = new WebSocket(`${t.url.replace(/^http/, 'ws')}/graphql`, 'graphql-transport-ws');
  const frames: Frame[] = [];
  socket.on('message', (data) => frames.push(JSON.parse(String(data)) as Frame));
  await new Promise<void>((resolve, reject) => {
    socket.once('open', () => resolve());
    socket.once('error', reject);
  });
  socket.send(JSON.stringify({ type: 'connection_init', payload: { Authorization: `Bearer ${KEYS.all}` } }));
  await until(() => frames.some((f) => f.type === 'connection_ack'), 'connection_ack');
  return { socket, frames };
}

describe('subscription fan-out', () => {
  it('1,200 subscribers of one practice receive each event once under their own ids; one execution per event and document', async () => {
    const busBefore = (t.gateway.services.bus as unknown as { subscriberCount: number }).subscriberCount;
    const sockets = await Promise.all(Array.from({ length: SOCKETS }, () => open()));
    // id → the document it runs (ids repeat across sockets on purpose: each socket has its own).
    const documentOf = (i: number) => i % DOCUMENTS.length;
    for (const { socket } of sockets) {
      for (let i = 0; i < PER_SOCKET; i += 1) {
        const query = DOCUMENTS[documentOf(i)]!;
        socket.send(JSON.stringify({ id: `sub "${i}"`, type: 'subscribe', payload: { query, variables: { p: SMILE } } }));
      }
    }
    const total = SOCKETS * PER_SOCKET;
    await until(() => t.gateway.http.fanout.members === total, 'every subscriber to join its group');
    expect(t.gateway.http.fanout.groups).toBe(DOCUMENTS.length);
    // One bus subscription per group, not per subscriber.
    expect((t.gateway.services.bus as unknown as { subscriberCount: number }).subscriberCount).toBe(busBefore + DOCUMENTS.length);
    updatedAt.mockClear();
    const rendersBefore = t.gateway.http.fanout.renders;

    const pay = await t.gql(
      `mutation($input: CreatePaymentTransactionInput!) { createPaymentTransaction(input: $input) { transaction { transactionId } } }`,
      {
        input: {
          practiceId: SMILE,
          patientId: NEX_SEED.ownGuarantor.ownId,
          amount: '12.34',
          paymentTypeId: NEX_SEED.paymentTypes.openDental.cash,
          idempotencyKey: 'fanout-e2e-1',
        },
      },
    );
    expect(pay.errors).toBeUndefined();
    const transactionId = pay.data.createPaymentTransaction.transaction.transactionId as string;
    const nexts = (frames: Frame[], id: string) =>
      frames.filter((f) => f.type === 'next' && f.id === id).map((f) => f.payload.data.transactionStatusChanged);
    const received = (status: string) =>
      sockets.every(({ frames }) =>
        Array.from({ length: PER_SOCKET }, (_, i) => i).every((i) =>
          nexts(frames, `sub "${i}"`).some((c) => c.status === status),
        ),
      );
    await until(() => received('SUBMITTED'), 'SUBMITTED at every subscriber');

    // Ten subscribers of the first socket complete: they get nothing more, the rest go on.
    const quitters = Array.from({ length: 10 }, (_, i) => `sub "${i}"`);
    for (const id of quitters) sockets[0]!.socket.send(JSON.stringify({ id, type: 'complete' }));
    await until(() => t.gateway.http.fanout.members === total - quitters.length, 'the completed subscribers to leave');

    await t.nex.completePendingInsertions();
    const stillSubscribed = (s: number, i: number) => s !== 0 || !quitters.includes(`sub "${i}"`);
    await until(
      () =>
        sockets.every(({ frames }, s) =>
          Array.from({ length: PER_SOCKET }, (_, i) => i)
            .filter((i) => stillSubscribed(s, i))
            .every((i) => nexts(frames, `sub "${i}"`).some((c) => c.status === 'COMPLETED')),
        ),
      'COMPLETED at every subscriber still subscribed',
    );

    // Every subscriber of a document saw the same statuses, each once, in order, with its selection.
    const sequences = new Map<number, string[]>();
    for (const [s, { frames }] of sockets.entries()) {
      expect(frames.filter((f) => f.type === 'error')).toEqual([]);
      for (let i = 0; i < PER_SOCKET; i += 1) {
        const changes = nexts(frames, `sub "${i}"`);
        for (const change of changes) {
          expect(change.transactionId).toBe(transactionId);
          expect(typeof change.updatedAt).toBe('string');
          if (documentOf(i) === 1) expect(change.amount).toEqual({ cents: -1234 });
          else expect(change).not.toHaveProperty('amount');
        }
        const statuses = changes.map((c) => c.status as string);
        expect(new Set(statuses).size).toBe(statuses.length);
        expect(statuses.filter((status) => status !== 'PENDING').at(0)).toBe('SUBMITTED');
        if (!stillSubscribed(s, i)) {
          expect(statuses).not.toContain('COMPLETED');
          continue;
        }
        expect(statuses.at(-1)).toBe('COMPLETED');
        const seen = sequences.get(documentOf(i));
        if (seen) expect(statuses).toEqual(seen);
        else sequences.set(documentOf(i), statuses);
      }
    }
    // One execution per event and document, not per subscriber: the frames' events, twice.
    const events = [...sequences.values()].reduce((sum, statuses) => sum + statuses.length, 0);
    expect(updatedAt).toHaveBeenCalledTimes(events);
    expect(t.gateway.http.fanout.renders - rendersBefore).toBe(events);

    for (const { socket } of sockets) socket.close();
    await until(() => t.gateway.http.fanout.members === 0, 'the closed sockets to leave their groups');
    expect(t.gateway.http.fanout.groups).toBe(0);
    await until(
      () => (t.gateway.services.bus as unknown as { subscriberCount: number }).subscriberCount === busBefore,
      'the groups to release their bus subscriptions',
    );
  });
});
