/**
 * The three mounts of the one simulator and what each profile allows: its paths, its token
 * endpoint, the scopes it knows, the resources it reads and writes, and the exact search parameter
 * combinations it answers (anything else → 400 "no supported search parameters provided").
 */

export type FhirProfile = 'oracle-health' | 'epic' | 'generic';
export const FHIR_PROFILES: readonly FhirProfile[] = ['oracle-health', 'epic', 'generic'];

/** Oracle's secure sandbox tenant, kept as the oracle mount's tenant. */
export const ORACLE_TENANT = 'ec2458f2-1e24-41c8-b71b-0e701af7583d';

/** One allowed parameter combination: every `required` key, any of `optional`, nothing else. */
export interface SearchCombo {
  required: string[];
  optional?: string[];
  /** Fixed values some parameters must have (`type=financial-account`). */
  values?: Record<string, string>;
  /** Keys whose value must be a single id (no comma list). */
  single?: string[];
}

export interface MountDefinition {
  profile: FhirProfile;
  /** Service root path under the sandbox URL (no trailing `/`). */
  basePath: string;
  tokenPath: string;
  /** Only the oracle mount also takes `Authorization: Basic` with the client secret. */
  acceptsBasic: boolean;
  /** Generic servers also accept SMART v2 scope forms (`.rs`, `.c`). */
  acceptsV2Scopes: boolean;
  /** The scopes a client may ask for (v1 forms). */
  scopes: string[];
  /** Resource types an instance read (`GET {type}/{id}`) answers. */
  instanceReads: string[];
  /** Search combinations per resource type. */
  searches: Record<string, SearchCombo[]>;
  /** `_revinclude` values allowed on any search (others → 400). */
  revincludes: string[];
  /** Resource types a create (`POST {type}`) is accepted for (after the scope check). */
  writes: string[];
  batch: boolean;
  /** Page sizes other than 20 when `_count` is absent (Oracle's Account answers 10 a page). */
  defaultPageSizes?: Record<string, number>;
}

const v1Read = (types: string[]) => types.map((t) => `system/${t}.read`);

export const MOUNTS: Record<FhirProfile, MountDefinition> = {
  'oracle-health': {
    profile: 'oracle-health',
    basePath: `/oracle/r4/${ORACLE_TENANT}`,
    tokenPath: `/oracle/tenants/${ORACLE_TENANT}/protocols/oauth2/profiles/smart-v1/token`,
    acceptsBasic: true,
    acceptsV2Scopes: false,
    scopes: [
      ...v1Read(['Patient', 'RelatedPerson', 'Encounter', 'Account', 'ChargeItem', 'Coverage']),
      'system/Basic.write',
      'system/FinancialTransaction.write',
    ],
    instanceReads: ['Patient'],
    searches: {
      RelatedPerson: [{ required: ['patient', '-relationship-level'], values: { '-relationship-level': 'Patient' } }],
      Account: [
        { required: ['-guarantor', 'type'], optional: ['_count'], values: { type: 'financial-account' } },
        { required: ['-encounter', 'type'], values: { type: 'guarantor-balance' } },
        { required: ['_id'] },
      ],
      Encounter: [{ required: ['patient'], optional: ['_count', 'status'] }],
      ChargeItem: [
        { required: ['context', '-status'], optional: ['_count'], values: { '-status': 'billable' } },
        { required: ['_id'], single: ['_id'] },
        { required: ['account', '-status'], values: { '-status': 'billable' } },
      ],
      Coverage: [{ required: ['patient'] }, { required: ['-encounter'] }],
    },
    revincludes: ['Provenance:target'],
    writes: ['Basic'],
    batch: false,
    defaultPageSizes: { Account: 10 },
  },
  epic: {
    profile: 'epic',
    basePath: '/epic/api/FHIR/R4',
    tokenPath: '/epic/oauth2/token',
    acceptsBasic: false,
    acceptsV2Scopes: false,
    scopes: v1Read(['Patient', 'Coverage', 'ExplanationOfBenefit']),
    instanceReads: ['Patient'],
    searches: {
      Coverage: [{ required: ['patient'] }],
      ExplanationOfBenefit: [{ required: ['patient'], optional: ['created'] }],
    },
    revincludes: [],
    writes: [],
    batch: false,
  },
  generic: {
    profile: 'generic',
    basePath: '/generic/fhir',
    tokenPath: '/generic/oauth2/token',
    acceptsBasic: false,
    acceptsV2Scopes: true,
    scopes: [
      ...v1Read([
        'Patient',
        'RelatedPerson',
        'Account',
        'ChargeItem',
        'Claim',
        'ClaimResponse',
        'Coverage',
        'PaymentReconciliation',
      ]),
      'system/PaymentReconciliation.write',
    ],
    instanceReads: [
      'Patient',
      'RelatedPerson',
      'Account',
      'ChargeItem',
      'Claim',
      'ClaimResponse',
      'Coverage',
      'PaymentReconciliation',
    ],
    searches: {
      Patient: [{ required: [], optional: ['_count'] }],
      Account: [{ required: ['patient'], optional: ['status', '_count'] }],
      ChargeItem: [{ required: ['patient'], optional: ['_count'] }],
      Claim: [{ required: ['patient'], optional: ['_revinclude', '_count'] }],
      Coverage: [{ required: ['patient'], optional: ['_count'] }],
      PaymentReconciliation: [
        { required: ['_tag'], optional: ['_count'] },
        { required: ['identifier'], optional: ['_count'] },
      ],
    },
    revincludes: ['ClaimResponse:request'],
    writes: ['PaymentReconciliation'],
    batch: true,
  },
};

/** The resource type a scope names and whether it reads or writes; `null` when not a `system/` scope. */
export interface ScopeGrant {
  type: string;
  read: boolean;
  write: boolean;
}

/** Parses one scope for `mount`; `null` when the profile does not know it (→ `invalid_scope`). */
export function parseScope(mount: MountDefinition, scope: string): ScopeGrant | null {
  if (mount.scopes.includes(scope)) {
    const [, type = '', action = ''] = /^system\/([A-Za-z]+)\.(read|write)$/.exec(scope) ?? [];
    return { type, read: action === 'read', write: action === 'write' };
  }
  if (!mount.acceptsV2Scopes) return null;
  // SMART v2: `system/Type.cruds` with the letters in that order (`.rs` read+search, `.c` create).
  const match = /^system\/([A-Za-z]+)\.(c?r?u?d?s?)$/.exec(scope);
  if (!match?.[2]) return null;
  const type = match[1] ?? '';
  const letters = match[2];
  const read = letters.includes('r') || letters.includes('s');
  const write = letters.includes('c') || letters.includes('u');
  const known =
    (read && mount.scopes.includes(`system/${type}.read`)) || (write && mount.scopes.includes(`system/${type}.write`));
  return known ? { type, read, write } : null;
}
