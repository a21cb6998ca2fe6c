import type { Resolvers } from '../generated/resolvers-types';
import { requirePractice, visiblePractices, type GatewayContext } from '../context';
import { decodeGlobalId, type GlobalId } from '../global-id';
import { gatewayError } from '../errors';
import { callerMayTouch } from '../../auth/api-keys';
import { familyReadsSelected, ledgerListsSelected, prefetchFamily, prefetchLedger } from '../ledger-prefetch';
import { afterLedgerHeld } from './ledger-access';

async function loadPatient(ctx: GatewayContext, practiceId: string, patientId: string) {
  const record = await ctx.loaders.patients.load({ practiceId, id: patientId });
  return record ? { practiceId, record } : null;
}

async function loadGuarantor(ctx: GatewayContext, practiceId: string, guarantorId: string) {
  const family = await ctx.loaders.families.load({ practiceId, id: guarantorId });
  return family ? { practiceId, record: family.guarantor, role: 'guarantor' as const } : null;
}

/** Find one row in a patient's list, for `node(id:)` of rows that have no by-id read upstream. */
async function findInPatientList<T extends { sourceId: string }>(list: Promise<T[]>, sourceId: string): Promise<T | undefined> {
  return (await list).find((row) => row.sourceId === sourceId);
}

/** The practice of a decoded id: FORBIDDEN outside the caller's key, even for `*` keys' unknown ids. */
export function requireNodePractice(ctx: GatewayContext, practiceId: string) {
  if (!callerMayTouch(ctx.caller, practiceId)) {
    throw gatewayError('FORBIDDEN', `this API key may not touch practice "${practiceId}"`);
  }
  return requirePractice(ctx, practiceId);
}

/**
 * The object a decoded global id names, through the request's loaders, after the caller's practice
 * access is checked (FORBIDDEN otherwise, before any upstream call). `node(id:)` and the federation
 * entity references (`_entities`, ./federation.ts) both resolve ids here, so they cannot differ in
 * tenancy or batching. `null` when the object does not exist.
 */
export async function loadNode(ctx: GatewayContext, decoded: GlobalId) {
  const { type, practiceId, keys } = decoded;
  const practice = requireNodePractice(ctx, practiceId);
  const [first, second] = keys;
  if (first === undefined) return null;
  const key = { practiceId, id: first };
  switch (type) {
    case 'Practice':
      return practice;
    case 'Patient':
      return loadPatient(ctx, practiceId, first);
    case 'Guarantor':
      return loadGuarantor(ctx, practiceId, first);
    case 'Provider': {
      const record = await ctx.loaders.providers.load(key);
      return record ? { practiceId, record } : null;
    }
    case 'LedgerTransaction':
      return ctx.services.transactions.get(practiceId, first);
    case 'BillingCycle':
      return ctx.services.billing.cycle(practiceId, first);
    case 'Charge': {
      const record = second && (await findInPatientList(ctx.loaders.charges.load(key), second));
      return record ? { practiceId, record } : null;
    }
    case 'Payment': {
      const record = second && (await findInPatientList(ctx.loaders.payments.load(key), second));
      return record ? { practiceId, record } : null;
    }
    case 'Adjustment': {
      const record = second && (await findInPatientList(ctx.loaders.adjustments.load(key), second));
      return record ? { practiceId, record } : null;
    }
    case 'Claim': {
      const record = second && (await findInPatientList(ctx.loaders.claims.load(key), second));
      return record ? { practiceId, record } : null;
    }
  }
}

export const queryResolvers: Resolvers = {
  Query: {
    practices: (_root, _args, ctx) => visiblePractices(ctx),
    practice: (_root, { id }, ctx) => requirePractice(ctx, id),
    patient: async (_root, { practiceId, patientId }, ctx, info) => {
      requirePractice(ctx, practiceId);
      // The ledger reads this selection will make go out with the patient read, not after it.
      prefetchLedger(ctx, practiceId, patientId, ledgerListsSelected(info));
      const patient = await loadPatient(ctx, practiceId, patientId);
      // Her fields read those lists: once they are in, her balance, invoice and rows complete
      // synchronously (settled-cache.ts). The response waits for them either way (unless she is
      // not found: then it goes at once, as before).
      const lists = patient ? afterLedgerHeld(ctx, practiceId, patientId) : undefined;
      if (lists) await lists;
      return patient;
    },
    guarantor: (_root, { practiceId, guarantorId }, ctx, info) => {
      requirePractice(ctx, practiceId);
      // The family's lists and A/R records go out with the family read, not after it.
      prefetchFamily(ctx, practiceId, guarantorId, familyReadsSelected(info));
      return loadGuarantor(ctx, practiceId, guarantorId);
    },
    transaction: async (_root, { practiceId, transactionId }, ctx) => {
      requirePractice(ctx, practiceId);
      return ctx.services.transactions.get(practiceId, transactionId);
    },
    node: (_root, { id }, ctx) => {
      const decoded = decodeGlobalId(id);
      if (!decoded) {
        // A practice's id is its config id (README.md, "Ids"), not an encoded one. Anything else the
        // caller cannot touch is FORBIDDEN, whether or not it exists, so ids cannot be probed.
        return requirePractice(ctx, id);
      }
      return loadNode(ctx, decoded);
    },
  },
  Node: {
    // Every model carries enough to tell its type; node() returns the models of the resolvers below.
    __resolveType: (obj) => {
      if ('adapter' in obj) return 'Practice';
      if ('cycleId' in obj && 'dryRun' in obj) return 'BillingCycle';
      if ('transactionId' in obj && 'status' in obj) return 'LedgerTransaction';
      const record = (obj as { record: object }).record;
      if ('fee' in record) return 'Charge';
      if ('stage' in record) return 'Claim';
      if ('paymentTypeSourceId' in record) return 'Payment';
      if ('adjustmentTypeSourceId' in record) return 'Adjustment';
      if ('role' in obj) return 'Guarantor';
      if ('firstName' in record) return 'Patient';
      return 'Provider';
    },
  },
};
