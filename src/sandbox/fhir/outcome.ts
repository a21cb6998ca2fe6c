/**
 * OperationOutcome answers and the error every handler throws. Per the FHIR spec's settled points,
 * `diagnostics` names the broken rule and `code` is the one the spec lists for the case (the 422
 * write rules, `throttled` on 429), else `business-rule`.
 */

/** The issue codes the spec lists; anything else answers `business-rule`. */
export type IssueCode = 'business-rule' | 'extension' | 'not-supported' | 'required' | 'duplicate' | 'throttled';

export interface OperationOutcome {
  resourceType: 'OperationOutcome';
  issue: Array<{
    severity: 'fatal' | 'error' | 'warning' | 'information';
    code: string;
    diagnostics: string;
    expression?: string[];
  }>;
}

/** A handler's answer: status, body (`null` = empty) and extra headers. */
export interface Reply {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
}

export function operationOutcome(
  diagnostics: string,
  code: string = 'business-rule',
  severity: OperationOutcome['issue'][number]['severity'] = 'error',
  expression?: string,
): OperationOutcome {
  return {
    resourceType: 'OperationOutcome',
    issue: [{ severity, code, diagnostics, ...(expression ? { expression: [expression] } : {}) }],
  };
}

/** A failure answered as an OperationOutcome (or an empty body when `empty`, as Oracle's 406). */
export class FhirHttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly code: string = 'business-rule',
    readonly headers: Record<string, string> = {},
    readonly options: { expression?: string; empty?: boolean; severity?: 'fatal' | 'error' } = {},
  ) {
    super(message);
  }

  toReply(): Reply {
    return {
      status: this.status,
      body: this.options.empty
        ? null
        : operationOutcome(this.message, this.code, this.options.severity ?? 'error', this.options.expression),
      headers: this.headers,
    };
  }
}

export const badRequest = (message: string) => new FhirHttpError(400, message);
export const notFound = (message: string) => new FhirHttpError(404, message);
export const forbidden = (message: string) => new FhirHttpError(403, message);
export const unauthorized = (message: string) =>
  new FhirHttpError(401, message, 'business-rule', { 'WWW-Authenticate': 'Bearer realm="fhir"' });
/** A 422 naming the rule (`diagnostics`) with the spec's issue code. */
export const unprocessable = (code: IssueCode, message: string, expression?: string) =>
  new FhirHttpError(422, message, code, {}, expression ? { expression } : {});

/** The OAuth error body of the token endpoint (not an OperationOutcome). */
export class OAuthError extends Error {
  constructor(
    readonly status: 400 | 401,
    readonly error: 'invalid_client' | 'invalid_grant' | 'invalid_scope' | 'invalid_request',
    message: string,
  ) {
    super(message);
  }

  toReply(): Reply {
    return { status: this.status, body: { error: this.error, error_description: this.message } };
  }
}
