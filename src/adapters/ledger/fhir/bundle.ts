/**
 * Searchset Bundles: reading one page, and following `link[relation=next].url` verbatim up to the
 * bound (50 pages or 5,000 matches, the adapter README's "Paging"). `total` is never relied on.
 *
 *     const { matches, included } = await searchAll(client, 'Encounter?patient=1&_count=100');
 *
 * Entries with `search.mode` `match` (or none) are results, `include` entries go to `included`, and
 * `outcome` entries (Epic's warnings) are skipped unless their severity is error/fatal, which makes
 * the whole search fail as a 500 would.
 */
import { z } from 'zod';
import { UpstreamError } from '../port';
import type { FhirClient } from './client';
import { NOT_FOUND } from './client';
import { isFatalOutcomeEntry } from './outcome';

export const MAX_PAGES = 50;
export const MAX_MATCHES = 5000;

/** A resource as the adapter first sees it: typed, with an id; each mapper parses the rest with zod. */
export const resourceSchema = z.looseObject({ resourceType: z.string(), id: z.string().optional() });
export type AnyResource = z.output<typeof resourceSchema>;

const entrySchema = z.looseObject({
  fullUrl: z.string().optional(),
  resource: resourceSchema.optional(),
  search: z.looseObject({ mode: z.string().optional() }).optional(),
});

export const bundleSchema = z.looseObject({
  resourceType: z.literal('Bundle'),
  type: z.string(),
  link: z.array(z.looseObject({ relation: z.string(), url: z.string() })).optional(),
  entry: z.array(entrySchema).optional(),
});

export interface SearchResult {
  matches: AnyResource[];
  included: AnyResource[];
}

/** One searchset page: its matches, includes and next link. */
export function readPage(json: unknown, endpoint: string): SearchResult & { next: string | null } {
  const parsed = bundleSchema.safeParse(json);
  if (!parsed.success || parsed.data.type !== 'searchset') {
    throw new UpstreamError(`FHIR: expected a searchset Bundle from GET ${endpoint}`, 'UPSTREAM_UNAVAILABLE', 200, endpoint);
  }
  const matches: AnyResource[] = [];
  const included: AnyResource[] = [];
  for (const entry of parsed.data.entry ?? []) {
    const mode = entry.search?.mode ?? 'match';
    if (!entry.resource) continue;
    if (mode === 'outcome' || entry.resource.resourceType === 'OperationOutcome') {
      if (isFatalOutcomeEntry(entry.resource)) {
        throw new UpstreamError(
          `FHIR: GET ${endpoint} answered an error outcome inside its Bundle`,
          'UPSTREAM_UNAVAILABLE',
          500,
          endpoint,
        );
      }
      continue;
    }
    (mode === 'include' ? included : matches).push(entry.resource);
  }
  const next = parsed.data.link?.find((l) => l.relation === 'next')?.url ?? null;
  return { matches, included, next };
}

/**
 * Every page of a search. Past the bound it fails with UPSTREAM_UNAVAILABLE (the field answers an
 * error rather than a silently cut ledger).
 */
export async function searchAll(client: FhirClient, relative: string): Promise<SearchResult> {
  const first = await client.read(relative);
  if (first === NOT_FOUND) return { matches: [], included: [] };
  return followPages(client, first, relative);
}

/** The rest of a search whose first page is `first` (a batch entry's searchset, say). */
export async function followPages(client: FhirClient, first: unknown, relative: string): Promise<SearchResult> {
  const endpoint = relative.split('?')[0] ?? relative;
  let page = readPage(first, endpoint);
  const matches = [...page.matches];
  const included = [...page.included];
  let pages = 1;
  while (page.next) {
    if (pages >= MAX_PAGES || matches.length >= MAX_MATCHES) {
      throw new UpstreamError(
        `FHIR: GET ${endpoint} still had a next page after ${pages} pages and ${matches.length} matches; stopped at the bound (${MAX_PAGES} pages / ${MAX_MATCHES} matches)`,
        'UPSTREAM_UNAVAILABLE',
        null,
        endpoint,
      );
    }
    page = readPage(await client.readUrl(page.next), endpoint);
    pages++;
    matches.push(...page.matches);
    included.push(...page.included);
  }
  return { matches, included };
}
