/**
 * `Patient.eligibility`, `Claim.payerStatus`, `refreshClaimStatus`, `claimStatusChanged` and the
 * capabilities `eligibility` / `claimStatusInquiry` (schema/coverage.graphql). Thin: reads go through
 * the request's loaders, the work through the flows (`src/flows/eligibility/`,
 * `src/flows/claim-watch/`). Where nothing is known of a patient's coverage, `eligibility` is null
 * and `Patient.unsupported` carries an `eligibility: …` entry saying why.
 */
import DataLoader from 'dataloader';
import { DateTime } from 'luxon';
import { DEFAULT_TIME_ZONE } from '../../config';
import type { ClaimChange } from '../../flows/claim-watch/context';
import type { WatchRow } from '../../flows/claim-watch/watch-store';
import { eligibilityUnknownReason } from '../../flows/eligibility/flow';
import type { PatientRecord } from '../../ledger/records';
import { requirePractice, type GatewayContext } from '../context';
import { gatewayError } from '../errors';
import { dateArgText, eligibilityInput, parseInput, refreshClaimStatusInput } from '../inputs';
import type { Resolvers } from '../generated/resolvers-types';
import type { ClaimModel } from '../models';
import { withStableErrors } from './write-guards';

/** Today in the practice's time zone (the default `asOf`). */
function todayAt(ctx: GatewayContext, practiceId: string): string {
  const zone = ctx.services.config.practices.find((p) => p.id === practiceId)?.timeZone ?? DEFAULT_TIME_ZONE;
  return DateTime.now().setZone(zone).toISODate()!;
}

/** The patient's coverages, through the request's loader; `null` where the system has no coverage read. */
async function coveragesOf(ctx: GatewayContext, practiceId: string, patient: PatientRecord) {
  const practice = ctx.services.registry.get(practiceId);
  if (!practice?.capabilities.coverage) return null;
  return ctx.loaders.coverages.load({ practiceId, id: patient.sourceId });
}

/** One watch loader per request (keyed on its loaders), batching `Claim.payerStatus` per practice. */
const watchLoaders = new WeakMap<object, DataLoader<{ practiceId: string; claimId: string }, WatchRow | null, string>>();
function watchLoader(ctx: GatewayContext) {
  let loader = watchLoaders.get(ctx.loaders);
  if (!loader) {
    loader = new DataLoader(
      async (keys) => {
        const byPractice = new Map<string, string[]>();
        for (const k of keys) byPractice.set(k.practiceId, [...(byPractice.get(k.practiceId) ?? []), k.claimId]);
        const found = new Map<string, WatchRow>();
        for (const [practiceId, ids] of byPractice) {
          for (const row of await ctx.services.claimWatch.watches(practiceId, ids))
            found.set(`${practiceId}\u0000${row.claimId}`, row);
        }
        return keys.map((k) => found.get(`${k.practiceId}\u0000${k.claimId}`) ?? null);
      },
      { cacheKeyFn: (k) => `${k.practiceId}\u0000${k.claimId}` },
    );
    watchLoaders.set(ctx.loaders, loader);
  }
  return loader;
}

/** A claim of a patient, through the request's loader, as the API's Claim. */
async function claimModel(
  ctx: GatewayContext,
  practiceId: string,
  patientId: string,
  claimId: string,
): Promise<ClaimModel | null> {
  const claims = await ctx.loaders.claims.load({ practiceId, id: patientId });
  const record = claims.find((c) => c.sourceId === claimId);
  return record ? { practiceId, record } : null;
}

