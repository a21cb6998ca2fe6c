/**
 * `Job`: the durable queue's jobs, for operators. Scoped like every root: `Query.jobs` needs the
 * caller's practice (FORBIDDEN otherwise) and lists only jobs whose payload carries that practice
 * id; `LedgerTransaction.jobs` lists those of a transaction the caller could already read.
 */
import type { JobState } from '../../jobs/types';
import { requirePractice } from '../context';
import { gatewayError } from '../errors';
import type { JobState as GraphQLJobState, Resolvers } from '../generated/resolvers-types';

const MAX_JOBS = 200;

export const jobResolvers: Resolvers = {
  Query: {
    jobs: (_root, { practiceId, state, kind, first }, ctx) => {
      requirePractice(ctx, practiceId);
      const limit = first ?? 50;
      if (limit < 1 || limit > MAX_JOBS)
        throw gatewayError('BAD_USER_INPUT', `expected first between 1 and ${MAX_JOBS}, got ${limit}`);
      return ctx.services.transactions.jobs.list({
        payloadContains: { practiceId },
        ...(state ? { state: state.toLowerCase() as JobState } : {}),
        ...(kind ? { kind } : {}),
        limit,
      });
    },
  },
  Job: {
    id: (j) => j.id,
    kind: (j) => j.kind,
    state: (j) => j.state.toUpperCase() as GraphQLJobState,
    transactionId: (j) => {
      const id = (j.payload as { transactionId?: unknown } | null)?.transactionId;
      return typeof id === 'string' ? id : null;
    },
    attempts: (j) => j.attempts,
    maxAttempts: (j) => j.maxAttempts,
    runAt: (j) => j.runAt,
    lastError: (j) => j.lastError,
    createdAt: (j) => j.createdAt,
    updatedAt: (j) => j.updatedAt,
    finishedAt: (j) => j.finishedAt,
  },
};

/** `LedgerTransaction.jobs`: the transaction's jobs (singleton key = its id), its practice's only. */
export const transactionJobs: NonNullable<NonNullable<Resolvers['LedgerTransaction']>['jobs']> = (t, _args, ctx) =>
  ctx.services.transactions.jobs.list({
    singletonKey: t.transactionId,
    payloadContains: { practiceId: t.practiceId },
    limit: 50,
  });
