/**
 * The small context every part of the write path shares: the store, the adapters, the clock, the
 * log, the options, the job queue (`jobs`) and the two ways a status changes (`move`, `publish`). Each part (`submit.ts`,
 * `poll.ts`, `insertion-events.ts`, `collection.ts`, …) is a set of plain functions taking it first,
 * so what a function may touch is visible in its signature.
 *
 *     const ctx = createWritePathContext(deps, resolveOptions(deps));
 *     await ctx.move(row, 'COMPLETED', { records });   // durable first, then announced on the bus
 *     await ctx.inFlight.settle();                     // what `stop()` waits for
 */
import type { LedgerAdapter, LedgerRecords } from '../adapters/ledger/port';
import { recordsSum } from '../ledger/records-sum';
import type { ServiceOptions, TransactionLogger, TransactionServiceDeps, TransactionServiceHooks } from './options';
import type { StoredTransaction, TransactionStore } from './store';
import type { TransactionRow } from './types';
import type { WritePathQueue } from './write-path-jobs';

/** A status a transaction moves to (PENDING is only ever the first). */
export type MoveTarget = 'SUBMITTED' | 'COMPLETED' | 'FAILED';

/** What goes with a move: the rows and receipt of a completion, the reason of a failure. */
export interface MoveFields {
  records?: LedgerRecords;
  receiptId?: string | null;
  failureReason?: string;
  /** Only move if `attempts` still equals this (e.g. "no attempt was ever started"). */
  expectAttempts?: number;
  /** SUBMITTED: a person must act on it (`attention.ts`). */
  attention?: string;
  /** COMPLETED / FAILED by staff (`resolution.ts`): only while the row needs attention. */
  resolution?: { outcome: 'COMPLETED' | 'FAILED'; note: string; by: string };
}

/** Work started by a request or a webhook that `stop()` must wait for. */
export interface InFlight {
  /** Run `work` and remember it until it settles. */
  track<T>(work: () => Promise<T>): Promise<T>;
  /** Resolves once nothing tracked is running (including work started meanwhile). */
  settle(): Promise<void>;
}

export interface WritePathContext {
  readonly store: TransactionStore;
  readonly adapters: (practiceId: string) => LedgerAdapter | undefined;
  readonly options: ServiceOptions;
  readonly log: TransactionLogger;
  readonly hooks: TransactionServiceHooks;
  readonly inFlight: InFlight;
  /** The durable job queue over the store's own database: submit, poll, recovery, prune. */
  readonly jobs: WritePathQueue;
  now(): Date;
  /** `now()` plus `ms`. */
  later(ms: number): Date;
  /** Announce a durable status on the bus (and to `onStatus`). A bus failure is logged, never thrown. */
  publish(row: StoredTransaction): Promise<void>;
  /**
   * Persist a status change, then announce it. `null` when the current status does not allow it (it
   * already moved on): a no-op, never an error. A SUBMITTED move enqueues the `ledger.poll` job
   * (at + `pollAfterMs`) in the same SQL transaction as the change.
   */
  move(row: StoredTransaction, to: MoveTarget, fields: MoveFields): Promise<StoredTransaction | null>;
}

const silentLogger: TransactionLogger = { info() {}, warn() {}, error() {} };

/** An error's message, or the thrown value as text. */
export function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** The public view of a stored row: no request, no bookkeeping. */
export function toTransactionRow(row: StoredTransaction): TransactionRow {
  return {
    practiceId: row.practiceId,
    transactionId: row.transactionId,
    kind: row.kind,
    status: row.status,
    amount: row.amount,
    failureReason: row.failureReason,
    records: row.records,
    patientSourceId: row.patientSourceId,
    idempotencyKeyHash: row.idempotencyKeyHash,
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
    receiptId: row.receiptId,
    attention: row.attention,
    resolution: row.resolution,
  };
}

function createInFlight(): InFlight {
  const running = new Set<Promise<unknown>>();
  return {
    track(work) {
      const promise = work();
      running.add(promise);
      const forget = () => running.delete(promise);
      promise.then(forget, forget);
      return promise;
    },
    async settle() {
      while (running.size > 0) await Promise.allSettled([...running]);
    },
  };
}

/**
 * A landed transaction whose rows do not add up to its amount is reported, never "fixed". Every
 * completion calls it: `move` here, and `insertion-events.ts`, whose store call moves the row itself.
 */
export function warnIfRowsDoNotSum(log: TransactionLogger, row: StoredTransaction): void {
  const sum = recordsSum(row.records, row.amount);
  if (sum.state === 'differs') {
    log.warn('upstream rows do not sum to the transaction amount', {
      transactionId: row.transactionId,
      amount: row.amount,
      recordsTotal: sum.total,
    });
  } else if (sum.state === 'out-of-range') {
    log.warn('upstream rows carry an out-of-range amount', { transactionId: row.transactionId });
  }
}

/** Build the context from the service's deps and resolved options. */
export function createWritePathContext(
  deps: TransactionServiceDeps,
  options: ServiceOptions,
  jobs: WritePathQueue,
): WritePathContext {
  const { store, bus } = deps;
  const now = deps.now ?? (() => new Date());
  const log = deps.logger ?? silentLogger;
  const later = (ms: number) => new Date(now().getTime() + ms);

  async function publish(row: StoredTransaction): Promise<void> {
    deps.onStatus?.(row.status);
    try {
      await bus.publish({ practiceId: row.practiceId, transactionId: row.transactionId });
    } catch (error) {
      // The change is durable; a subscriber that misses it re-reads the row on its next event.
      log.warn('status bus publish failed', { transactionId: row.transactionId, error: errorText(error) });
    }
  }

  async function move(row: StoredTransaction, to: MoveTarget, fields: MoveFields): Promise<StoredTransaction | null> {
    const updated = await store.transition(row.transactionId, to, {
      now: now(),
      ...fields,
      ...(to === 'SUBMITTED'
        ? {
            nextPollAt: later(options.pollAfterMs),
            // The outbox: the status and its poll commit together (one live poll per transaction).
            afterUpdate: async (tx, moved) => {
              await jobs.enqueue(
                'ledger.poll',
                { practiceId: moved.practiceId, transactionId: moved.transactionId },
                { singletonKey: moved.transactionId, runAt: later(options.pollAfterMs), tx },
              );
            },
          }
        : {}),
    });
    if (!updated) {
      log.info('status change skipped: the transaction already moved on', { transactionId: row.transactionId, to });
      return null;
    }
    if (to === 'COMPLETED') warnIfRowsDoNotSum(log, updated);
    log.info(`transaction ${to.toLowerCase()}`, {
      practiceId: updated.practiceId,
      transactionId: updated.transactionId,
      status: updated.status,
      ...(updated.failureReason ? { reason: updated.failureReason } : {}),
    });
    await publish(updated);
    return updated;
  }

  return {
    store,
    adapters: deps.adapters,
    options,
    log,
    hooks: deps.hooks ?? {},
    inFlight: createInFlight(),
    jobs,
    now,
    later,
    publish,
    move,
  };
}
