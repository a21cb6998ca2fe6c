import { DateResolver, DateTimeResolver, SafeIntResolver } from 'graphql-scalars';
import { formatCents } from '../../ledger/money';
import type { Resolvers } from '../generated/resolvers-types';

/** `Money` is rendered from integer cents; the decimal string exists only here, at the edge. */
export const moneyResolvers: Resolvers = {
  SafeInt: SafeIntResolver,
  Date: DateResolver,
  DateTime: DateTimeResolver,
  Money: {
    cents: (cents) => cents,
    amount: (cents) => formatCents(cents),
    currency: (_cents, _args, ctx) => ctx.services.config.currency,
  },
};
