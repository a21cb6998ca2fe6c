/**
 * `src/ledger/`: the pure rules that decide every number the API returns and every write it makes
 * (see `src/ledger/README.md`).
 * No I/O and no vendor names; adapters fetch, the ledger computes.
 */
export {
  MoneyError,
  assertCents,
  formatCents,
  isCents,
  negateCents,
  parseDecimal,
  parseWireAmount,
  subtractCents,
  sumCents,
} from './money';
export {
  chargeInsuranceFigures,
  chargePatientAmount,
  claimStageLookup,
  effectiveStage,
  payoutDeduction,
  type ChargeInsuranceFigures,
  type ClaimStageLookup,
  type PatientAmountCharge,
} from './patient-amount';
export {
  patientBalance,
  patientBalanceOfRecords,
  type PatientBalance,
  type PatientBalanceParts,
} from './patient-balance';
export {
  AGING_BUCKET_KEYS,
  addBuckets,
  guarantorAging,
  insuranceAging,
  outOfPocketAging,
  subtractBuckets,
  sumBuckets,
  zeroBuckets,
  type Aging,
} from './aging';
export { reconcile, type Reconciliation } from './reconciliation';
export { recordsSum, rowsMismatch, type ExpectedRows, type RecordsSum } from './records-sum';
export {
  adjustmentRequiresSplit,
  checkSplits,
  type SplitCheckInput,
  type SplitViolation,
  type SplitViolationCode,
} from './splits';
export { matchTypeById, matchTypeByName, type MatchableType } from './type-match';
export { fingerprint } from './fingerprint';
export {
  checkAdjustmentInput,
  checkCollectionInput,
  checkPaymentInput,
  prepareAdjustment,
  prepareCollection,
  preparePayment,
  type AdjustmentRequest,
  type CheckedInput,
  type CollectionFacts,
  type CollectionRequest,
  type LedgerWriteFacts,
  type PatientFact,
  type PaymentRequest,
  type Prepared,
  type PreparedCollection,
  type PreparedLedgerWrite,
} from './prepare-write';
export { RuleViolation, type Violation } from './violation';
export {
  MAX_TRANSACTION_ID_LENGTH,
  TRANSACTION_ID_PREFIX,
  TRANSACTION_ID_PREFIX_RULE,
  TransactionIdError,
  assertTransactionIdPrefix,
  formatTransactionId,
} from './transaction-id';
export {
  buildInvoice,
  buildItemizedInvoice,
  compareIds,
  compareInvoiceLines,
  invoiceKey,
  invoiceTotals,
  type Invoice,
  type InvoiceGroup,
  type InvoiceGroupBy,
  type InvoiceLine,
} from './invoice';
export {
  claimCollectible,
  collectibleBalance,
  isEnterprise,
  type CollectibleClaim,
  type CollectibleContext,
} from './collectible';
