/**
 * The claim watch's facade (`README.md` here): what the gateway, the resolvers and the tests call.
 *
 *     const watch = createClaimWatchFlow({ transactions, practices, claimStatusFor, timeZoneOf });
 *     watch.defineJobs();                       // before transactions.start()
 *     await watch.registerSchedules();          // each practice's nightly discovery
 *     const row = await watch.refresh('summit-health', 'G2572738', null);  // refreshClaimStatus
 *     const stop = watch.onChange('summit-health', (change) => …);         // claimStatusChanged
 */
import { EventEmitter } from 'node:events';
import type { PracticeRegistry } from '../../practices';
import type { TransactionService } from '../../transactions/service';
import type { StatusBus, StatusSubscription } from '../../transactions/status-bus';
import { runOutsideRequestScope } from '../../upstream-budget/request-scope';
import { CLAIM_WATCH_DEFAULTS, type ClaimChange, type ClaimWatchContext, type ClaimWatchOptions } from './context';
import { discover, watchClaim } from './discover';
import { ClaimInquiryInputError, ClaimNotFound, ClaimStatusNotSupported } from './errors';
import { inquireJob, inquireOnce, inquireSingletonKey, readPatient, runRereadNow } from './inquire';
import { inquiryKey } from './inquiry-key';
import { rereadJob } from './reread';
import type { ClaimStatusResolver } from './types';
import { claimInquiry, eventsOf, getEvent, getWatch, watchesOf, type EventRow, type WatchRow } from './watch-store';

export interface ClaimWatchFlow {
  readonly context: ClaimWatchContext;
  /** Register `claims.inquire`, `claims.reread` and `claims.discover` (before `transactions.start()`). */
  defineJobs(): void;
  /** One nightly discovery schedule per practice with `coverage.claimStatus`, in its time zone. */
  registerSchedules(): Promise<number>;
  /** Whether the practice has a claim-status clearinghouse. */
  supported(practiceId: string): boolean;
  /** One practice's discovery pass now (what its schedule runs). */
  discover(practiceId: string): Promise<number>;
  /**
   * `refreshClaimStatus`: inquire now (at most once per `minRefreshIntervalSeconds`), store, announce
   * a change after the balance re-read, and answer the watch. `patientId` is needed for a claim not
   * watched yet (claims are read per patient).
   */
  refresh(practiceId: string, claimId: string, patientId: string | null): Promise<WatchRow>;
  /** The watches of some claims (`Claim.payerStatus`, a loader's batch). */
  watches(practiceId: string, claimIds: readonly string[]): Promise<WatchRow[]>;
  /** A claim's event history, oldest first. */
  events(practiceId: string, claimId: string): Promise<EventRow[]>;
  /** Be told of every change at a practice; returns the unsubscribe. */
  onChange(practiceId: string, listener: (change: ClaimChange) => void): () => void;
  /** How many listeners a practice has (operators, and tests waiting for a subscription to be registered). */
  listeners(practiceId: string): number;
}

export interface ClaimWatchFlowDeps extends ClaimWatchOptions {
  transactions: TransactionService;
  practices: PracticeRegistry;
  claimStatusFor: ClaimStatusResolver;
  timeZoneOf: (practiceId: string) => string;
  onProcessed?: ClaimWatchContext['onProcessed'];
  /**
   * Where changes travel between instances (the gateway's `ledger_claim_status` PostgreSQL channel on
   * a shared store). It carries `<eventId>:<step>` ids only; each instance re-reads the event and
   * tells its own listeners. Default: this instance only.
   */
  bus?: StatusBus;
}

