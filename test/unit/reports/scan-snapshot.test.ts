import { describe, expect, it } from 'vitest';
import type { ScanArgs, ScanPage } from '../../../src/adapters/ledger/port';
import { ScanSnapshot } from '../../../src/reports/scan-snapshot';
import { REPORTS_LANE } from '../../../src/reports/practice-reports';
import { currentRequestScope, runInRequestScope } from '../../../src/upstream-budget';

interface Row {
  id: string;
  cents: number;
}

/** A fake location-wide list: `rows` in pages of `perPage`, `changed` answered to a refresh. Records every call. */
function fakeList(rows: Row[], perPage: number) {
  const calls: Array<ScanArgs & { lane: string | undefined; cap: number | undefined }> = [];
  let changed: Row[] = [];
  let removed: string[] = [];
  let fail = false;
  const list = async (args: ScanArgs): Promise<ScanPage<Row>> => {
    const scope = currentRequestScope();
    calls.push({ ...args, lane: scope?.apiKey, cap: scope?.maxUpstreamCalls });
    if (fail) throw new Error('upstream down');
    const source = args.updatedSince ? changed : rows;
    const start = args.after ? Number(args.after) : 0;
    const items = source.slice(start, start + perPage);
    const end = start + items.length;
    return {
      items,
      removedIds: args.updatedSince ? removed : [],
      endCursor: String(end),
      hasNextPage: end < source.length,
    };
  };
  return {
    list,
    calls,
    change: (rowsChanged: Row[], ids: string[] = []) => {
      changed = rowsChanged;
      removed = ids;
    },
    failing: (value: boolean) => {
      fail = value;
    },
  };
}

function snapshot(fake: ReturnType<typeof fakeList>, clock: { now: number }) {
  return new ScanSnapshot<Row, number>({
    list: fake.list,
    idOf: (r) => r.id,
    keep: (r) => r.cents,
    ttlMs: 30_000,
    perPage: 2,
    overlapMs: 1_000,
    now: () => clock.now,
  });
}

const rows = (n: number) => Array.from({ length: n }, (_, i) => ({ id: String(i + 1), cents: (i + 1) * 100 }));

describe('ScanSnapshot', () => {
  it('scans once, answers from memory within the TTL, then refreshes with updated_since and merges', async () => {
    const clock = { now: Date.parse('2025-06-30T12:00:00Z') };
    const fake = fakeList(rows(5), 2);
    const snap = snapshot(fake, clock);
    const first = await snap.read();
    expect([...first.values()]).toEqual([100, 200, 300, 400, 500]);
    expect(fake.calls.map((c) => [c.after, c.updatedSince])).toEqual([
      [null, null],
      ['2', null],
      ['4', null],
    ]);

    clock.now += 29_999;
    await snap.read();
    expect(fake.calls).toHaveLength(3);

    clock.now += 1;
    fake.change(
      [
        { id: '2', cents: 0 },
        { id: '6', cents: 600 },
      ],
      ['5'],
    );
    const refreshed = await snap.read();
    expect(fake.calls).toHaveLength(4);
    // Since the last scan began, less the overlap.
    expect(fake.calls[3]!.updatedSince).toBe('2025-06-30T11:59:59.000Z');
    expect(Object.fromEntries(refreshed)).toEqual({ '1': 100, '2': 0, '3': 300, '4': 400, '6': 600 });
    expect(snap.stats).toEqual({ fullScans: 1, refreshes: 1, pages: 4 });
  });

  it('an invalidation (a write of the practice) refreshes at the next read even within the TTL; reads in flight share one call', async () => {
    const clock = { now: 0 };
    const fake = fakeList(rows(2), 2);
    const snap = snapshot(fake, clock);
    await snap.read();
    snap.invalidate();
    fake.change([{ id: '1', cents: 1 }]);
    const [a, b] = await Promise.all([snap.read(), snap.read()]);
    expect(a).toBe(b);
    expect(a.get('1')).toBe(1);
    expect(fake.calls).toHaveLength(2);
    expect(fake.calls[1]!.updatedSince).not.toBeNull();
  });

  it('a failed refresh keeps the snapshot as it was and tries again at the next read', async () => {
    const clock = { now: 0 };
    const fake = fakeList(rows(2), 2);
    const snap = snapshot(fake, clock);
    await snap.read();
    snap.invalidate();
    fake.failing(true);
    await expect(snap.read()).rejects.toThrow('upstream down');
    fake.failing(false);
    fake.change([]);
    expect(Object.fromEntries(await snap.read())).toEqual({ '1': 100, '2': 200 });
    expect(fake.calls.filter((c) => c.updatedSince !== null)).toHaveLength(2);
  });
});

describe('the reports lane of the upstream budget', () => {
  it('a PracticeReports scan queues under its own key, keeping what is left of the request cap', async () => {
    const { PracticeReports } = await import('../../../src/reports/practice-reports');
    const fake = fakeList(rows(3), 2);
    const practice = {
      id: 'p',
      system: 'NEXHEALTH',
      capabilities: { practiceReports: true },
      unsupported: {},
      adapter: { listGuarantorBalances: fake.list, listPayments: fake.list },
    } as never;
    const reports = new PracticeReports({ all: () => [practice] } as never, { ttlMs: 1_000, perPage: 2 });
    await runInRequestScope({ apiKey: 'analyst', maxUpstreamCalls: 50 }, async () => {
      expect(currentRequestScope()?.apiKey).toBe('analyst');
      await reports.balances(practice);
    });
    expect(fake.calls.map((c) => c.lane)).toEqual([REPORTS_LANE, REPORTS_LANE]);
    expect(fake.calls.every((c) => c.cap === 50)).toBe(true);
    expect(reports.stats('p')!.balances).toEqual({ fullScans: 1, refreshes: 0, pages: 2 });
  });
});
