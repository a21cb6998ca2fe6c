/** The claim watch's refusals, each with its stable `extensions.code` (`src/errors.ts`). */
import { DomainError } from '../../errors';

export class ClaimNotFound extends DomainError {
  readonly code = 'NOT_FOUND' as const;
}

/** The claim's inquiry cannot be built (a missing payer mapping, no coverage, no billed amount). */
export class ClaimInquiryInputError extends DomainError {
  readonly code = 'BAD_USER_INPUT' as const;
}

/** The practice has no claim-status clearinghouse (`coverage.claimStatus`). */
export class ClaimStatusNotSupported extends DomainError {
  readonly code = 'NOT_SUPPORTED' as const;
}
