/**
 * The simulator's resources: one map per mount (type → id → resource JSON as served), plus the links
 * a real server keeps but its resources do not show (Oracle's encounter → guarantor-balance account).
 */
import type { FhirProfile } from './profiles';

/** A resource as served: plain FHIR JSON. */
export interface Resource {
  resourceType: string;
  id: string;
  [field: string]: unknown;
}

export interface MountSeed {
  resources: Resource[];
  /** Oracle: encounter id → its guarantor-balance account ids (the `-encounter` search). */
  encounterAccounts?: Record<string, string[]>;
}

export type FhirSeed = Record<FhirProfile, MountSeed>;

export class MountStore {
  private readonly byType = new Map<string, Map<string, Resource>>();
  readonly encounterAccounts: Record<string, string[]>;
  private counters = new Map<string, number>();

  constructor(seed: MountSeed) {
    for (const resource of structuredClone(seed.resources)) this.put(resource);
    this.encounterAccounts = structuredClone(seed.encounterAccounts ?? {});
  }

  put(resource: Resource): void {
    let table = this.byType.get(resource.resourceType);
    if (!table) {
      table = new Map();
      this.byType.set(resource.resourceType, table);
    }
    table.set(resource.id, resource);
  }

  get(type: string, id: string): Resource | undefined {
    return this.byType.get(type)?.get(id);
  }

  /** Every resource of `type`, in insertion order (seed order, then creation order). */
  all(type: string): Resource[] {
    return [...(this.byType.get(type)?.values() ?? [])];
  }

  /** `Type/id` → the resource, when it exists. */
  resolve(reference: string): Resource | undefined {
    const [type = '', id = ''] = reference.split('/');
    return this.get(type, id);
  }

  /** The next number of a server-assigned id series (`FT-PL-{n}`, `pr-{n}`). */
  next(series: string, start = 1): number {
    const n = this.counters.get(series) ?? start;
    this.counters.set(series, n + 1);
    return n;
  }
}

/** `{reference}` of a Reference-valued field, or `''`. */
export function referenceOf(value: unknown): string {
  return value && typeof value === 'object' && typeof (value as { reference?: unknown }).reference === 'string'
    ? (value as { reference: string }).reference
    : '';
}

/** A search value naming a resource (`p1` or `Patient/p1`) as the reference `Patient/p1`. */
export function asReference(type: string, value: string): string {
  return value.includes('/') ? value : `${type}/${value}`;
}
