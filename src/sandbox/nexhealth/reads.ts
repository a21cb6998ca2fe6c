/**
 * The read endpoints of the spec's table, with their filters. A list call needs `location_id` (checked
 * by the server) and, where the spec marks filters with †, at least one of them (else 400). Filters a
 * list does not document are ignored silently. Deleted rows appear only with `include_deleted=true`.
 */
import type { RequestContext } from './context';
import { badRequest, notFound, ok, type Reply } from './envelope';
import { paginate, readPageRequest } from './pagination';
import {
  adjustmentJson,
  adjustmentTypeJson,
  chargeJson,
  chargeWithIncludes,
  claimJson,
  guarantorBalanceJson,
  insuranceBalanceJson,
  patientWithIncludes,
  paymentJson,
  paymentTypeJson,
  procedureJson,
  providerJson,
} from './serialize';
import type { NexStore } from './store';

type Row = { id: number; location_id: number };
type Filter<T> = (row: T, value: string, store: NexStore) => boolean;

function text(ctx: RequestContext, name: string): string | null {
  const value = ctx.query[name];
  if (value === undefined || Array.isArray(value) || value === '') return null;
  return value;
}

function includes(ctx: RequestContext): string[] {
  const value = ctx.query['include[]'];
  return Array.isArray(value) ? value : [];
}

function idValue(name: string, value: string): number {
  if (!/^[0-9]+$/.test(value)) throw badRequest(`${name} must be an integer`);
  return Number(value);
}

function boolValue(name: string, value: string): boolean {
  if (value === 'true') return true;
  if (value === 'false') return false;
  throw badRequest(`${name} must be true or false`);
}

function timeValue(name: string, value: string): number {
  const t = Date.parse(value);
  if (Number.isNaN(t)) throw badRequest(`${name} must be an ISO 8601 date-time`);
  return t;
}

const byId =
  <T>(field: keyof T, name: string): Filter<T> =>
  (row, value) =>
    row[field] === idValue(name, value);

const byGuarantor =
  <T extends { patient_id: number }>(): Filter<T> =>
  (row, value, store) =>
    store.guarantorIdOf(row.patient_id) === idValue('guarantor_id', value);

const updatedSince =
  <T extends { updated_at: string }>(): Filter<T> =>
  (row, value) =>
    Date.parse(row.updated_at) >= timeValue('updated_since', value);

interface ListSpec<T extends Row> {
  rows: readonly T[];
  filters: Record<string, Filter<T>>;
  /** The † filters: at least one is required. `null`: none required. */
  required: string[] | null;
  serialize: (row: T) => unknown;
  /** Rows with `deleted_at` are hidden unless `include_deleted=true`. */
  deletable?: boolean;
  extra?: (row: T) => boolean;
}

function list<T extends Row>(ctx: RequestContext, spec: ListSpec<T>): Reply {
  const page = readPageRequest(ctx.query);
  if (spec.required && !spec.required.some((name) => text(ctx, name) !== null)) {
    throw badRequest(`At least one of these filters is required: ${spec.required.join(', ')}`);
  }
  const includeDeleted = text(ctx, 'include_deleted') !== null && boolValue('include_deleted', text(ctx, 'include_deleted')!);
  const active = Object.entries(spec.filters)
    .map(([name, filter]) => [text(ctx, name), filter] as const)
    .filter((entry): entry is readonly [string, Filter<T>] => entry[0] !== null);
  // Validate values even when no row is left to test them on.
  for (const [value, filter] of active) {
    const probe = spec.rows[0];
    if (probe) filter(probe, value, ctx.store);
  }
  const rows = spec.rows.filter(
    (row) =>
      row.location_id === ctx.locationId &&
      (!spec.deletable || includeDeleted || !(row as unknown as { deleted_at: string | null }).deleted_at) &&
      active.every(([value, filter]) => filter(row, value, ctx.store)) &&
      (!spec.extra || spec.extra(row)),
  );
  const result = paginate(rows, page);
  return {
    status: 200,
    body: {
      code: true,
      description: null,
      error: [],
      data: result.items.map(spec.serialize),
      count: result.count,
      page_info: result.pageInfo,
    },
  };
}

export function listPatients(ctx: RequestContext): Reply {
  const { store } = ctx;
  const include = includes(ctx);
  return list(ctx, {
    rows: store.seed.patients,
    required: null,
    filters: {
      name: (p, value) => `${p.first_name} ${p.last_name}`.toLowerCase().includes(value.toLowerCase()),
      non_patient: (p, value) => p.non_patient === boolValue('non_patient', value),
      updated_since: updatedSince(),
      location_strict: (_p, value) => {
        boolValue('location_strict', value); // validated only: the simulator is always location-strict
        return true;
      },
    },
    serialize: (p) => patientWithIncludes(store, p, include),
  });
}

export function getPatient(ctx: RequestContext): Reply {
  const patient = ctx.store.patients.get(idValue('id', ctx.params[0]!));
  if (!patient) throw notFound(`Patient with ID ${ctx.params[0]} not found`);
  return ok(patientWithIncludes(ctx.store, patient, includes(ctx)));
}

