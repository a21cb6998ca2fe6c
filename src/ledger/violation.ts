/**
 * A broken ledger rule. The pure rules of `src/ledger/` return a `Violation` (data, easy to test and
 * to compare) instead of throwing; the caller that cannot go on throws it as a `RuleViolation`, which
 * the GraphQL layer maps to `extensions.code` like any `DomainError`.
 *
 *     const violation = checkSplits({ amount: -10000, providerSplits: [{ id: '7', amount: -9000 }], chargeSplits: null, requireSplit: false });
 *     // { code: 'SPLIT_SUM_MISMATCH', message: 'provider splits must sum to the amount: expected -100.00, got -90.00' }
 *     if (violation) throw new RuleViolation(violation);
 */
import { DomainError, type ErrorCode } from '../errors';

/** What rule was broken (`code`), in words for the client (`message`), and ids that go with it. */
export interface Violation<C extends ErrorCode = ErrorCode> {
  code: C;
  message: string;
  /** Ids that travel beside the code in `extensions`, e.g. `{ claimId: '1003' }`. */
  details?: Readonly<Record<string, string>>;
}

/** A {@link Violation}, thrown. */
export class RuleViolation extends DomainError {
  readonly code: ErrorCode;

  constructor(readonly violation: Violation) {
    super(violation.message, violation.details ?? {});
    this.code = violation.code;
  }
}
