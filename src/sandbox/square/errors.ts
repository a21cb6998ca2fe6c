/**
 * Square's error envelope, `{"errors":[{"category","code","detail","field"?}]}`, and the statuses the
 * simulator answers with (`field` only on field errors); `Reply` and `ok` for the answers that succeed.
 */

export interface SquareWireError {
  category: string;
  code: string;
  detail: string;
  field?: string;
}

export interface Reply {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
}

/** A 200 with a JSON body. */
export const ok = (body: unknown): Reply => ({ status: 200, body });

export class SquareHttpError extends Error {
  constructor(
    readonly status: number,
    readonly errors: SquareWireError[],
    readonly headers: Record<string, string> = {},
  ) {
    super(errors.map((e) => `${e.code}: ${e.detail}`).join('; '));
  }

  toReply(): Reply {
    return { status: this.status, body: { errors: this.errors }, headers: this.headers };
  }
}

/** 400 `INVALID_REQUEST_ERROR` with `code` (and the field it is about, when there is one). */
export function invalid(code: string, detail: string, field?: string): SquareHttpError {
  return new SquareHttpError(400, [{ category: 'INVALID_REQUEST_ERROR', code, detail, ...(field ? { field } : {}) }]);
}

export function notFound(detail: string): SquareHttpError {
  return new SquareHttpError(404, [{ category: 'INVALID_REQUEST_ERROR', code: 'NOT_FOUND', detail }]);
}

export function unauthorized(detail: string): SquareHttpError {
  return new SquareHttpError(401, [{ category: 'AUTHENTICATION_ERROR', code: 'UNAUTHORIZED', detail }]);
}

/** The body of a forced status (fault injection), in Square's words for that status. */
export function faultErrors(status: number): SquareWireError[] {
  if (status === 429) return [{ category: 'RATE_LIMIT_ERROR', code: 'RATE_LIMITED', detail: 'Rate limit exceeded.' }];
  if (status === 503) return [{ category: 'API_ERROR', code: 'SERVICE_UNAVAILABLE', detail: 'Service unavailable.' }];
  if (status >= 500) return [{ category: 'API_ERROR', code: 'INTERNAL_SERVER_ERROR', detail: 'Internal server error.' }];
  if (status === 401) return [{ category: 'AUTHENTICATION_ERROR', code: 'UNAUTHORIZED', detail: 'Injected fault.' }];
  if (status === 403) return [{ category: 'AUTHENTICATION_ERROR', code: 'INSUFFICIENT_SCOPES', detail: 'Injected fault.' }];
  if (status === 404) return [{ category: 'INVALID_REQUEST_ERROR', code: 'NOT_FOUND', detail: 'Injected fault.' }];
  if (status === 409) return [{ category: 'INVALID_REQUEST_ERROR', code: 'CONFLICT', detail: 'Injected fault.' }];
  return [{ category: 'INVALID_REQUEST_ERROR', code: 'BAD_REQUEST', detail: `Injected fault (${status}).` }];
}