export const insuranceResolvers: Resolvers = {
  Patient: {
    eligibility: (p, args, ctx) =>
      withStableErrors(async () => {
        const { coverageId } = parseInput(eligibilityInput, { coverageId: args.coverageId });
        const answer = await ctx.services.eligibility.check({
          practiceId: p.practiceId,
          patient: p.record,
          coverages: await coveragesOf(ctx, p.practiceId, p.record),
          coverageId: coverageId ?? null,
          asOf: dateArgText(args.asOf),
          refresh: args.refresh ?? false,
          today: todayAt(ctx, p.practiceId),
        });
        return 'unavailable' in answer ? null : { ...answer.result, cached: answer.cached };
      }),
  },
  Claim: {
    payerStatus: (c, _args, ctx) => watchLoader(ctx).load({ practiceId: c.practiceId, claimId: c.record.sourceId }),
  },
  ClaimPayerStatus: {
    category: (w) => w.record?.category ?? null,
    codes: (w) => ({
      statusCategoryCode: w.record?.statusCategoryCode ?? null,
      statusCode: w.record?.statusCode ?? null,
      entityCode: w.record?.entityCode ?? null,
      statusText: w.record?.statusText ?? null,
      effectiveDate: w.record?.effectiveDate ?? null,
    }),
    payerClaimControlNumber: (w) => w.record?.payerClaimControlNumber ?? null,
    billed: (w) => w.record?.billed ?? null,
    paid: (w) => w.record?.paid ?? null,
    paidDate: (w) => w.record?.paidDate ?? null,
    checkNumber: (w) => w.record?.checkNumber ?? null,
    maxPatientResponsibility: (w) => w.record?.maxPatientResponsibility ?? null,
    checkedAt: (w) => w.checkedAt,
    polling: (w) => w.polling,
    attentionReason: (w) => w.attentionReason,
    nextInquiryAt: (w) => w.nextInquiryAt,
  },
  ClaimStatusChange: {
    eventId: (c) => c.eventId,
    event: (c) => c.event,
    claimId: (c) => c.claimId,
    patientId: (c) => c.patientId,
    claim: (c, _args, ctx) => claimModel(ctx, c.practiceId, c.patientId, c.claimId),
    payerStatus: async (c, _args, ctx) => {
      const watch = await watchLoader(ctx).load({ practiceId: c.practiceId, claimId: c.claimId });
      // The record as it was at the change (a later inquiry may have moved the watch on).
      return { ...watch!, record: c.record, category: c.category };
    },
    previousCategory: (c) => c.previousCategory,
    balance: (c) => c.balance,
    reread: (c) => c.reread,
  },
  Mutation: {
    refreshClaimStatus: (_root, args, ctx) =>
      withStableErrors(async () => {
        const practice = requirePractice(ctx, args.practiceId);
        const { claimId, patientId } = parseInput(refreshClaimStatusInput, { claimId: args.claimId, patientId: args.patientId });
        const watch = await ctx.services.claimWatch.refresh(practice.id, claimId, patientId ?? null);
        const claim = await claimModel(ctx, practice.id, watch.patientId, args.claimId);
        if (!claim) throw gatewayError('NOT_FOUND', `no claim "${args.claimId}" at practice "${practice.id}"`);
        watchLoader(ctx).prime({ practiceId: practice.id, claimId: args.claimId }, watch);
        return claim;
      }),
  },
  Subscription: {
    claimStatusChanged: {
      subscribe: (_root, { practiceId, claimId }, ctx) => {
        requirePractice(ctx, practiceId);
        return changesOf(ctx, practiceId, claimId ?? null);
      },
      resolve: (payload: { claimStatusChanged: ClaimChange }) => payload.claimStatusChanged,
    },
  },
};

/** The capabilities `eligibility` and `claimStatusInquiry`: the practice's coverage config, not its ledger system. */
export function insuranceCapabilities(ctx: GatewayContext, practiceId: string) {
  return {
    eligibility: ctx.services.eligibility.supported(practiceId),
    claimStatusInquiry: ctx.services.claimWatch.supported(practiceId),
  };
}

/** Patient.unsupported's `eligibility: …` entry, where the practice asks a clearinghouse but nothing is known of the patient's coverage. */
export async function eligibilityUnsupported(ctx: GatewayContext, practiceId: string, patient: PatientRecord): Promise<string[]> {
  if (!ctx.services.eligibility.supported(practiceId)) return [];
  // A coverage read that fails says nothing here (`unsupported` is non-null): the error travels on
  // `coverages` / `eligibility`, whichever the client asked for.
  const coverages = await coveragesOf(ctx, practiceId, patient).catch(() => undefined);
  if (coverages === undefined) return [];
  const reason = eligibilityUnknownReason(coverages, patient, null);
  return reason ? [reason] : [];
}

/** The practice's changes (of one claim, when `claimId`), as an async iterator that ends when the client leaves. */
function changesOf(ctx: GatewayContext, practiceId: string, claimId: string | null) {
  const queue: ClaimChange[] = [];
  let wake: (() => void) | null = null;
  let closed = false;
  const unsubscribe = ctx.services.claimWatch.onChange(practiceId, (change) => {
    if (claimId !== null && change.claimId !== claimId) return;
    queue.push(change);
    wake?.();
  });
  const iterator: AsyncIterableIterator<{ claimStatusChanged: ClaimChange }> = {
    async next() {
      while (!closed && queue.length === 0) {
        await new Promise<void>((resolve) => {
          wake = resolve;
        });
        wake = null;
      }
      if (closed) return { done: true, value: undefined };
      return { done: false, value: { claimStatusChanged: queue.shift()! } };
    },
    async return() {
      closed = true;
      unsubscribe();
      wake?.();
      return { done: true, value: undefined };
    },
    [Symbol.asyncIterator]() {
      return iterator;
    },
  };
  return iterator;
}
