/** Every resolver map, merged; one file per type family. */
import type { Resolvers } from '../generated/resolvers-types';
import { bookingResolvers } from './booking';
import { collectPaymentResolvers } from './collect-payment';
import { collectionResolvers } from './collection';
import { coverageResolvers } from './coverage';
import { guarantorResolvers } from './guarantor';
import { insuranceResolvers } from './insurance';
import { jobResolvers } from './jobs';
import { ledgerRowResolvers } from './ledger-rows';
import { moneyResolvers } from './money';
import { mutationResolvers } from './mutation';
import { patientResolvers } from './patient';
import { payPageResolvers } from './pay-page';
import { practiceResolvers } from './practice';
import { queryResolvers } from './query';
import { reconciliationResolvers } from './reconciliation';
import { reminderResolvers } from './reminders';
import { reportResolvers } from './reports';
import { resolveTransactionResolvers } from './resolve-transaction';
import { subscriptionResolvers } from './subscription';
import { transactionResolvers } from './transaction';

export const resolvers: Resolvers = {
  ...moneyResolvers,
  ...queryResolvers,
  Query: { ...queryResolvers.Query, ...jobResolvers.Query, ...reminderResolvers.Query, ...payPageResolvers.Query },
  Job: jobResolvers.Job,
  ...practiceResolvers,
  Practice: { ...practiceResolvers.Practice, ...reconciliationResolvers.Practice, ...reportResolvers.Practice },
  ...patientResolvers,
  Patient: { ...patientResolvers.Patient, ...coverageResolvers.Patient, ...insuranceResolvers.Patient },
  ClaimPayerStatus: insuranceResolvers.ClaimPayerStatus,
  ClaimStatusChange: insuranceResolvers.ClaimStatusChange,
  ...guarantorResolvers,
  ...ledgerRowResolvers,
  Claim: { ...ledgerRowResolvers.Claim, ...insuranceResolvers.Claim },
  ...transactionResolvers,
  LedgerTransaction: {
    ...transactionResolvers.LedgerTransaction,
    ...collectionResolvers.LedgerTransaction,
    ...reminderResolvers.LedgerTransaction,
    ...bookingResolvers.LedgerTransaction,
  },
  Reminder: reminderResolvers.Reminder,
  BillingCycle: reminderResolvers.BillingCycle,
  Checkout: collectionResolvers.Checkout,
  CheckoutLine: collectionResolvers.CheckoutLine,
  Mutation: {
    ...mutationResolvers.Mutation,
    ...collectPaymentResolvers.Mutation,
    ...resolveTransactionResolvers.Mutation,
    ...collectionResolvers.Mutation,
    ...reminderResolvers.Mutation,
    ...insuranceResolvers.Mutation,
  },
  ...subscriptionResolvers,
  Subscription: {
    ...subscriptionResolvers.Subscription,
    ...reminderResolvers.Subscription,
    ...payPageResolvers.Subscription,
    ...insuranceResolvers.Subscription,
  },
};
