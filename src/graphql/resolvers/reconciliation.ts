/**
 * `Practice.reconciliation(from, to)`: thin. The window is checked first (nothing is read for a bad
 * one), the facts are gathered by `src/flows/reconciliation/`, and the rules of
 * `src/ledger/books-reconciliation.ts` decide the figures, the mismatches and the totals.
 */
import { DEFAULT_TIME_ZONE } from '../../config';
import { gatherReconciliation } from '../../flows/reconciliation/gather';
import { reconciliationSources } from '../../flows/reconciliation/sources';
import { reconcileBooks } from '../../ledger/books-reconciliation';
import { reconciliationWindow } from '../../ledger/reconciliation-range';
import { RuleViolation } from '../../ledger/violation';
import { requirePractice } from '../context';
import { dateArgText } from '../inputs';
import type { Resolvers } from '../generated/resolvers-types';
import { withStableErrors } from './write-guards';

export const reconciliationResolvers: Resolvers = {
  Practice: {
    reconciliation: (p, args, ctx) =>
      withStableErrors(async () => {
        // A Practice reaches a client only through the key's practices; checked again as every practice read is.
        const practice = requirePractice(ctx, p.id);
        const from = dateArgText(args.from) ?? '';
        const to = dateArgText(args.to) ?? '';
        const config = ctx.services.config;
        const window = reconciliationWindow({
          from,
          to,
          timeZone: config.practices.find((c) => c.id === practice.id)?.timeZone ?? DEFAULT_TIME_ZONE,
          maxDays: config.limits.maxReconciliationDays,
        });
        if (!window.ok) throw new RuleViolation(window.violation);
        const gathered = await gatherReconciliation(reconciliationSources(ctx.services, practice), practice.id, window);
        const report = reconcileBooks(
          gathered.map((g) => g.facts),
          { currency: config.currency },
        );
        return {
          from,
          to,
          rows: report.rows.map((row, i) => ({ ...row, transaction: gathered[i]!.transaction.row })),
          totals: report.totals,
          mismatchCount: report.mismatchCount,
          complete: report.complete,
        };
      }),
  },
};
