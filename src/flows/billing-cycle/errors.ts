/** The billing-cycle flow's refusals, each with its stable `extensions.code` (`src/errors.ts`). */
import { DomainError } from '../../errors';

/** A cycle id that is not one of this practice's cycles. */
export class CycleNotFound extends DomainError {
  readonly code = 'NOT_FOUND' as const;
}

/** A cycle that cannot do what was asked in its state (cancel a finished cycle). */
export class CycleStateError extends DomainError {
  readonly code = 'BAD_USER_INPUT' as const;
}

/**
 * The idempotency key was used for another request. The key itself is not quoted: it may be
 * anything the client had at hand, and messages reach logs.
 */
export class ReminderKeyConflict extends DomainError {
  readonly code = 'IDEMPOTENCY_CONFLICT' as const;
}
