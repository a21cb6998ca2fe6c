/**
 * One claim-status inquiry of a watched claim, and the `claims.inquire` job that repeats it along
 * the cadence (`cadence.ts`). The job is one live row per claim (singleton key `claim:<practice>:<claim>`)
 * that defers itself to the next inquiry and ends when polling stops.
 *
 * An inquiry reads the claim fresh from the ledger, builds its key (`inquiry-key.ts`), asks the
 * clearinghouse, and stores the outcome. A change — the fingerprint differs from the stored one,
 * or the first answer — is stored with its event and the balance re-read jobs in one SQL
 * transaction, and only by the run whose compare-and-set on the old fingerprint committed: two runs
 * that saw the same change (a refresh racing the night's job) make one event.
 */
import type { ClaimStatusAnswer } from '../../adapters/coverage/port';
import { UpstreamError } from '../../adapters/ledger/port';
import { createLoaders } from '../../graphql/loaders';
import { errorText } from '../../transactions/context';
import { nextStep, type InquiryOutcome } from './cadence';
import type { ClaimWatchContext } from './context';
import { inquiryKey } from './inquiry-key';
import {
  claimPayerStatusFigures,
  claimRejectionAction,
  claimStatusEvent,
  claimStatusFingerprint,
  matchClaim,
} from '../../ledger/claim-status';
import type { ClaimRecord, CoverageRecord, PatientRecord } from '../../ledger/records';
import type { ClaimStatusRecord } from './types';
import { claimInquiry, getWatch, storeStep, insertEvent, type WatchRow } from './watch-store';

export const inquireSingletonKey = (practiceId: string, claimId: string) => `claim:${practiceId}:${claimId}`;

export interface InquiryResult {
  watch: WatchRow;
  /** The event this inquiry recorded, when it found a change. */
  eventId: string | null;
  /** Its first balance re-read's job (run it to announce the change now). */
  rereadJobId: string | null;
  /** The clearinghouse's failure, for a caller that must report it (`refreshClaimStatus`). */
  error: unknown;
}

/** What a caller has just read of a patient from the ledger (a refresh builds its key from it first). */
export interface PatientRead {
  patientId: string;
  patient: PatientRecord | null;
  claims: ClaimRecord[];
  coverages: CoverageRecord[];
}

/**
 * Ask once now and store the outcome. `null` when the claim is not watched. `read`: the claim's
 * patient as the caller read it moments ago (a refresh), used instead of reading her again when she
 * is still the watch's patient.
 */
