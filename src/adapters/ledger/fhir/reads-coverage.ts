/**
 * Coverage reads, the same search on every profile (`GET Coverage?patient={pid}`, in each profile's
 * allowed list): on `generic` a DataLoader batch of patients goes out as one batch Bundle, elsewhere
 * one search per patient (the client bounds concurrency). The mapping is the adapter README's
 * "Coverage" line; whether a coverage is active is the ledger's rule (src/ledger/coverage.ts).
 *
 *     const reads = coverageReads({ client, batch: () => Promise.resolve(true), today: () => '2026-11-30' });
 *     await reads.coveragesByPatient(['pat-alvarez', 'pat-okafor-kid'], scope);   // one POST /, two entries
 *
 * A Coverage's `subscriberId` is a member id: it goes into the record and nowhere else (errors name
 * the resource id only, `parseResource`).
 */
import { coverageActive } from '../../../ledger/coverage';
import type { CoverageRecord, RequestScope } from '../port';
import { batchRead } from './batch';
import { followPages, searchAll, type SearchResult } from './bundle';
import type { FhirClient } from './client';
import { hasCode, plainPatientId, serviceDate } from './mapping-common';
import { coverageSchema, type FhirCoverage, parseResource } from './resources';
import { memoized } from './scope-memo';

export const coverageUrl = (pid: string) => `Coverage?patient=${pid}`;

/** The v2-0203 identifier type of a member number, the fallback when `subscriberId` is absent. */
const MEMBER_NUMBER = 'MB';

export interface CoverageDeps {
  client: FhirClient;
  /** Whether a batch of patients may go out as one batch Bundle (generic with batch support). */
  batch: () => Promise<boolean>;
  /** Today, `YYYY-MM-DD` (the active rule). */
  today: () => string;
}

/** One FHIR Coverage as the ledger's record, active by the ledger's rule on `today`. */
export function mapCoverage(patientSourceId: string, c: FhirCoverage, today: string): CoverageRecord {
  const classOf = (code: 'group' | 'plan') => {
    const found = c.class?.find((k) => hasCode(k.type, code));
    return found ? { value: found.value, name: found.name ?? null } : null;
  };
  const periodStart = serviceDate(c.period?.start);
  const periodEnd = serviceDate(c.period?.end);
  const payor = c.payor?.[0];
  return {
    sourceId: c.id,
    patientSourceId,
    status: c.status,
    active: coverageActive(c.status, { start: periodStart, end: periodEnd }, today),
    order: c.order ?? null,
    subscriberId:
      c.subscriberId ?? c.identifier?.find((i) => hasCode(i.type, MEMBER_NUMBER) && i.value !== undefined)?.value ?? null,
    payerName: payor?.display ?? null,
    payerReference: payor?.reference ?? null,
    group: classOf('group'),
    plan: classOf('plan'),
    relationship: c.relationship?.coding?.[0]?.code ?? null,
    periodStart,
    periodEnd,
  };
}

export function coverageReads(deps: CoverageDeps) {
  const { client } = deps;

  function toRecords(pid: string, found: SearchResult): CoverageRecord[] {
    const today = deps.today();
    return found.matches
      .map((r) => mapCoverage(pid, parseResource(coverageSchema, r, 'Coverage'), today))
      .sort((a, b) => (a.order ?? Number.MAX_SAFE_INTEGER) - (b.order ?? Number.MAX_SAFE_INTEGER));
  }

  return {
    coveragesByPatient(ids: readonly string[], scope: RequestScope): Promise<Array<CoverageRecord[] | Error>> {
      return memoized(scope, 'fhir:coverage', ids.map(plainPatientId), async (missing) => {
        if (!(await deps.batch())) {
          return missing.map(async (pid) => toRecords(pid, await searchAll(client, coverageUrl(pid))));
        }
        const urls = missing.map(coverageUrl);
        const answers = await batchRead(client, urls, true);
        return missing.map(async (pid, i) => {
          const answer = answers[i]!;
          if (answer instanceof Error) throw answer;
          if (answer.status === 404) return [];
          return toRecords(pid, await followPages(client, answer.resource, urls[i]!));
        });
      });
    },
  };
}
