/**
 * The practice's departments and whether the practice is enterprise (its departments carry more than
 * one provider group), which the collectible-claim rule needs. `GET /v1/{pid}/departments` is followed
 * through `next` to the end (a `next` that loops or never ends is an error), and the result is cached
 * for `referenceTtlMs` with one fetch in flight shared by concurrent callers; failures are not cached.
 */
import { isEnterprise } from '../../../ledger/collectible';
import { UpstreamError } from '../port';
import { NOT_FOUND, type AthenaClient } from './client';
import { parseResponse } from './parse-response';
import { departmentsPageSchema, type WireDepartment } from './schemas';

const EP_DEPARTMENTS = '/v1/{practiceid}/departments';

/** Guards against a `next` link that never ends. */
const MAX_PAGES = 1000;

export interface Departments {
  list: WireDepartment[];
  enterprise: boolean;
}

export interface DepartmentsCache {
  /** The practice's departments, cached for `referenceTtlMs` (failures are not cached). */
  get(): Promise<Departments>;
  /** Forget the cached value (the next `get()` fetches). */
  clear(): void;
}

export function createDepartmentsCache(client: AthenaClient, referenceTtlMs: number): DepartmentsCache {
  let cache: { value: Departments; expiresAt: number } | null = null;
  let inFlight: Promise<Departments> | null = null;
  return {
    get() {
      if (cache && Date.now() < cache.expiresAt) return Promise.resolve(cache.value);
      if (!inFlight) {
        inFlight = fetchDepartments(client)
          .then((value) => {
            cache = { value, expiresAt: Date.now() + referenceTtlMs };
            return value;
          })
          .finally(() => {
            inFlight = null;
          });
      }
      return inFlight;
    },
    clear() {
      cache = null;
    },
  };
}

async function fetchDepartments(client: AthenaClient): Promise<Departments> {
  const list: WireDepartment[] = [];
  let path: string | null = client.practiceUrl('/departments');
  const seen = new Set<string>();
  for (let page = 0; path !== null; page++) {
    if (page >= MAX_PAGES || seen.has(path)) {
      throw new UpstreamError(
        `athenahealth: GET ${EP_DEPARTMENTS} pagination does not end`,
        'UPSTREAM_UNAVAILABLE',
        null,
        EP_DEPARTMENTS,
      );
    }
    seen.add(path);
    const json = await client.read(path, EP_DEPARTMENTS);
    if (json === NOT_FOUND) {
      throw new UpstreamError(`athenahealth rejected GET ${EP_DEPARTMENTS} (HTTP 404)`, 'UPSTREAM_REJECTED', 404, EP_DEPARTMENTS);
    }
    const body = parseResponse(departmentsPageSchema, json, 'GET', EP_DEPARTMENTS);
    list.push(...body.departments);
    path = body.next ? client.resolveNext(body.next) : null;
  }
  return {
    list,
    enterprise: isEnterprise(list.map((d) => ({ providerGroupId: d.providergroupid ?? null }))),
  };
}
