/**
 * The practice-wide reports (schema/reports.graphql): thin resolvers over the practice's report
 * snapshots (`ctx.services.reports`, src/reports/) and the pure computations of src/ledger/reports/.
 * Inputs are checked before anything is read upstream; a practice whose system cannot answer is
 * NOT_SUPPORTED with the system's reason, never an empty page.
 */
import type { Resolvers } from '../generated/resolvers-types';
import { DEFAULT_TIME_ZONE } from '../../config';
import { AgingSummary } from '../../ledger/reports/aging-summary';
import { Collections } from '../../ledger/reports/collections';
import { decodePaymentsCursor, paymentsPage } from '../../ledger/reports/payments-page';
import {
  checkReceivablesFilter,
  decodeReceivablesCursor,
  receivablesPage,
  type ReceivableInput,
} from '../../ledger/reports/receivables';
import { parseAmountFilter, parsePageSize, parsePeriod } from '../../ledger/reports/report-input';
import type { Practice } from '../../practices';
import type { GatewayContext } from '../context';
import { gatewayError } from '../errors';
import { exactFigure } from './ledger-access';

/** Largest `first` of a report page. */
const MAX_PAGE = 200;

function requireReports(ctx: GatewayContext, practice: Practice, what: string): void {
  const why = ctx.services.reports.unsupportedReason(practice);
  if (why !== null) {
    throw gatewayError('NOT_SUPPORTED', `practice "${practice.id}" (${practice.system}) cannot answer ${what}: ${why}`);
  }
}

function timeZoneOf(ctx: GatewayContext, practiceId: string): string {
  return ctx.services.config.practices.find((p) => p.id === practiceId)?.timeZone ?? DEFAULT_TIME_ZONE;
}

export const reportResolvers: Resolvers = {
  Practice: {
    receivables: (p, { filter, orderBy, first, after }, ctx) =>
      exactFigure(`the receivables of practice "${p.id}"`, async () => {
        const size = parsePageSize(first, MAX_PAGE);
        const parsedFilter = {
          minBalance: parseAmountFilter('minBalance', filter?.minBalance),
          maxBalance: parseAmountFilter('maxBalance', filter?.maxBalance),
          olderThan: filter?.olderThan ?? null,
        };
        const order = { field: orderBy?.field ?? 'TOTAL', direction: orderBy?.direction ?? 'DESC' } as const;
        checkReceivablesFilter(parsedFilter);
        if (after) decodeReceivablesCursor(after, order);
        requireReports(ctx, p, 'receivables');
        const [balances, names] = await Promise.all([ctx.services.reports.balances(p), ctx.services.reports.names(p)]);
        const entries = function* (): Generator<ReceivableInput> {
          for (const record of balances.values()) {
            const name = names.get(record.guarantorSourceId);
            yield { record, firstName: name?.firstName ?? '', lastName: name?.lastName ?? '' };
          }
        };
        const page = receivablesPage(entries(), { filter: parsedFilter, order, first: size, after: after ?? null });
        return {
          nodes: page.items.map((item) => {
            const id = item.record.guarantorSourceId;
            // Her record is known: `guarantor { aging }` must not cost a call per guarantor.
            ctx.loaders.guarantorBalances.prime({ practiceId: p.id, id }, item.record);
            const nonPatient = names.get(id)?.nonPatient ?? false;
            return {
              guarantor: {
                practiceId: p.id,
                role: 'guarantor' as const,
                record: {
                  sourceId: id,
                  firstName: item.firstName,
                  lastName: item.lastName,
                  email: null,
                  phone: null,
                  dateOfBirth: null,
                  guarantorSourceId: id,
                  nonPatient,
                  inactive: false,
                  departmentId: null,
                  guarantorName: null,
                },
              },
              aging: item.aging,
            };
          }),
          endCursor: page.endCursor,
          hasNextPage: page.hasNextPage,
          totalCount: page.totalCount,
        };
      }),
    agingSummary: (p, _args, ctx) =>
      exactFigure(`the aging summary of practice "${p.id}"`, async () => {
        requireReports(ctx, p, 'agingSummary');
        const summary = new AgingSummary({ writeOffEstimates: p.capabilities.writeOffEstimates });
        summary.add((await ctx.services.reports.balances(p)).values());
        return summary.result();
      }),
    payments: (p, { from, to, first, after }, ctx) =>
      exactFigure(`the payments of practice "${p.id}"`, async () => {
        const period = parsePeriod(from, to);
        const size = parsePageSize(first, MAX_PAGE);
        if (after) decodePaymentsCursor(after);
        requireReports(ctx, p, 'payments');
        const rows = await ctx.services.reports.payments(p);
        const page = paymentsPage(rows.values(), { period, timeZone: timeZoneOf(ctx, p.id), first: size, after: after ?? null });
        return {
          nodes: page.items.map((record) => ({ practiceId: p.id, record })),
          endCursor: page.endCursor,
          hasNextPage: page.hasNextPage,
          totalCount: page.totalCount,
        };
      }),
    collections: (p, { from, to, groupBy }, ctx) =>
      exactFigure(`the collections of practice "${p.id}"`, async () => {
        const period = parsePeriod(from, to);
        requireReports(ctx, p, 'collections');
        const processor = p.processor;
        const collections = new Collections({
          period,
          groupBy,
          timeZone: timeZoneOf(ctx, p.id),
          processorOf: (payment) =>
            processor && payment.paymentTypeSourceId === processor.paymentTypeId ? processor.name : null,
        });
        collections.add((await ctx.services.reports.payments(p)).values());
        const types = groupBy === 'PAYMENT_TYPE' ? await ctx.loaders.paymentTypes.load(p.id) : [];
        return collections.result().map((total) => {
          const type = types.find((t) => t.sourceId === total.key);
          return { ...total, paymentType: type ? { sourceId: type.sourceId, name: type.name } : null };
        });
      }),
  },
};
