/**
 * The searches each profile accepts, as data, and the check every outgoing request passes first.
 *
 * Millennium answers 400 "no supported search parameters provided" for any combination it does not
 * list, and such a 400 is our bug, never the user's: so the adapter refuses to send it at all
 * (an `UpstreamError` UPSTREAM_REJECTED before the socket). The lists are the adapter README's
 * "Endpoints used" tables, parameter for parameter.
 *
 *     isAllowedSearch('oracle-health', 'GET', 'Encounter?patient=1&_count=100')   // true
 *     isAllowedSearch('oracle-health', 'GET', 'Encounter?patient=1&_include=x')   // false
 *     isAllowedSearch('epic', 'POST', '')                                          // false (no batch on Epic)
 */
export type FhirProfile = 'oracle-health' | 'epic' | 'generic';

/** One accepted shape: the resource path, the parameters it must have and those it may add. */
export interface SearchShape {
  resource: string;
  required: readonly string[];
  optional?: readonly string[];
}

/** `GET {Type}/{id}` reads each profile performs. */
export const READ_TYPES: Readonly<Record<FhirProfile, readonly string[]>> = {
  'oracle-health': ['Patient'],
  epic: ['Patient'],
  generic: ['Patient', 'RelatedPerson'],
};

export const SEARCHES: Readonly<Record<FhirProfile, readonly SearchShape[]>> = {
  'oracle-health': [
    { resource: 'RelatedPerson', required: ['patient', '-relationship-level'] },
    { resource: 'Account', required: ['-guarantor', 'type'], optional: ['_count'] },
    { resource: 'Account', required: ['-encounter', 'type'] },
    { resource: 'Account', required: ['_id'] },
    { resource: 'Encounter', required: ['patient', '_count'], optional: ['status'] },
    { resource: 'ChargeItem', required: ['context', '-status', '_count'] },
    { resource: 'ChargeItem', required: ['_id'] },
    { resource: 'ChargeItem', required: ['account', '-status'] },
    { resource: 'Coverage', required: ['patient'] },
    { resource: 'Coverage', required: ['-encounter'] },
  ],
  epic: [
    { resource: 'Coverage', required: ['patient'] },
    { resource: 'ExplanationOfBenefit', required: ['patient', 'created'] },
  ],
  generic: [
    { resource: 'Patient', required: ['_count'] },
    { resource: 'Account', required: ['patient', 'status'] },
    { resource: 'ChargeItem', required: ['patient', '_count'] },
    { resource: 'Claim', required: ['patient', '_revinclude', '_count'] },
    { resource: 'Coverage', required: ['patient'] },
    { resource: 'PaymentReconciliation', required: ['_tag', '_count'] },
    { resource: 'PaymentReconciliation', required: ['identifier'] },
  ],
};

/** Fixed values a parameter must have where the spec pins it. */
const FIXED_VALUES: Readonly<Record<string, Readonly<Record<string, string>>>> = {
  'oracle-health': { '-relationship-level': 'Patient', '-status': 'billable', _count: '100' },
  epic: {},
  generic: { _revinclude: 'ClaimResponse:request', status: 'active' },
};

/** Writes each profile performs: `POST {path}`. Batch (`POST` to the root) only on generic. */
const POSTS: Readonly<Record<FhirProfile, readonly string[]>> = {
  'oracle-health': ['Basic'],
  epic: [],
  generic: ['', 'PaymentReconciliation'],
};

/**
 * True when `relative` (`Type/id` or `Type?query`, relative to the service root) is a request the
 * profile accepts. Page links (`link[next]`) are the server's own and are not checked here.
 */
export function isAllowedSearch(profile: FhirProfile, method: 'GET' | 'POST', relative: string): boolean {
  const [path = '', query] = splitOnce(relative, '?');
  if (method === 'POST') return query === undefined && POSTS[profile].includes(path);
  const segments = path.split('/');
  if (segments.length === 2 && query === undefined) {
    return READ_TYPES[profile].includes(segments[0]!) && segments[1] !== '';
  }
  if (segments.length !== 1 || query === undefined) return false;
  const params = new URLSearchParams(query);
  const names = [...params.keys()];
  if (new Set(names).size !== names.length) return false;
  const fixed = FIXED_VALUES[profile]!;
  for (const [name, value] of params) {
    if (value === '') return false;
    if (fixed[name] !== undefined && fixed[name] !== value) return false;
  }
  return SEARCHES[profile].some((shape) => {
    if (shape.resource !== path) return false;
    const allowed = new Set([...shape.required, ...(shape.optional ?? [])]);
    return shape.required.every((p) => params.has(p)) && names.every((n) => allowed.has(n));
  });
}

function splitOnce(text: string, sep: string): [string, string | undefined] {
  const i = text.indexOf(sep);
  return i < 0 ? [text, undefined] : [text.slice(0, i), text.slice(i + 1)];
}
