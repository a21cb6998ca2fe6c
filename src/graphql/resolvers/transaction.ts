import type { Resolvers } from '../generated/resolvers-types';
import { scrubSecrets } from '../../logging/scrub-secrets';
import { encodeGlobalId } from '../global-id';
import { transactionJobs } from './jobs';

export const transactionResolvers: Resolvers = {
  LedgerTransaction: {
    id: (t) => encodeGlobalId('LedgerTransaction', t.practiceId, [t.transactionId]),
    transactionId: (t) => t.transactionId,
    kind: (t) => t.kind,
    status: (t) => t.status,
    amount: (t) => t.amount,
    // The system's own words, for staff to fix the entry; anything credential-like masked (also for rows kept before).
    failureReason: (t) => (t.failureReason === null ? null : scrubSecrets(t.failureReason)),
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
