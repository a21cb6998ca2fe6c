/**
 * Which claims are watched: each practice's nightly `claims.discover` job pages through its patients
 * and starts (or resumes) a watch for every claim the ledger has PENDING, with an inquiry key,
 * serviced 2 to 365 days ago (the ledger states no sent date). A watched claim's ledger status and
 * key are refreshed on the way, which is what lets a NEEDS_ATTENTION claim be asked again once the
 * practice fixed it. `refreshClaimStatus` starts a watch for one claim the same way.
 */
import { scanPages } from '../../adapters/ledger/port';
import type { ClaimRecord, CoverageRecord, PatientRecord } from '../../ledger/records';
import { createLoaders } from '../../graphql/loaders';
import { firstInquiryAt, withinWatchWindow } from './cadence';
import type { ClaimWatchContext } from './context';
import { inquireSingletonKey } from './inquire';
import { inquiryKey } from './inquiry-key';
import { upsertWatch, watchesOf, type WatchRow } from './watch-store';
import { DateTime } from 'luxon';

/** Start or refresh the watch of one claim whose key was built; its job is enqueued while it is WATCHING. */
export async function watchClaim(
  flow: ClaimWatchContext,
  practiceId: string,
  claim: ClaimRecord & { serviceDate: string },
  patient: PatientRecord,
  keyHash: string,
  firstAt: Date | null = null,
): Promise<WatchRow> {
  const { ctx } = flow;
  const now = ctx.now();
  const { row } = await upsertWatch(ctx.store.sql, {
    practiceId,
    claimId: claim.sourceId,
    patientId: patient.sourceId,
    guarantorId: patient.guarantorSourceId,
    ledgerStatus: claim.stage,
    inquiryKeyHash: keyHash,
    serviceDate: claim.serviceDate,
    nextInquiryAt: firstAt ?? firstInquiryAt(claim.sourceId, claim.serviceDate, now, flow.timeZoneOf(practiceId)),
    now,
  });
  if (row.polling === 'WATCHING' && row.nextInquiryAt) {
    await ctx.jobs.enqueue(
      'claims.inquire',
      { practiceId, claimId: claim.sourceId },
      { singletonKey: inquireSingletonKey(practiceId, claim.sourceId), runAt: new Date(row.nextInquiryAt), maxAttempts: 1_000 },
    );
  }
  return row;
}

/** One practice's discovery pass; answers how many claims it (re)started watching. */
export async function discover(flow: ClaimWatchContext, practiceId: string, signal?: AbortSignal): Promise<number> {
  const practice = flow.practices.get(practiceId);
  const connection = flow.claimStatusFor(practiceId);
  // Without a patient listing (Epic, Oracle) watches start from refreshClaimStatus(patientId) instead.
  if (!practice?.capabilities.patientListing || !connection) return 0;
  const today = DateTime.fromJSDate(flow.ctx.now(), { zone: flow.timeZoneOf(practiceId) }).toISODate()!;
  let watched = 0;
  signal?.throwIfAborted();
  for await (const page of scanPages((args) => practice.adapter.listPatients(args), { perPage: flow.options.pageSize })) {
    signal?.throwIfAborted();
    const loaders = createLoaders(flow.practices);
    const patients = page.items.filter((p) => !p.nonPatient);
    const keys = patients.map((p) => ({ practiceId, id: p.sourceId }));
    const [claims, coverages] = await Promise.all([
      Promise.all(keys.map((k) => loaders.claims.load(k))),
      practice.capabilities.coverage
        ? Promise.all(keys.map((k) => loaders.coverages.load(k)))
        : keys.map(() => [] as CoverageRecord[]),
    ]);
    // The page's watches in one query (not one per claim): most claims are neither watched nor eligible.
    const claimIds = claims.flatMap((list) => list.map((c) => c.sourceId));
    const watches = new Map(
      (claimIds.length === 0 ? [] : await watchesOf(flow.ctx.store.sql, practiceId, claimIds)).map((w) => [w.claimId, w]),
    );
    for (const [i, patient] of patients.entries()) {
      for (const claim of claims[i]!) {
        const existing = watches.get(claim.sourceId);
        const eligible = claim.stage === 'PENDING' && claim.serviceDate !== null && withinWatchWindow(claim.serviceDate, today);
        if (!existing && !eligible) continue;
        const built = inquiryKey(claim, patient, coverages[i]!, connection.settings, existing?.payerClaimNumber ?? null);
        if (!built.ok || claim.serviceDate === null) continue;
        await watchClaim(flow, practiceId, { ...claim, serviceDate: claim.serviceDate }, patient, built.hash);
        watched += 1;
      }
    }
  }
  return watched;
}
