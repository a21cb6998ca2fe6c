/** Stripe's error envelope: `{"error":{"type","code","decline_code","message","param",…}}`. */

export type StripeErrorType = 'api_error' | 'card_error' | 'idempotency_error' | 'invalid_request_error';

export interface StripeErrorBody {
  type: StripeErrorType;
  message: string;
  code?: string;
  decline_code?: string;
  param?: string;
  payment_intent?: unknown;
}

export class StripeHttpError extends Error {
  constructor(
    readonly status: number,
    readonly error: StripeErrorBody,
    /** Found while validating (not saved for idempotency), as Stripe does; execution errors are saved. */
    readonly validation = false,
  ) {
    super(error.message);
  }

  body(): { error: StripeErrorBody } {
    return { error: this.error };
  }
}

export const invalid = (message: string, param: string, code?: string): StripeHttpError =>
  new StripeHttpError(400, { type: 'invalid_request_error', message, param, ...(code ? { code } : {}) }, true);

export const missing = (param: string): StripeHttpError =>
  invalid(`Missing required param: ${param}.`, param, 'parameter_missing');

export const unknownParameter = (param: string): StripeHttpError =>
  invalid(`Received unknown parameter: ${param}`, param, 'parameter_unknown');

export const invalidInteger = (param: string, message = `Invalid integer: ${param}`): StripeHttpError =>
  invalid(message, param, 'parameter_invalid_integer');

export const noSuch = (what: string, id: string, param = 'id'): StripeHttpError =>
  new StripeHttpError(404, {
    type: 'invalid_request_error',
    code: 'resource_missing',
    param,
    message: `No such ${what}: '${id}'`,
  });

/** A refusal found while executing (saved under the idempotency key). */
export const refused = (message: string, code?: string, param?: string): StripeHttpError =>
  new StripeHttpError(400, {
    type: 'invalid_request_error',
    message,
    ...(code ? { code } : {}),
    ...(param ? { param } : {}),
  });
