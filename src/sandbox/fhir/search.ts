/**
 * Searches: the parameter combination check each profile makes (anything not listed in `profiles.ts`
 * → 400 "no supported search parameters provided") and the matching itself. A search answers its
 * matches in store order, each with the resources its `_revinclude` brings along.
 */
import { badRequest } from './outcome';
import type { MountDefinition, SearchCombo } from './profiles';
import { asReference, type MountStore, referenceOf, type Resource } from './store';

/** Search result parameters, not filters. */
const RESULT_PARAMETERS = new Set(['_count', '_revinclude']);

export interface SearchMatch {
  resource: Resource;
  /** `_revinclude` resources, served as `search.mode: "include"` next to their match. */
  includes: Resource[];
}

const unsupported = (why: string) => badRequest(`no supported search parameters provided: ${why}`);

/** The combination `params` satisfies, else the 400. */
export function checkCombination(mount: MountDefinition, type: string, params: URLSearchParams): SearchCombo {
  const combos = mount.searches[type];
  if (!combos) throw unsupported(`${type} search is not supported by this server`);
  const keys = [...params.keys()];
  const distinct = new Set(keys);
  if (distinct.size !== keys.length) throw unsupported(`a search parameter is repeated in ${params.toString()}`);
  const fits = (combo: SearchCombo): boolean => {
    const allowed = new Set([...combo.required, ...(combo.optional ?? [])]);
    if (!combo.required.every((key) => distinct.has(key))) return false;
    if (![...distinct].every((key) => allowed.has(key) || (key === '_revinclude' && mount.revincludes.length > 0))) return false;
    for (const [key, value] of Object.entries(combo.values ?? {})) if (params.get(key) !== value) return false;
    for (const key of combo.single ?? []) if ((params.get(key) ?? '').includes(',')) return false;
    return true;
  };
  const combo = combos.find(fits);
  if (!combo) {
    const listed = combos.map((c) => [...c.required, ...(c.optional ?? []).map((o) => `[${o}]`)].join('&')).join(' | ');
    throw unsupported(`${type}?${[...distinct].join('&')} is not one of ${listed}`);
  }
  const revinclude = params.get('_revinclude');
  if (revinclude !== null && !mount.revincludes.includes(revinclude))
    throw unsupported(`_revinclude=${revinclude} is not supported (only ${mount.revincludes.join(', ') || 'none'})`);
  return combo;
}

/** The requested `_count` (positive integer ≤ 100), or `null` when absent. */
export function requestedCount(params: URLSearchParams): number | null {
  const raw = params.get('_count');
  if (raw === null) return null;
  if (!/^[0-9]+$/.test(raw) || Number(raw) < 1) throw badRequest(`_count must be a positive integer, got ${raw}`);
  return Math.min(Number(raw), 100);
}

type Filter = (resource: Resource, value: string, store: MountStore) => boolean;

const refEquals =
  (field: string, type: string): Filter =>
  (r, v) =>
    referenceOf(r[field]) === asReference(type, v);
const refListHas =
  (field: string, type: string): Filter =>
  (r, v) =>
    Array.isArray(r[field]) && (r[field] as unknown[]).some((x) => referenceOf(x) === asReference(type, v));
const idIn: Filter = (r, v) => v.split(',').includes(r.id);
const typeCode: Filter = (r, v) =>
  ((r['type'] as { coding?: Array<{ code?: string }> } | undefined)?.coding ?? []).some((c) => c.code === v);
const fieldEquals =
  (field: string): Filter =>
  (r, v) =>
    r[field] === v;
const tokenMatch =
  (read: (r: Resource) => Array<{ system?: string; value?: string; code?: string }>): Filter =>
  (r, v) => {
    const bar = v.indexOf('|');
    const system = bar < 0 ? null : v.slice(0, bar);
    const code = bar < 0 ? v : v.slice(bar + 1);
    return read(r).some((t) => (system === null || t.system === system) && (t.value ?? t.code) === code);
  };

