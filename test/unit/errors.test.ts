import { GraphQLError } from 'graphql';
import { describe, expect, it } from 'vitest';
import { UpstreamError, WebhookRejected } from '../../src/adapters/ledger/port';
import { DomainError } from '../../src/errors';
import { toGraphQLError } from '../../src/graphql/errors';
import { checkSplits } from '../../src/ledger/splits';
import { RuleViolation } from '../../src/ledger/violation';
import { CircuitOpenError } from '../../src/resilience/circuit-breaker';
import { IdempotencyConflict, StoreIntegrityError, TransactionInputError } from '../../src/transactions/errors';

const extensionsOf = (error: unknown) => (toGraphQLError(error) as GraphQLError).extensions;

describe('DomainError and toGraphQLError', () => {
  it('every error a client may see is a DomainError with its stable code', () => {
    const cases: Array<[DomainError, string]> = [
      [new UpstreamError('down', 'UPSTREAM_UNAVAILABLE'), 'UPSTREAM_UNAVAILABLE'],
      [new CircuitOpenError('nexhealth', 1000), 'UPSTREAM_UNAVAILABLE'],
      [new IdempotencyConflict('p', 'k', 'LG:1'), 'IDEMPOTENCY_CONFLICT'],
      [new TransactionInputError('bad'), 'BAD_USER_INPUT'],
      [new WebhookRejected('bad signature', 401), 'UNAUTHENTICATED'],
      [new WebhookRejected('bad body', 400), 'BAD_USER_INPUT'],
      [new RuleViolation({ code: 'SPLIT_SUM_MISMATCH', message: 'no' }), 'SPLIT_SUM_MISMATCH'],
    ];
    for (const [error, code] of cases) {
      expect(error).toBeInstanceOf(DomainError);
      expect(error.code).toBe(code);
      const mapped = toGraphQLError(error);
      expect(mapped).toBeInstanceOf(GraphQLError);
      // The gateway's own messages are for clients; an upstream's are not (see the next tests).
      if (!(error instanceof UpstreamError)) expect((mapped as GraphQLError).message).toBe(error.message);
      expect((mapped as GraphQLError).extensions.code).toBe(code);
    }
  });

  it('keeps the subclasses’ own names', () => {
    expect(new UpstreamError('x', 'NOT_FOUND').name).toBe('UpstreamError');
    expect(new IdempotencyConflict('p', 'k', 'LG:1').name).toBe('IdempotencyConflict');
    expect(new RuleViolation({ code: 'NOT_FOUND', message: 'x' }).name).toBe('RuleViolation');
  });

  it('an upstream error reaches a client as its code and a safe message: no vendor text, no upstream path', () => {
    const vendor = new UpstreamError(
      'NexHealth rejected POST /payments (/payments/991) with HTTP 400: Patient Ada Lovelace has no account at location 77',
      'UPSTREAM_REJECTED',
      400,
      '/payments/991',
    );
    const mapped = toGraphQLError(vendor) as GraphQLError;
    expect(mapped.extensions).toEqual({ code: 'UPSTREAM_REJECTED', system: 'NexHealth', upstreamStatus: 400 });
    expect(mapped.message).toBe(
      "the practice's system (NexHealth) refused the request (HTTP 400); no change was made. Check the input; " +
        "an operator can find the system's answer in the gateway log under this request's id.",
    );
    expect(mapped.originalError).toBe(vendor); // for the log line
    const down = toGraphQLError(new UpstreamError('athenahealth GET /claims timed out', 'UPSTREAM_UNAVAILABLE')) as GraphQLError;
    expect(down.extensions).toEqual({ code: 'UPSTREAM_UNAVAILABLE', system: 'athenahealth' });
    expect(down.message).toMatch(/^the practice's system \(athenahealth\) did not answer\. Retry later/);
    const open = toGraphQLError(new CircuitOpenError('smile-dental', 1000)) as GraphQLError;
    expect(open.extensions).toEqual({ code: 'UPSTREAM_UNAVAILABLE' });
    expect(open.message).toMatch(/^the practice's system is not being called for now .*nothing was sent/);
  });

  it('masks credentials a vendor echoes back, once, in the UpstreamError itself', () => {
    const echoed = new UpstreamError(
      'NexHealth rejected GET /charges with HTTP 401: bad header Authorization: Bearer eyJhbGciOi.eyJzdWIi.c2lnbmF0dXJl ' +
        '{"api_key":"k3y-abc","client_secret":"s3cr3t"} card 4111 1111 1111 1111 token=Zm9vYmFyYmF6cXV4MTIzNDU2Nzg5MGFiY2Rl',
      'UPSTREAM_REJECTED',
      401,
    );
    expect(echoed.message).toBe(
      'NexHealth rejected GET /charges with HTTP 401: bad header Authorization: Bearer [redacted] ' +
        '{"api_key":"[redacted]","client_secret":"[redacted]"} card [card] token=[redacted]',
    );
    // Ids, paths and practice ids stay readable: staff need them.
    const plain =
      'NexHealth rejected GET /patients/12345/charges (bright-dentrix-north-location-2024) with HTTP 404: Patient with ID 10 not found';
    expect(new UpstreamError(plain, 'NOT_FOUND').message).toBe(plain);
  });

  it('carries extensions beside the code: a claim id', () => {
    const violation = { code: 'CLAIM_NOT_COLLECTIBLE' as const, message: 'no', details: { claimId: '1003' } };
    expect(extensionsOf(new RuleViolation(violation))).toEqual({ code: 'CLAIM_NOT_COLLECTIBLE', claimId: '1003' });
  });

  it('a split rule’s violation, thrown, keeps its code and message', () => {
    const violation = checkSplits({
      amount: -10000,
      providerSplits: [{ id: '7', amount: -9000 }],
      chargeSplits: null,
      requireSplit: false,
    })!;
    const mapped = toGraphQLError(new RuleViolation(violation)) as GraphQLError;
    expect(mapped.extensions.code).toBe('SPLIT_SUM_MISMATCH');
    expect(mapped.message).toBe('provider splits must sum to the amount: expected -100.00, got -90.00');
  });

  it('maps by type, never by a code field: anything else is returned as it is (an internal error)', () => {
    const lookalike = Object.assign(new Error('looks like one'), { code: 'IDEMPOTENCY_CONFLICT' });
    expect(toGraphQLError(lookalike)).toBe(lookalike);
    const integrity = new StoreIntegrityError('amount past 2^53');
    expect(integrity).not.toBeInstanceOf(DomainError);
    expect(toGraphQLError(integrity)).toBe(integrity);
    const graphql = new GraphQLError('already mapped', { extensions: { code: 'FORBIDDEN' } });
    expect(toGraphQLError(graphql)).toBe(graphql);
  });
});
