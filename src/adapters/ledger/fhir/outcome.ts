/**
 * FHIR error answers: `OperationOutcome` bodies and how each HTTP status maps to the port's codes.
 *
 *     outcomeOf('{"resourceType":"OperationOutcome","issue":[{"severity":"error","code":"duplicate","diagnostics":"identifier already used"}]}')
 *     // { code: 'duplicate', diagnostics: 'identifier already used', severity: 'error' }
 *     classifyStatus(400)   // { code: 'UPSTREAM_REJECTED', ourBug: true }
 *     classifyStatus(503)   // { code: 'UPSTREAM_UNAVAILABLE', ourBug: false }
 *
 * Mapping (the adapter README's "Errors"): 400/406/415 are requests we should never have sent
 * (logged, UPSTREAM_REJECTED); 403 and 409 UPSTREAM_REJECTED; 401 (after the one re-token), 429,
 * 5xx UPSTREAM_UNAVAILABLE; 404 NOT_FOUND (null on a nested field, decided by the caller); 422 on a
 * write makes the transaction FAILED with `diagnostics` as its reason.
 */
import { z } from 'zod';
import { redact } from '../athenahealth/client';

const issueSchema = z.looseObject({
  severity: z.string().optional(),
  code: z.string().optional(),
  diagnostics: z.string().optional(),
  details: z.looseObject({ text: z.string().optional() }).optional(),
});

export const operationOutcomeSchema = z.looseObject({
  resourceType: z.literal('OperationOutcome'),
  issue: z.array(issueSchema).default([]),
});

export interface OutcomeSummary {
  severity: string | null;
  code: string | null;
  diagnostics: string | null;
}

/** The first error-level issue of an OperationOutcome body (else its first issue); `null` for another body. */
export function outcomeOf(body: string | unknown): OutcomeSummary | null {
  let json: unknown = body;
  if (typeof body === 'string') {
    try {
      json = JSON.parse(body);
    } catch {
      return null;
    }
  }
  const parsed = operationOutcomeSchema.safeParse(json);
  if (!parsed.success) return null;
  const issues = parsed.data.issue;
  const issue = issues.find((i) => i.severity === 'error' || i.severity === 'fatal') ?? issues[0];
  if (!issue) return { severity: null, code: null, diagnostics: null };
  const diagnostics = issue.diagnostics ?? issue.details?.text ?? null;
  return {
    severity: issue.severity ?? null,
    code: issue.code ?? null,
    // An upstream may echo what it got: keep card-like digit runs out of anything we store.
    diagnostics: diagnostics === null ? null : truncate(redact(diagnostics)),
  };
}

/** What an outcome entry in a 200 searchset (Epic's warnings) means: skipped unless error/fatal. */
export function isFatalOutcomeEntry(resource: unknown): boolean {
  const parsed = operationOutcomeSchema.safeParse(resource);
  return parsed.success && parsed.data.issue.some((i) => i.severity === 'error' || i.severity === 'fatal');
}

export interface StatusClass {
  code: 'UPSTREAM_REJECTED' | 'UPSTREAM_UNAVAILABLE' | 'NOT_FOUND';
  /** A request the adapter should never have sent (logged as our bug). */
  ourBug: boolean;
}

/** The port's code for a non-2xx status that was not retried away. */
export function classifyStatus(status: number): StatusClass {
  if (status === 404) return { code: 'NOT_FOUND', ourBug: false };
  if (status === 400 || status === 406 || status === 415) return { code: 'UPSTREAM_REJECTED', ourBug: true };
  if (status === 401 || status === 429 || status >= 500) return { code: 'UPSTREAM_UNAVAILABLE', ourBug: false };
  return { code: 'UPSTREAM_REJECTED', ourBug: false };
}

/** Statuses a retry may cure: 429 and 503 (GETs also retry timeouts; POSTs nothing else). */
export function isRetryableStatus(status: number): boolean {
  return status === 429 || status === 503;
}

function truncate(text: string): string {
  return text.length > 300 ? `${text.slice(0, 297)}...` : text;
}
