/**
 * The `claims.reread` job: after a claim-status change, the patient's balance is read again from the
 * ledger — at once, and for CLAIM_PROCESSED again after 24 h and 72 h (the remittance is posted
 * later) — and the change is announced on `claimStatusChanged` with that balance: after the first
 * re-read always, after a later one when the total moved.
 *
 * "Dropping the patient's cached ledger reads": the gateway keeps no patient ledger read beyond one
 * request's loaders (`src/graphql/loaders.ts`), so every request after the change reads the ledger
 * anew; the re-read here uses a loader set of its own, so it is fresh too. Where a cache of ledger
 * reads is added later, its invalidation belongs at the top of this handler.
 */
import { createLoaders } from '../../graphql/loaders';
import { computePatientBalance } from '../../graphql/resolvers/ledger-access';
import type { ClaimWatchContext } from './context';
import { getEvent, getWatch, recordReread } from './watch-store';

export async function rereadJob(flow: ClaimWatchContext, eventId: string, step: number) {
  const { ctx } = flow;
  const sql = ctx.store.sql;
  const event = await getEvent(sql, eventId);
  if (!event) return { fail: `no claim-status event ${eventId}` };
  const watch = await getWatch(sql, event.practiceId, event.claimId);
  if (!watch?.record) return { fail: `claim ${event.claimId} has no stored payer status` };
  const loaders = createLoaders(flow.practices);
  const patient = await loaders.patients.load({ practiceId: event.practiceId, id: watch.patientId });
  if (!patient) return { fail: `patient ${watch.patientId} is no longer in the ledger` };
  // Thrown upstream errors retry with the job's backoff: the announcement waits for a real balance.
  const balance = await computePatientBalance({ loaders }, event.practiceId, patient);
  const announce = await recordReread(sql, eventId, balance, ctx.now());
  const change = {
    eventId,
    practiceId: event.practiceId,
    claimId: event.claimId,
    patientId: watch.patientId,
    event: event.event,
    category: event.category,
    previousCategory: event.previousCategory,
    record: watch.record,
    balance,
    reread: step,
  };
  if (announce) flow.publish(change);
  // Called on every run of the first re-read, announced or not: a run that died after storing the
  // balance is retried with `announce` false, and the hook's work must still happen (it is idempotent
  // per event: `on-processed.ts`).
  if (step === 0 && event.event === 'CLAIM_PROCESSED' && flow.onProcessed) await flow.onProcessed(change);
  ctx.log.info('claim-status balance re-read', {
    practiceId: event.practiceId,
    claimId: event.claimId,
    eventId,
    step,
    announced: announce,
  });
  return 'done' as const;
}