export function createClaimWatchFlow(deps: ClaimWatchFlowDeps): ClaimWatchFlow {
  const ctx = deps.transactions.context;
  const changes = new EventEmitter();
  changes.setMaxListeners(0);
  const flow: ClaimWatchContext = {
    ctx,
    practices: deps.practices,
    claimStatusFor: deps.claimStatusFor,
    timeZoneOf: deps.timeZoneOf,
    options: {
      rereadDelaysMs: deps.rereadDelaysMs ?? CLAIM_WATCH_DEFAULTS.rereadDelaysMs,
      pageSize: deps.pageSize ?? CLAIM_WATCH_DEFAULTS.pageSize,
      discoverySchedule: deps.discoverySchedule ?? CLAIM_WATCH_DEFAULTS.discoverySchedule,
    },
    publish: (change) => {
      if (!deps.bus) {
        changes.emit(change.practiceId, change);
        return;
      }
      deps.bus
        .publish({ practiceId: change.practiceId, transactionId: `${change.eventId}:${change.reread}` })
        .catch((error: unknown) =>
          ctx.log.warn('claim-status change not announced to other instances', {
            practiceId: change.practiceId,
            eventId: change.eventId,
            error: (error as Error).message,
          }),
        );
    },
    onProcessed: deps.onProcessed,
  };
  const sql = ctx.store.sql;

  // With a bus: one subscription per practice while it has listeners; each id heard is re-read from
  // the store (the event and its re-read balance, the claim's record) and told to the listeners here.
  const heard = new Map<string, StatusSubscription>();
  async function relay(practiceId: string, subscription: StatusSubscription): Promise<void> {
    for await (const { transactionId } of subscription) {
      const cut = transactionId.lastIndexOf(':');
      const eventId = transactionId.slice(0, cut);
      const reread = Number(transactionId.slice(cut + 1));
      try {
        const event = await getEvent(sql, eventId);
        const watch = event ? await getWatch(sql, event.practiceId, event.claimId) : null;
        if (!event?.balance || !watch?.record || event.practiceId !== practiceId) continue;
        changes.emit(practiceId, {
          eventId,
          practiceId,
          claimId: event.claimId,
          patientId: watch.patientId,
          event: event.event,
          category: event.category,
          previousCategory: event.previousCategory,
          record: watch.record,
          balance: event.balance,
          reread,
        } satisfies ClaimChange);
      } catch (error) {
        ctx.log.warn('claim-status change not re-read', { practiceId, eventId, error: (error as Error).message });
      }
    }
  }

  async function refreshNow(practiceId: string, claimId: string, patientId: string | null): Promise<WatchRow> {
    const connection = flow.claimStatusFor(practiceId);
    const practice = flow.practices.get(practiceId);
    if (!connection || !practice) {
      throw new ClaimStatusNotSupported(
        `practice "${practiceId}" has no claim-status clearinghouse configured (practices[].coverage.claimStatus)`,
      );
    }
    const existing = await getWatch(sql, practiceId, claimId);
    const owner = existing?.patientId ?? patientId;
    if (!owner) {
      throw new ClaimNotFound(`claim "${claimId}" is not watched yet: pass patientId (claims are read per patient)`, {
        field: 'patientId',
      });
    }
    const read = await readPatient(flow, practiceId, owner);
    const { patient, claims, coverages } = read;
    const claim = claims.find((c) => c.sourceId === claimId);
    if (!patient || !claim || claim.serviceDate === null) {
      throw new ClaimNotFound(`no claim "${claimId}" of patient "${owner}" at practice "${practiceId}"`);
    }
    const built = inquiryKey(claim, patient, coverages, connection.settings, existing?.payerClaimNumber ?? null);
    if (!built.ok)
      throw new ClaimInquiryInputError(built.reason, { field: built.kind === 'NO_PAYER_MAPPING' ? 'payerIds' : 'claimId' });
    const now = ctx.now();
    const watch = await watchClaim(flow, practiceId, { ...claim, serviceDate: claim.serviceDate }, patient, built.hash, now);
    // Claimed in the store, not read-then-acted: a concurrent refresh (or the job) that lost asks nobody.
    const minMs = connection.settings.minRefreshIntervalSeconds * 1000;
    if (!(await claimInquiry(sql, practiceId, claimId, now, minMs))) return (await getWatch(sql, practiceId, claimId)) ?? watch;
    // The inquiry builds its key from what was just read, rather than reading the patient a second time.
    const result = await inquireOnce(flow, practiceId, claimId, read);
    if (result?.rereadJobId) await runRereadNow(flow, result.rereadJobId);
    const after = result?.watch ?? watch;
    if (after.polling === 'WATCHING' && after.nextInquiryAt) {
      await ctx.jobs.enqueue(
        'claims.inquire',
        { practiceId, claimId },
        { singletonKey: inquireSingletonKey(practiceId, claimId), runAt: new Date(after.nextInquiryAt), maxAttempts: 1_000 },
      );
    }
    if (result?.error) throw result.error;
    return after;
  }

  return {
    context: flow,
    defineJobs() {
      const retry = { maxAttempts: 1_000, backoff: { delaysMs: [1_000, 5_000, 15_000, 60_000, 300_000], jitter: 0.2 } };
      ctx.jobs.define('claims.inquire', ({ job }) => inquireJob(flow, job.payload.practiceId, job.payload.claimId), {
        ...retry,
        concurrency: 2,
      });
      ctx.jobs.define('claims.reread', ({ job }) => rereadJob(flow, job.payload.eventId, job.payload.step), {
        ...retry,
        concurrency: 2,
      });
      ctx.jobs.define(
        'claims.discover',
        async ({ job, signal }) => {
          await discover(flow, job.payload.practiceId, signal);
          return 'done';
        },
        { ...retry, maxAttempts: 5, concurrency: 1, timeoutMs: 3_600_000 },
      );
    },
    async registerSchedules() {
      let count = 0;
      for (const practice of deps.practices.all()) {
        if (!flow.claimStatusFor(practice.id)) continue;
        await ctx.jobs.schedule(`claims:${practice.id}`, {
          kind: 'claims.discover',
          cron: flow.options.discoverySchedule,
          timezone: flow.timeZoneOf(practice.id),
          payload: { practiceId: practice.id },
        });
        count += 1;
      }
      return count;
    },
    supported: (practiceId) => flow.claimStatusFor(practiceId) !== null,
    discover: (practiceId) => runOutsideRequestScope(() => discover(flow, practiceId)),
    refresh: (practiceId, claimId, patientId) =>
      runOutsideRequestScope(() => ctx.inFlight.track(() => refreshNow(practiceId, claimId, patientId))),
    watches: (practiceId, claimIds) => watchesOf(sql, practiceId, claimIds),
    events: (practiceId, claimId) => eventsOf(sql, practiceId, claimId),
    onChange(practiceId, listener) {
      changes.on(practiceId, listener);
      if (deps.bus && !heard.has(practiceId)) {
        const subscription = deps.bus.subscribe({ practiceId });
        heard.set(practiceId, subscription);
        void relay(practiceId, subscription);
      }
      return () => {
        changes.off(practiceId, listener);
        const subscription = heard.get(practiceId);
        if (subscription && changes.listenerCount(practiceId) === 0) {
          heard.delete(practiceId);
          void subscription.return?.();
        }
      };
    },
    listeners: (practiceId) => changes.listenerCount(practiceId),
  };
}