export async function inquireOnce(
  flow: ClaimWatchContext,
  practiceId: string,
  claimId: string,
  read: PatientRead | null = null,
): Promise<InquiryResult | null> {
  const { ctx } = flow;
  const sql = ctx.store.sql;
  const watch = await getWatch(sql, practiceId, claimId);
  if (!watch) return null;
  const connection = flow.claimStatusFor(practiceId);
  const practice = flow.practices.get(practiceId);
  const timeZone = flow.timeZoneOf(practiceId);
  const now = ctx.now();
  const stop = async (outcome: InquiryOutcome, reason: string | null = null) => {
    const step = nextStep(claimId, watch, outcome, false, now, timeZone);
    await storeStep(
      sql,
      practiceId,
      claimId,
      { ...step, attentionReason: reason ?? step.attentionReason },
      null,
      watch.fingerprint,
      now,
    );
    return { watch: (await getWatch(sql, practiceId, claimId))!, eventId: null, rereadJobId: null, error: null };
  };
  if (!connection?.adapter.inquireClaimStatus || !practice) return null;

  // Fresh reads (a loader set of its own, or the caller's of this very moment): the watch acts on what the ledger says now.
  const { patient, claims, coverages } =
    read?.patientId === watch.patientId ? read : await readPatient(flow, practiceId, watch.patientId);
  const claim = claims.find((c) => c.sourceId === claimId);
  if (!patient || !claim) return stop({ kind: 'REQUEST_REFUSED' }, 'the claim is no longer in the ledger');
  const built = inquiryKey(claim, patient, coverages, connection.settings, watch.payerClaimNumber);
  if (!built.ok) return stop({ kind: 'REQUEST_REFUSED' }, built.reason);

  let answer: ClaimStatusAnswer;
  try {
    answer = await connection.adapter.inquireClaimStatus(built.request);
  } catch (error) {
    // 400 (validation) and 404 (unknown payer id) need the practice; anything else is the next cycle's.
    const refused =
      error instanceof UpstreamError && error.code === 'UPSTREAM_REJECTED' && (error.status === 400 || error.status === 404);
    ctx.log.warn('claim-status inquiry failed', { practiceId, claimId, error: errorText(error) });
    const result = await stop(refused ? { kind: 'REQUEST_REFUSED' } : { kind: 'NEXT_CYCLE' }, refused ? errorText(error) : null);
    return { ...result, error };
  }
  if (answer.state === 'REJECTED') {
    const retry = answer.reasons.some((r) => claimRejectionAction(r.code) === 'RETRY');
    const codes = answer.reasons.map((r) => r.code).join(', ');
    return stop({ kind: 'PAYER_REJECTED', retry }, retry ? null : `the payer rejected the inquiry (AAA ${codes})`);
  }
  const match = matchClaim(answer.claims, {
    payerClaimControlNumber: watch.payerClaimNumber,
    patientControlNumber: built.request.patientControlNumber,
    serviceFrom: built.request.serviceFrom,
    serviceTo: built.request.serviceTo,
    billed: built.request.billed,
  });
  if (match.kind !== 'MATCHED') {
    ctx.log.warn(match.kind === 'AMBIGUOUS' ? 'claim-status answer ambiguous' : 'claim-status answer names no claim of ours', {
      practiceId,
      claimId,
      claims: answer.claims.length,
    });
    return stop({ kind: 'NEXT_CYCLE' });
  }
  const row = match.claim;
  const figures = claimPayerStatusFigures(row, { billed: claim.billed });
  const { category } = figures;
  const record: ClaimStatusRecord = { ...figures, claimSourceId: claimId, checkedAt: now.toISOString() };
  const fingerprint = claimStatusFingerprint(row);
  const event = claimStatusEvent(watch.fingerprint, row);
  const changed = event !== null;
  const step = nextStep(
    claimId,
    watch,
    { kind: 'ANSWER', category, statusCategoryCode: row.statusCategoryCode },
    changed,
    now,
    timeZone,
  );
  const made = await sql.transaction(async (tx) => {
    const stored = await storeStep(tx, practiceId, claimId, step, { record, fingerprint }, watch.fingerprint, now);
    if (!stored || event === null) return null;
    const processed = event === 'CLAIM_PROCESSED';
    const inserted = await insertEvent(tx, {
      practiceId,
      claimId,
      event,
      category,
      previousCategory: watch.category,
      fingerprint,
      now,
    });
    const delays = processed ? flow.options.rereadDelaysMs : flow.options.rereadDelaysMs.slice(0, 1);
    const jobIds: string[] = [];
    for (const [step, delay] of delays.entries()) {
      const { job } = await ctx.jobs.enqueue(
        'claims.reread',
        { practiceId, claimId, eventId: inserted.eventId, step },
        { idempotencyKey: `${inserted.eventId}:${step}`, runAt: new Date(now.getTime() + delay), tx },
      );
      jobIds.push(job.id);
    }
    return { eventId: inserted.eventId, rereadJobId: jobIds[0] ?? null };
  });
  const eventId = made?.eventId ?? null;
  // A structured event without PHI: ids, codes, categories.
  if (eventId) {
    ctx.log.info('claim status changed', {
      practiceId,
      claimId,
      eventId,
      category,
      previousCategory: watch.category,
      statusCategoryCode: row.statusCategoryCode,
      statusCode: row.statusCode,
    });
  }
  return { watch: (await getWatch(sql, practiceId, claimId))!, eventId, rereadJobId: made?.rereadJobId ?? null, error: null };
}

/** A patient, her claims and (when the ledger has them) her coverages, read fresh from the ledger. */
export async function readPatient(flow: ClaimWatchContext, practiceId: string, patientId: string): Promise<PatientRead> {
  const loaders = createLoaders(flow.practices);
  const key = { practiceId, id: patientId };
  const [patient, claims, coverages] = await Promise.all([
    loaders.patients.load(key),
    loaders.claims.load(key),
    flow.practices.get(practiceId)?.capabilities.coverage ? loaders.coverages.load(key) : Promise.resolve([]),
  ]);
  return { patientId, patient, claims, coverages };
}

/** The `claims.inquire` handler: inquire when due, then defer to the next inquiry or end. */
export async function inquireJob(flow: ClaimWatchContext, practiceId: string, claimId: string) {
  const { ctx } = flow;
  let watch = await getWatch(ctx.store.sql, practiceId, claimId);
  if (watch?.polling !== 'WATCHING' || !watch.nextInquiryAt) return 'done' as const;
  if (Date.parse(watch.nextInquiryAt) > ctx.now().getTime()) {
    return { retryAt: new Date(watch.nextInquiryAt), spendAttempt: false as const, reason: 'next inquiry' };
  }
  // A refresh that inquired within the minimum interval (or is inquiring now) took this turn: come
  // back once it has stored its outcome, which moves the next inquiry on.
  const minMs = (flow.claimStatusFor(practiceId)?.settings.minRefreshIntervalSeconds ?? 0) * 1000;
  if (!(await claimInquiry(ctx.store.sql, practiceId, claimId, ctx.now(), minMs))) {
    return { retryAt: new Date(ctx.now().getTime() + minMs), spendAttempt: false as const, reason: 'inquired by a refresh' };
  }
  const result = await inquireOnce(flow, practiceId, claimId);
  if (result?.rereadJobId) await runRereadNow(flow, result.rereadJobId);
  watch = result?.watch ?? null;
  if (watch?.polling !== 'WATCHING' || !watch.nextInquiryAt) return 'done' as const;
  return { retryAt: new Date(watch.nextInquiryAt), spendAttempt: false as const, reason: 'next inquiry' };
}

/** Run an event's first re-read job here (the change is announced before the caller answers). */
export async function runRereadNow(flow: ClaimWatchContext, jobId: string): Promise<void> {
  await flow.ctx.inFlight.track(() => flow.ctx.jobs.run(jobId));
}
