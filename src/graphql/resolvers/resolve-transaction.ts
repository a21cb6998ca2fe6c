/**
 * `resolveTransaction`: staff settle a write that needs attention (a write with no answer from the
 * practice's system for 48 h, `src/transactions/attention.ts`) after checking the ledger themselves.
 * Only to COMPLETED or FAILED, only while `attention` is set, recorded with the API key's name, the
 * note and the time (`src/transactions/resolution.ts`). Every refusal writes nothing and calls no
 * upstream: BAD_USER_INPUT for the arguments or a write that needs no resolution, NOT_FOUND for an
 * unknown transaction, FORBIDDEN for a practice outside the key.
 */
import { z } from 'zod';
import type { Resolvers } from '../generated/resolvers-types';
import { requirePractice } from '../context';
import { gatewayError } from '../errors';
import { withStableErrors } from './write-guards';

/** The arguments beyond their GraphQL types. */
export const resolveArgs = z.object({
  practiceId: z.string(),
  transactionId: z
    .string()
    .min(1, 'expected a non-empty transaction id')
    .max(50, 'expected a transaction id of at most 50 characters'),
  outcome: z.enum(['COMPLETED', 'FAILED'], { error: 'expected COMPLETED or FAILED: a write is settled to a final status' }),
  note: z
    .string()
    .trim()
    .min(1, 'expected a note saying what the ledger showed')
    .max(1000, 'expected a note of at most 1000 characters'),
});

function parseArgs(args: unknown): z.output<typeof resolveArgs> {
  const result = resolveArgs.safeParse(args);
  if (result.success) return result.data;
  const issue = result.error.issues[0]!;
  const field = issue.path.map(String).join('.') || 'arguments';
  throw gatewayError('BAD_USER_INPUT', `${field}: ${issue.message}`, { field });
}

export const resolveTransactionResolvers: Resolvers = {
  Mutation: {
    resolveTransaction: (_root, args, ctx) =>
      withStableErrors(async () => {
        const practice = requirePractice(ctx, args.practiceId);
        const { transactionId, outcome, note } = parseArgs(args);
        const result = await ctx.services.transactions.resolve({
          practiceId: practice.id,
          transactionId,
          outcome,
          note,
          by: ctx.caller.keyName,
        });
        if (result.ok) return { transaction: result.row };
        if (result.refusal === 'not-found') {
          throw gatewayError('NOT_FOUND', `no transaction "${transactionId}" in practice "${practice.id}"`);
        }
        throw gatewayError(
          'BAD_USER_INPUT',
          `transaction "${transactionId}" needs no resolution: it is ${result.status} and has no attention set ` +
            '(only a write that needs attention may be settled by hand)',
          { field: 'transactionId', status: result.status },
        );
      }),
  },
};
