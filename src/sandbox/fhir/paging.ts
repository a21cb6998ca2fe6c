/**
 * Searchset Bundles and their page chains. A search's matches are kept under an opaque context and
 * served 20 a page (`_count` up to 100, or the `page-size` knob), each page linking the next in the
 * profile's own shape: Oracle `…&pageContext=…&direction=NEXT`, Epic `…&sessionID=…`, generic (HAPI)
 * `{base}?_getpages=…&_getpagesoffset=…`. With the `endless` knob the last page links to itself
 * again forever, for the adapter's page bound.
 */
import { randomBytes } from 'node:crypto';
import { badRequest, operationOutcome } from './outcome';
import type { FhirProfile } from './profiles';
import type { SearchMatch } from './search';

export const DEFAULT_PAGE_SIZE = 20;
const MAX_CONTEXTS = 500;

interface PageContext {
  type: string;
  /** The search's own query (paging parameters excluded), for Oracle's and Epic's next links. */
  query: string;
  matches: SearchMatch[];
  pageSize: number;
}

export interface PagingSettings {
  /** Forces the page size whatever `_count` says (`page-size` knob); `null`: `_count` or 20. */
  forcedPageSize: number | null;
  endless: boolean;
  /** Epic: severity of the `search.mode: "outcome"` entry each page carries; `null`: none. */
  outcomeSeverity: 'information' | 'warning' | 'error' | 'fatal' | null;
}

export class Pager {
  private readonly contexts = new Map<string, PageContext>();

  constructor(
    readonly profile: FhirProfile,
    private readonly settings: PagingSettings,
  ) {}

  /** The first page of a new search. */
  first(baseUrl: string, type: string, query: URLSearchParams, matches: SearchMatch[], count: number | null): unknown {
    const id = randomBytes(9).toString('base64url');
    const pageSize = this.settings.forcedPageSize ?? count ?? DEFAULT_PAGE_SIZE;
    const own = new URLSearchParams([...query].filter(([key]) => !isPagingParameter(key)));
    this.contexts.set(id, { type, query: own.toString(), matches, pageSize });
    if (this.contexts.size > MAX_CONTEXTS) this.contexts.delete(this.contexts.keys().next().value ?? '');
    return this.page(baseUrl, id, 0, `${baseUrl}/${type}?${own.toString()}`);
  }

  /** A follow-up page, when `params` carry this profile's paging token; `null` otherwise. */
  continuation(baseUrl: string, params: URLSearchParams, selfUrl: string): unknown | null {
    const token =
      this.profile === 'generic'
        ? params.get('_getpages')
        : this.profile === 'epic'
          ? params.get('sessionID')
          : params.get('pageContext');
    if (token === null) return null;
    let id = token;
    let offset: number;
    if (this.profile === 'generic') offset = Number(params.get('_getpagesoffset') ?? '0');
    else {
      const colon = token.lastIndexOf(':');
      id = token.slice(0, colon);
      offset = Number(token.slice(colon + 1));
    }
    if (!this.contexts.has(id) || !Number.isInteger(offset) || offset < 0)
      throw badRequest(`the paging context ${token} is unknown or has expired`);
    return this.page(baseUrl, id, offset, selfUrl);
  }

  private page(baseUrl: string, id: string, offset: number, selfUrl: string): unknown {
    const context = this.contexts.get(id) as PageContext;
    const { matches, pageSize } = context;
    const slice = matches.slice(offset, offset + pageSize);
    const more = offset + pageSize < matches.length;
    const nextOffset = more ? offset + pageSize : this.settings.endless ? offset : null;
    const link: Array<{ relation: string; url: string }> = [{ relation: 'self', url: selfUrl }];
    if (nextOffset !== null) link.push({ relation: 'next', url: this.nextUrl(baseUrl, id, context, nextOffset) });
    const entry: unknown[] = [];
    for (const match of slice) {
      entry.push({ fullUrl: fullUrl(baseUrl, match.resource), resource: match.resource, search: { mode: 'match' } });
      for (const included of match.includes)
        entry.push({ fullUrl: fullUrl(baseUrl, included), resource: included, search: { mode: 'include' } });
    }
    if (this.profile === 'epic' && this.settings.outcomeSeverity !== null) {
      entry.push({
        resource: operationOutcome(
          'This response includes information available to the authorized user at the time of the request.',
          'informational',
          this.settings.outcomeSeverity,
        ),
        search: { mode: 'outcome' },
      });
    }
    return {
      resourceType: 'Bundle',
      id,
      type: 'searchset',
      total: matches.length,
      link,
      entry,
    };
  }

  private nextUrl(baseUrl: string, id: string, context: PageContext, offset: number): string {
    if (this.profile === 'generic')
      return `${baseUrl}?_getpages=${id}&_getpagesoffset=${offset}&_count=${context.pageSize}&_bundletype=searchset`;
    const sep = context.query ? '&' : '';
    if (this.profile === 'epic') return `${baseUrl}/${context.type}?${context.query}${sep}sessionID=${id}:${offset}`;
    return `${baseUrl}/${context.type}?${context.query}${sep}pageContext=${id}:${offset}&direction=NEXT`;
  }
}

const PAGING_PARAMETERS = new Set(['pageContext', 'direction', 'sessionID', '_getpages', '_getpagesoffset', '_bundletype']);
export const isPagingParameter = (key: string): boolean => PAGING_PARAMETERS.has(key);

export const fullUrl = (baseUrl: string, resource: { resourceType: string; id: string }) =>
  `${baseUrl}/${resource.resourceType}/${resource.id}`;
