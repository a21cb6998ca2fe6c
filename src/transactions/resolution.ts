/**
 * Staff settle a write that needs attention (`attention.ts`): after checking the practice's ledger
 * they say whether it landed (COMPLETED) or not (FAILED), with a note. Only a write that needs
 * attention may be settled, and only to a final status; the settlement is one forward-only status
 * transition (`transitions.ts`) recording the API key's name, the note and the time with it, so it
 * races safely with a webhook or a look-up that lands the write at the same moment (one wins; the
 * loser changes nothing). It is announced on the status bus like any change, and the write's poll
 * job is cancelled: there is nothing left to look up.
 *
 *     const result = await resolveWrite(ctx, { practiceId, transactionId, outcome: 'FAILED',
 *                                              note: 'not in the ledger on 3 June; re-entered', by: 'front-desk' });
 *     // { ok: true, row } | { ok: false, refusal: 'not-found' | 'no-attention', status? }
 */
import { toTransactionRow, type WritePathContext } from './context';
import type { TransactionRow, TransactionStatus } from './types';

export interface ResolveWriteInput {
  practiceId: string;
  transactionId: string;
  outcome: 'COMPLETED' | 'FAILED';
  /** Why (checked by the caller: non-empty, bounded). Stored, never logged. */
  note: string;
  /** Who: the API key's name. */
  by: string;
}

export type ResolveWriteResult =
  | { ok: true; row: TransactionRow }
  | { ok: false; refusal: 'not-found' }
  | { ok: false; refusal: 'no-attention'; status: TransactionStatus };

export async function resolveWrite(ctx: WritePathContext, input: ResolveWriteInput): Promise<ResolveWriteResult> {
  const row = await ctx.store.get(input.practiceId, input.transactionId);
  if (!row) return { ok: false, refusal: 'not-found' };
  if (row.attention === null) return { ok: false, refusal: 'no-attention', status: row.status };
  const resolution = { outcome: input.outcome, note: input.note, by: input.by };
  const moved =
    input.outcome === 'COMPLETED'
      ? await ctx.move(row, 'COMPLETED', { records: row.records, resolution })
      : await ctx.move(row, 'FAILED', {
          failureReason: `marked failed by "${input.by}" after checking the practice's ledger (see the resolution note)`,
          resolution,
        });
  if (!moved) {
    // Settled meanwhile (a webhook or a look-up landed it, or another resolution won).
    const now = await ctx.store.get(input.practiceId, input.transactionId);
    return { ok: false, refusal: 'no-attention', status: now?.status ?? row.status };
  }
  await cancelPoll(ctx, input.transactionId);
  ctx.log.info('transaction resolved by staff', {
    practiceId: moved.practiceId,
    transactionId: moved.transactionId,
    outcome: input.outcome,
    by: input.by,
  });
  return { ok: true, row: toTransactionRow(moved) };
}

/** Cancel the write's queued poll job (a running one ends by itself: the row is final). */
async function cancelPoll(ctx: WritePathContext, transactionId: string): Promise<void> {
  const jobs = await ctx.jobs.list({ kind: 'ledger.poll', singletonKey: transactionId, state: 'queued' });
  for (const job of jobs) await ctx.jobs.cancel(job.id);
}
