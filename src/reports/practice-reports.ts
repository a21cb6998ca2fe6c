/**
 * The practice-wide reports' snapshots, one set per practice, shared by every API key of that
 * practice (src/reports/README.md): the location's guarantor A/R records, its payments and its
 * patients' names, each a `ScanSnapshot`. A status change of one of the practice's transactions
 * (the status bus, which every write of the gateway publishes on, across instances) invalidates the
 * practice's snapshots, so its own writes show at the next read after one `updated_since` call.
 *
 * Scans run in the upstream budget's own lane (`REPORTS_LANE`): in the fair queue a report's calls
 * take turns with each API key's calls, so a single patient's read of the same practice waits for at
 * most one of the report's calls, however many pages the report has left.
 *
 *     const reports = new PracticeReports(registry, { ttlMs: 30_000 });
 *     const stop = reports.watch(bus);
 *     const balances = await reports.balances(practice); // ReadonlyMap<guarantorId, GuarantorBalanceRecord>
 */
import type { GuarantorBalanceRecord, PatientRecord, PaymentRecord } from '../adapters/ledger/port';
import type { Practice, PracticeRegistry } from '../practices';
import type { StatusBus } from '../transactions/status-bus';
import { currentRequestScope, runInRequestScope } from '../upstream-budget';
import { ScanSnapshot, type SnapshotStats } from './scan-snapshot';

/** The key name reports' scans queue under in the upstream budget's fair queue. */
export const REPORTS_LANE = 'practice-reports';

export interface GuarantorName {
  firstName: string;
  lastName: string;
  nonPatient: boolean;
}

export interface PracticeReportsOptions {
  /** How long a snapshot answers without asking upstream for changes, in ms (config: `limits.reportSnapshotTtlMs`). */
  ttlMs: number;
  /** Rows per page of a scan. Default `1000` (NexHealth's maximum). */
  perPage?: number;
  /** Clock in ms. Default `Date.now`. */
  now?: () => number;
}

interface Snapshots {
  balances: ScanSnapshot<GuarantorBalanceRecord, GuarantorBalanceRecord>;
  payments: ScanSnapshot<PaymentRecord, PaymentRecord>;
  names: ScanSnapshot<PatientRecord, GuarantorName>;
}

export class PracticeReports {
  private readonly byPractice = new Map<string, Snapshots>();

  constructor(
    private readonly registry: PracticeRegistry,
    private readonly options: PracticeReportsOptions,
  ) {}

  /** Whether the practice's system can answer practice-wide reports; the reason when it cannot. */
  unsupportedReason(practice: Practice): string | null {
    const { adapter } = practice;
    if (practice.capabilities.practiceReports && adapter.listGuarantorBalances && adapter.listPayments) return null;
    return (
      practice.unsupported.practiceReports ??
      `the ${practice.system} system lists no practice-wide guarantor balances or payments`
    );
  }

  balances(practice: Practice): Promise<ReadonlyMap<string, GuarantorBalanceRecord>> {
    return this.snapshots(practice).balances.read();
  }

  payments(practice: Practice): Promise<ReadonlyMap<string, PaymentRecord>> {
    return this.snapshots(practice).payments.read();
  }

  names(practice: Practice): Promise<ReadonlyMap<string, GuarantorName>> {
    return this.snapshots(practice).names.read();
  }

  /** Scans and refreshes so far, per snapshot (tests, the bench). */
  stats(practiceId: string): Record<keyof Snapshots, SnapshotStats> | null {
    const s = this.byPractice.get(practiceId);
    return s ? { balances: s.balances.stats, payments: s.payments.stats, names: s.names.stats } : null;
  }

  invalidate(practiceId: string): void {
    const s = this.byPractice.get(practiceId);
    if (!s) return;
    s.balances.invalidate();
    s.payments.invalidate();
    s.names.invalidate();
  }

  /**
   * Invalidate a practice's snapshots on each of its transactions' status changes. Ends when the bus
   * closes; the returned function ends it sooner.
   */
  watch(bus: StatusBus): () => void {
    const subscriptions = this.registry
      .all()
      .filter((p) => this.unsupportedReason(p) === null)
      .map((p) => {
        const sub = bus.subscribe({ practiceId: p.id });
        void (async () => {
          for await (const event of sub) this.invalidate(event.practiceId);
        })().catch(() => undefined);
        return sub;
      });
    return () => {
      for (const sub of subscriptions) void sub.return();
    };
  }

  private snapshots(practice: Practice): Snapshots {
    let s = this.byPractice.get(practice.id);
    if (s) return s;
    const adapter = practice.adapter;
    const common = {
      ttlMs: this.options.ttlMs,
      perPage: this.options.perPage ?? 1000,
      now: this.options.now,
      run: inReportsLane,
    };
    s = {
      balances: new ScanSnapshot({
        ...common,
        list: (args) => adapter.listGuarantorBalances!(args),
        idOf: (r) => r.guarantorSourceId,
        keep: (r) => r,
      }),
      payments: new ScanSnapshot({
        ...common,
        list: (args) => adapter.listPayments!(args),
        idOf: (r) => r.sourceId,
        keep: (r) => r,
      }),
      names: new ScanSnapshot({
        ...common,
        list: (args) => adapter.listPatients(args),
        idOf: (r) => r.sourceId,
        keep: (r) => ({ firstName: r.firstName, lastName: r.lastName, nonPatient: r.nonPatient }),
      }),
    };
    this.byPractice.set(practice.id, s);
    return s;
  }
}

/**
 * A scan in the reports' lane of the fair queue, bounded by what the request that started it had
 * left of its cap (`limits.maxUpstreamCalls`): a location too large for the cap answers
 * QUERY_TOO_COMPLEX rather than scanning without end. The snapshot it builds serves every key.
 */
function inReportsLane<R>(fn: () => Promise<R>): Promise<R> {
  const scope = currentRequestScope();
  const cap = scope ? scope.maxUpstreamCalls - scope.upstreamCalls : undefined;
  return runInRequestScope({ apiKey: REPORTS_LANE, maxUpstreamCalls: cap }, fn);
}
