/**
 * What every write mutation does around the ledger rules (`src/ledger/prepare-write.ts`): refuse a
 * practice whose system cannot take the write, answer a replay before any upstream read, load the
 * practice's live facts the rules need through the request's loaders, and turn whatever is thrown
 * into a stable code.
 *
 *     createPaymentTransaction: (_root, { input }, ctx) => withStableErrors(async () => {
 *       const request = { ...parseInput(paymentInput, input), currency };
 *       const { fingerprint } = orRefuse(checkPaymentInput(request));
 *       const replayed = await replay(ctx, practice.id, request.idempotencyKey, fingerprint);
 *       const facts = await loadLedgerWriteFacts(ctx, practice.id, request, ctx.loaders.paymentTypes.load(practice.id));
 *       const { write } = orRefuse(preparePayment(request, facts));
 *       …
 *     })
 */
import type { Cents, Split } from '../../adapters/ledger/port';
import type { CollectionFacts, LedgerWriteFacts } from '../../ledger/prepare-write';
import { RuleViolation, type Violation } from '../../ledger/violation';
import type { Practice } from '../../practices';
import type { TransactionRow } from '../../transactions/types';
import type { GatewayContext } from '../context';
import { gatewayError, toGraphQLError } from '../errors';

type Capability = keyof Practice['capabilities'];

export function requireCapability(practice: Practice, capability: Capability, what: string) {
  if (!practice.capabilities[capability]) {
    // A system that declares why it cannot (Epic's read-only FHIR) answers NOT_SUPPORTED with its
    // reason; without a declared reason the older BAD_USER_INPUT answer stays as it was.
    const why = practice.unsupported[capability];
    if (why)
      throw gatewayError('NOT_SUPPORTED', `practice "${practice.id}" (${practice.system}) does not support ${what}: ${why}`);
    throw gatewayError('BAD_USER_INPUT', `practice "${practice.id}" (${practice.system}) does not support ${what}`);
  }
}

/**
 * What the gateway's configuration adds to every write request: the currency it writes in and the
 * ceiling on each amount (`limits.maxAmount`, in cents), which the ledger rules check first.
 */
export function writeLimits(ctx: GatewayContext): { currency: string; maxAmount: Cents } {
  return { currency: ctx.services.config.currency, maxAmount: ctx.services.config.limits.maxAmount };
}

/** The answer of a ledger rule when it passed; a RuleViolation (thrown) when it did not. */
export function orRefuse<T extends { ok: true }>(result: T | { ok: false; violation: Violation }): T {
  if (!result.ok) throw new RuleViolation(result.violation);
  return result;
}

/**
 * A replay of an idempotency key returns the stored transaction before any upstream read, so the
 * same request twice costs the upstream nothing the second time.
 */
export async function replay(
  ctx: GatewayContext,
  practiceId: string,
  key: string,
  print: string,
): Promise<TransactionRow | null> {
  const found = await ctx.services.transactions.findByIdempotencyKey(practiceId, key);
  if (!found) return null;
  if (found.fingerprint !== print) {
    throw gatewayError('IDEMPOTENCY_CONFLICT', `idempotency key "${key}" was used with a different input`);
  }
  return found.transaction;
}

/**
 * The facts a payment or adjustment is checked against: the practice's types and the patient
 * (together), then — for a patient that exists — her charges if the write splits by charge, the
 * split providers if it splits by provider, and for a refund her payments (and adjustments, where
 * refunds become adjustments) to tell what is refundable (together). A failed read fails the request
 * with its upstream code, even when another rule would also have refused it.
 */
export async function loadLedgerWriteFacts<Type>(
  ctx: GatewayContext,
  practice: Practice,
  request: {
    patientId: string;
    providerSplits?: readonly Split[] | null;
    chargeSplits?: readonly Split[] | null;
    refund?: boolean | null;
  },
  types: Promise<Type[]>,
): Promise<LedgerWriteFacts<Type>> {
  const { loaders } = ctx;
  const practiceId = practice.id;
  const key = { practiceId, id: request.patientId };
  const [loadedTypes, patient] = await Promise.all([types, loaders.patients.load(key)]);
  if (!patient || patient.nonPatient) return { types: loadedTypes, patient };
  const providerIds = request.providerSplits?.map((s) => s.id) ?? [];
  const refundsBecomeAdjustments = practice.capabilities.refundsBecomeAdjustments;
  const [charges, providers, payments, adjustments] = await Promise.all([
    request.chargeSplits?.length ? loaders.charges.load(key) : undefined,
    providerIds.length ? Promise.all(providerIds.map((id) => loaders.providers.load({ practiceId, id }))) : undefined,
    request.refund ? loaders.payments.load(key) : undefined,
    request.refund && refundsBecomeAdjustments ? loaders.adjustments.load(key) : [],
  ]);
  return {
    types: loadedTypes,
    patient,
    ...(charges ? { chargeIds: new Set(charges.map((c) => c.sourceId)) } : {}),
    ...(charges && practice.capabilities.writesOneVisit
      ? { oneVisit: { visitOfCharge: new Map(charges.map((c) => [c.sourceId, c.visitSourceId ?? null])) } }
      : {}),
    ...(providers ? { providerIds: new Set(providerIds.filter((_, i) => providers[i] !== null)) } : {}),
    ...(payments ? { refundLedger: { payments, adjustments, refundsBecomeAdjustments } } : {}),
  };
}

/**
 * The facts a card collection is checked against: the patient, then — for a patient that exists —
 * her claims if the collection pays claims, and the appointment's copay record if it names one.
 */
export async function loadCollectionFacts(
  ctx: GatewayContext,
  practiceId: string,
  request: { patientId: string; claimPayments: readonly unknown[]; appointmentId?: string | null },
): Promise<CollectionFacts> {
  const { loaders } = ctx;
  const patient = await loaders.patients.load({ practiceId, id: request.patientId });
  if (!patient || patient.nonPatient) return { patient };
  const [claims, copay] = await Promise.all([
    request.claimPayments.length ? loaders.claims.load({ practiceId, id: patient.sourceId }) : undefined,
    request.appointmentId ? loaders.copays.load({ practiceId, id: request.appointmentId }) : undefined,
  ]);
  return { patient, ...(claims ? { claims } : {}), ...(request.appointmentId ? { copay: copay ?? null } : {}) };
}

/**
 * Run a write resolver's body so that what it throws reaches the client with its stable code: a
 * `DomainError` (a broken rule, an idempotency conflict, upstream trouble) mapped by its type, a
 * GraphQL error as it is, anything else as an internal error.
 */
export async function withStableErrors<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    throw toGraphQLError(error);
  }
}
