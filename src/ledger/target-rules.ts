/**
 * What the practice's system needs of a write beyond the ledger's own rules, as declared by its
 * adapter and passed in as facts: the tender details a card or check payment type requires
 * (`PaymentTypeRecord.tenderRequired`), and one visit per write (`Capabilities.writesOneVisit`).
 * Pure; `prepare-write.ts` checks them after the targets exist.
 */
import type { LedgerWrite, PaymentTypeRecord, Tender } from './records';
import type { Violation } from './violation';

/** The tender fields a payment type requires (`PaymentTypeRecord.tenderRequired`) that are missing. */
export function missingTender(type: PaymentTypeRecord, tender: Tender | null): Violation | null {
  const needed =
    type.tenderRequired === 'card'
      ? (['cardBrand', 'cardLast4', 'cardExpiry'] as const)
      : type.tenderRequired === 'check'
        ? (['checkNumber', 'checkDate'] as const)
        : [];
  const missing = needed.filter((key) => tender?.[key] == null);
  if (missing.length === 0) return null;
  return {
    code: 'BAD_USER_INPUT',
    message: `input.tender: payment type "${type.name}" is a ${type.tenderRequired} payment: expected ${missing.map((k) => `tender.${k}`).join(', ')}`,
  };
}

/**
 * Where a write lands on one visit (`oneVisit`: the charges' visits, given where the system posts one visit per write): provider splits, or charge splits over
 * charges of more than one visit (or of none known), cannot be posted as one allocation.
 */
export function splitsAcrossVisits(
  write: LedgerWrite,
  oneVisit: { visitOfCharge: ReadonlyMap<string, string | null> } | undefined,
): Violation | null {
  if (!oneVisit) return null;
  if (write.providerSplits) {
    return {
      code: 'BAD_USER_INPUT',
      message: "input.providerSplits: the practice's system posts each write to one visit and takes no provider splits",
    };
  }
  if (!write.chargeSplits) return null;
  const visits = new Set(write.chargeSplits.map((s) => oneVisit.visitOfCharge.get(s.id) ?? null));
  if (visits.size === 1 && !visits.has(null)) return null;
  const seen = [...visits].map((v) => (v === null ? 'unknown' : `"${v}"`)).join(', ');
  return {
    code: 'BAD_USER_INPUT',
    message: `input.chargeSplits: the practice's system posts each write to one visit; the charges split belong to visits ${seen}, expected one`,
  };
}
