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
      expect((mapped as GraphQLError).message).toBe(error.message);
      expect((mapped as GraphQLError).extensions.code).toBe(code);
    }
  });

  it('keeps the subclasses’ own names', () => {
    expect(new UpstreamError('x', 'NOT_FOUND').name).toBe('UpstreamError');
    expect(new IdempotencyConflict('p', 'k', 'LG:1').name).toBe('IdempotencyConflict');
    expect(new RuleViolation({ code: 'NOT_FOUND', message: 'x' }).name).toBe('RuleViolation');
  });

  it('carries extensions beside the code: an upstream endpoint, a claim id', () => {
    expect(extensionsOf(new UpstreamError('down', 'UPSTREAM_REJECTED', 400, '/payments'))).toEqual({
      code: 'UPSTREAM_REJECTED',
      endpoint: '/payments',
    });
    expect(extensionsOf(new UpstreamError('down', 'UPSTREAM_REJECTED'))).toEqual({ code: 'UPSTREAM_REJECTED' });
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