/** A date parameter `geYYYY-MM-DD` (or a bare date, meaning equal day); other prefixes → 400. */
const dateFilter =
  (field: string): Filter =>
  (r, v) => {
    const match = /^(ge|eq)?([0-9]{4}-[0-9]{2}-[0-9]{2})$/.exec(v);
    if (!match) throw badRequest(`${field} must be ge{YYYY-MM-DD} or a date, got ${v}`);
    const day = String(r[field] ?? '').slice(0, 10);
    return match[1] === 'ge' ? day >= (match[2] ?? '') : day === match[2];
  };

/** `-guarantor={personId}-{patientId}`: that person's financial accounts across every patient they guarantee. */
const byGuarantorPerson: Filter = (r, v) => {
  const person = v.split('-')[0];
  return ((r['guarantor'] as Array<{ party?: unknown }> | undefined) ?? []).some((g) => {
    const ref = referenceOf(g.party);
    return ref.startsWith('RelatedPerson/') && ref.slice('RelatedPerson/'.length).split('-')[0] === person;
  });
};

const byEncounterAccounts: Filter = (r, v, store) => (store.encounterAccounts[v] ?? []).includes(r.id);
const coverageByEncounter: Filter = (r, v, store) => {
  const encounter = store.get('Encounter', v);
  return encounter !== undefined && referenceOf(r['beneficiary']) === referenceOf(encounter['subject']);
};

const FILTERS: Record<string, Record<string, Filter>> = {
  RelatedPerson: { patient: refEquals('patient', 'Patient'), '-relationship-level': () => true },
  Account: {
    '-guarantor': byGuarantorPerson,
    '-encounter': byEncounterAccounts,
    type: typeCode,
    _id: idIn,
    patient: refListHas('subject', 'Patient'),
    status: fieldEquals('status'),
  },
  Encounter: { patient: refEquals('subject', 'Patient'), status: fieldEquals('status') },
  ChargeItem: {
    context: refEquals('context', 'Encounter'),
    '-status': fieldEquals('status'),
    _id: idIn,
    account: refListHas('account', 'Account'),
    patient: refEquals('subject', 'Patient'),
  },
  Coverage: { patient: refEquals('beneficiary', 'Patient'), '-encounter': coverageByEncounter },
  ExplanationOfBenefit: { patient: refEquals('patient', 'Patient'), created: dateFilter('created') },
  Patient: {},
  Claim: { patient: refEquals('patient', 'Patient') },
  PaymentReconciliation: {
    _tag: tokenMatch((r) => (r['meta'] as { tag?: Array<{ system?: string; code?: string }> } | undefined)?.tag ?? []),
    identifier: tokenMatch((r) => (r['identifier'] as Array<{ system?: string; value?: string }> | undefined) ?? []),
  },
};

/** Runs a search whose combination `checkCombination` accepted. */
export function runSearch(mount: MountDefinition, store: MountStore, type: string, params: URLSearchParams): SearchMatch[] {
  checkCombination(mount, type, params);
  const filters = FILTERS[type] ?? {};
  const active: Array<[Filter, string]> = [];
  for (const [key, value] of params) {
    if (RESULT_PARAMETERS.has(key)) continue;
    const filter = filters[key];
    if (!filter) throw badRequest(`no supported search parameters provided: ${type} cannot filter on ${key}`);
    active.push([filter, value]);
  }
  const matches = store.all(type).filter((r) => active.every(([filter, value]) => filter(r, value, store)));
  const revinclude = params.get('_revinclude');
  return matches.map((resource) => ({ resource, includes: revinclude ? revincluded(store, revinclude, resource) : [] }));
}

/** `ClaimResponse:request` → the ClaimResponses whose `request` is the match; `Provenance:target` → none kept. */
function revincluded(store: MountStore, revinclude: string, match: Resource): Resource[] {
  const [type = '', field = ''] = revinclude.split(':');
  const target = `${match.resourceType}/${match.id}`;
  return store.all(type).filter((r) => referenceOf(r[field]) === target);
}
