/**
 * Apollo Federation entity references: a supergraph's router sends `_entities(representations:
 * [{ __typename: "Patient", id }])` to fetch the gateway's fields of an entity another subgraph
 * returned. The key is the opaque global `id`, so a reference is resolved exactly like `node(id:)`
 * (./query.ts `loadNode`): the id is decoded, the caller's practice access is checked (FORBIDDEN,
 * before any upstream call), and the object is loaded through the request's DataLoaders. The router
 * sends all of an operation's references in one `_entities` call and `@apollo/subgraph` resolves them
 * in the same tick, so a batch of references costs one adapter call per loader and practice.
 */
import type { GatewayContext } from '../context';
import type { Resolvers } from '../generated/resolvers-types';
import type { ChargeModel, ClaimModel, GuarantorModel, PatientModel, TransactionModel } from '../models';
import { gatewayError } from '../errors';
import { decodeGlobalId } from '../global-id';
import { loadNode, requireNodePractice } from './query';

/** The types with `@key(fields: "id")` in schema/federation.graphql. */
export const ENTITY_TYPES = ['Patient', 'Guarantor', 'Charge', 'Claim', 'LedgerTransaction'] as const;
export type EntityType = (typeof ENTITY_TYPES)[number];

export interface EntityReference {
  __typename: string;
  id?: unknown;
}

/**
 * The object a reference names (as `node(id:)` would return it), `null` when it does not exist. The
 * id's own type must be the reference's `__typename`, which makes the cast to `Model` sound.
 */
export async function resolveEntityReference<Model>(
  type: EntityType,
  reference: EntityReference,
  ctx: GatewayContext,
): Promise<Model | null> {
  const decoded = typeof reference.id === 'string' ? decodeGlobalId(reference.id) : null;
  if (!decoded) throw gatewayError('BAD_USER_INPUT', `a ${type} reference needs the id this gateway issued`);
  if (decoded.type !== type) {
    requireNodePractice(ctx, decoded.practiceId); // a foreign id is FORBIDDEN whatever its type
    throw gatewayError('BAD_USER_INPUT', `the id of a ${decoded.type} is not a ${type} reference`);
  }
  const found = await loadNode(ctx, decoded);
  // A copy: @apollo/subgraph marks the object it is given with its __typename.
  return found === null ? null : ({ ...found } as Model);
}

export const federationResolvers: Pick<Resolvers, EntityType> = {
  Patient: { __resolveReference: (reference, ctx) => resolveEntityReference<PatientModel>('Patient', reference, ctx) },
  Guarantor: { __resolveReference: (reference, ctx) => resolveEntityReference<GuarantorModel>('Guarantor', reference, ctx) },
  Charge: { __resolveReference: (reference, ctx) => resolveEntityReference<ChargeModel>('Charge', reference, ctx) },
  Claim: { __resolveReference: (reference, ctx) => resolveEntityReference<ClaimModel>('Claim', reference, ctx) },
  LedgerTransaction: {
    __resolveReference: (reference, ctx) => resolveEntityReference<TransactionModel>('LedgerTransaction', reference, ctx),
  },
};
