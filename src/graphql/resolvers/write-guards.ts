/**
 * What every write mutation does before and around the transaction service: refuse a practice whose
 * system cannot take the write, fingerprint the input for idempotency, answer a replay before any
 * upstream read, require the patient, and map the service's errors to stable codes.
 */
import type { Practice } from '../../practices';
import type { TransactionRow } from '../../transactions/types';
import type { GatewayContext } from '../context';
import { gatewayError, toGraphQLError } from '../errors';

type Capability = keyof Practice['capabilities'];

export function requireCapability(practice: Practice, capability: Capability, what: string) {
  if (!practice.capabilities[capability]) {
    throw gatewayError('BAD_USER_INPUT', `practice "${practice.id}" (${practice.system}) does not support ${what}`);
  }
}

/** A stable text of the input for idempotency: keys sorted, splits sorted, card data never included. */
export function fingerprint(value: unknown): string {
  const canonical = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(canonical);
    if (v && typeof v === 'object') {
      return Object.fromEntries(
        Object.keys(v)
          .sort()
          .map((k) => [k, canonical((v as Record<string, unknown>)[k])]),
      );
    }
    return v ?? null;
  };
  return JSON.stringify(canonical(value));
}

/**
 * A replay of an idempotency key returns the stored transaction before any upstream read, so the
 * same request twice costs the upstream nothing the second time.
 */
export async function replay(ctx: GatewayContext, practiceId: string, key: string, print: string): Promise<TransactionRow | null> {
  const found = await ctx.services.transactions.findByIdempotencyKey(practiceId, key);
  if (!found) return null;
  if (found.fingerprint !== print) {
    throw gatewayError('IDEMPOTENCY_CONFLICT', `idempotency key "${key}" was used with a different input`);
  }
  return found.transaction;
}

export async function requirePatient(ctx: GatewayContext, practiceId: string, patientId: string) {
  const patient = await ctx.loaders.patients.load({ practiceId, id: patientId });
  if (!patient || patient.nonPatient) throw gatewayError('NOT_FOUND', `no patient "${patientId}" in practice "${practiceId}"`);
  return patient;
}

export async function submit<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    throw toGraphQLError(error);
  }
}
