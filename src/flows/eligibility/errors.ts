/** The eligibility flow's refusals, each with its stable `extensions.code` (`src/errors.ts`). */
import { DomainError } from '../../errors';

/** The request cannot be built from what the practice and the patient's record hold (a missing payer mapping). */
export class EligibilityInputError extends DomainError {
  readonly code = 'BAD_USER_INPUT' as const;
}

/** `coverageId` names no coverage of this patient. */
export class CoverageNotFound extends DomainError {
  readonly code = 'NOT_FOUND' as const;
}

/** The payer has not answered within the polling bound; the inquiry is kept and the next request resumes it. */
export class PayerNotAnswered extends DomainError {
  readonly code = 'UPSTREAM_UNAVAILABLE' as const;
}

/** The payer refused the inquiry for a reason the practice's setup must fix (provider not on file, …). */
export class PayerSetupRejected extends DomainError {
  readonly code = 'UPSTREAM_REJECTED' as const;
}