export function listGuarantorBalances(ctx: RequestContext): Reply {
  const showZero = text(ctx, 'show_zero_balances') !== null && boolValue('show_zero_balances', text(ctx, 'show_zero_balances')!);
  return list(ctx, {
    rows: ctx.store.seed.guarantorBalances,
    required: ['guarantor_id', 'updated_since'],
    filters: { guarantor_id: byId('guarantor_id', 'guarantor_id'), updated_since: updatedSince() },
    extra: (g) => showZero || g.total_balance !== 0,
    serialize: guarantorBalanceJson,
  });
}

export function listInsuranceBalances(ctx: RequestContext): Reply {
  return list(ctx, {
    rows: ctx.store.seed.insuranceBalances,
    required: ['patient_id', 'guarantor_id', 'updated_since'],
    filters: {
      patient_id: byId('patient_id', 'patient_id'),
      guarantor_id: byId('guarantor_id', 'guarantor_id'),
      updated_since: updatedSince(),
    },
    serialize: insuranceBalanceJson,
  });
}

export function listCharges(ctx: RequestContext): Reply {
  const { store } = ctx;
  const payouts = includes(ctx).includes('claim_payouts');
  return list(ctx, {
    rows: store.seed.charges,
    required: ['patient_id', 'guarantor_id', 'provider_id', 'procedure_id', 'updated_since'],
    deletable: true,
    filters: {
      patient_id: byId('patient_id', 'patient_id'),
      guarantor_id: byGuarantor(),
      provider_id: byId('provider_id', 'provider_id'),
      procedure_id: byId('procedure_id', 'procedure_id'),
      updated_since: updatedSince(),
    },
    serialize: (c) => chargeJson(store, c, payouts),
  });
}

export function getCharge(ctx: RequestContext): Reply {
  const charge = ctx.store.charges.get(idValue('id', ctx.params[0]!));
  if (!charge) throw notFound(`Charge with ID ${ctx.params[0]} not found`);
  return ok(chargeWithIncludes(ctx.store, charge, includes(ctx)));
}

export function listClaims(ctx: RequestContext): Reply {
  const { store } = ctx;
  return list(ctx, {
    rows: store.seed.claims,
    required: ['patient_id', 'guarantor_id', 'provider_id', 'date_of_service'],
    filters: {
      patient_id: byId('patient_id', 'patient_id'),
      guarantor_id: byGuarantor(),
      provider_id: byId('provider_id', 'provider_id'),
      date_of_service: (c, value) => {
        if (!/^\d{4}-\d{2}-\d{2}$/.test(value)) throw badRequest('date_of_service must be a date (YYYY-MM-DD)');
        return c.date_of_service === value;
      },
    },
    serialize: (c) => claimJson(store, c),
  });
}

export function listPayments(ctx: RequestContext): Reply {
  const { store } = ctx;
  return list(ctx, {
    rows: store.seed.payments,
    required: ['patient_id', 'guarantor_id', 'provider_id', 'charge_id', 'claim_id', 'transaction_id', 'updated_since'],
    deletable: true,
    filters: {
      patient_id: byId('patient_id', 'patient_id'),
      guarantor_id: byGuarantor(),
      provider_id: byId('provider_id', 'provider_id'),
      charge_id: byId('charge_id', 'charge_id'),
      claim_id: byId('claim_id', 'claim_id'),
      transaction_id: (p, value) => p.transaction_id === value,
      updated_since: updatedSince(),
    },
    serialize: (p) => paymentJson(store, p),
  });
}

/** `transaction_id` is not a documented filter of `/adjustments`: it is ignored (match on the rows). */
export function listAdjustments(ctx: RequestContext): Reply {
  const { store } = ctx;
  return list(ctx, {
    rows: store.seed.adjustments,
    required: ['patient_id', 'guarantor_id', 'provider_id', 'charge_id', 'claim_id', 'updated_since'],
    deletable: true,
    filters: {
      patient_id: byId('patient_id', 'patient_id'),
      guarantor_id: byGuarantor(),
      provider_id: byId('provider_id', 'provider_id'),
      charge_id: byId('charge_id', 'charge_id'),
      claim_id: byId('claim_id', 'claim_id'),
      updated_since: updatedSince(),
    },
    serialize: (a) => adjustmentJson(store, a),
  });
}

export function listPaymentTypes(ctx: RequestContext): Reply {
  const active = text(ctx, 'active') === null ? true : boolValue('active', text(ctx, 'active')!);
  return list(ctx, {
    rows: ctx.store.seed.paymentTypes,
    required: null,
    filters: {},
    extra: (t) => t.active === active,
    serialize: paymentTypeJson,
  });
}

export function listAdjustmentTypes(ctx: RequestContext): Reply {
  const active = text(ctx, 'active') === null ? true : boolValue('active', text(ctx, 'active')!);
  return list(ctx, {
    rows: ctx.store.seed.adjustmentTypes,
    required: null,
    filters: {},
    extra: (t) => t.active === active,
    serialize: adjustmentTypeJson,
  });
}

export function getProvider(ctx: RequestContext): Reply {
  const provider = ctx.store.providers.get(idValue('id', ctx.params[0]!));
  if (!provider) throw notFound(`Provider with ID ${ctx.params[0]} not found`);
  return ok(providerJson(provider));
}

export function getProcedure(ctx: RequestContext): Reply {
  const procedure = ctx.store.procedures.get(idValue('id', ctx.params[0]!));
  if (!procedure) throw notFound(`Procedure with ID ${ctx.params[0]} not found`);
  return ok(procedureJson(procedure));
}
