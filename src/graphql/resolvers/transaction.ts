import type { Resolvers } from '../generated/resolvers-types';
import { encodeGlobalId } from '../global-id';
import { transactionJobs } from './jobs';

export const transactionResolvers: Resolvers = {
  LedgerTransaction: {
    id: (t) => encodeGlobalId('LedgerTransaction', t.practiceId, [t.transactionId]),
    transactionId: (t) => t.transactionId,
    kind: (t) => t.kind,
    status: (t) => t.status,
    amount: (t) => t.amount,
    failureReason: (t) => t.failureReason,
    receiptId: (t) => t.receiptId,
    createdAt: (t) => t.createdAt,
    updatedAt: (t) => t.updatedAt,
    attention: (t) => t.attention,
    resolution: (t) => t.resolution,
    jobs: transactionJobs,
    records: (t) => [
      ...t.records.payments.map((record) => ({ practiceId: t.practiceId, record, __typename: 'Payment' as const })),
      ...t.records.adjustments.map((record) => ({ practiceId: t.practiceId, record, __typename: 'Adjustment' as const })),
    ],
  },
  LedgerRecord: {
    __resolveType: (obj) => ('paymentTypeSourceId' in obj.record ? 'Payment' : 'Adjustment'),
  },
};
