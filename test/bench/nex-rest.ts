/**
 * A plain NexHealth REST client for the bench's baselines: it authenticates once, then counts every
 * call it makes (the sandbox's request log confirms the count). No cache, no batching, no retries.
 */
import { Agent } from 'undici';
import { API_VERSION, type NexhealthSandbox } from '../../src/sandbox/nexhealth';

type SandboxAddress = Pick<NexhealthSandbox, 'url' | 'apiKey' | 'subdomain' | 'locations'>;

export type Row = Record<string, any>;

export interface NexRest {
  calls: number;
  /** `GET path` with the subdomain (and `location_id` when `list`); the envelope's `data`. */
  get(path: string, query?: Record<string, string | number | boolean | string[]>, list?: boolean): Promise<any>;
  /** Every page of a list (per_page 1000, following `end_cursor`). */
  list(path: string, query?: Record<string, string | number | boolean | string[]>): Promise<Row[]>;
  close(): Promise<void>;
}

export async function nexRest(nex: SandboxAddress): Promise<NexRest> {
  const dispatcher = new Agent({ connections: 64 });
  const auth = await fetch(`${nex.url}/authenticates`, {
    method: 'POST',
    headers: { Authorization: nex.apiKey, 'Nex-Api-Version': API_VERSION },
    // @ts-expect-error undici's dispatcher option on Node's fetch
    dispatcher,
  });
  const token = ((await auth.json()) as { data: { token: string } }).data.token;
  const client: NexRest = {
    calls: 0,
    async get(path, query = {}, list = false) {
      const params = new URLSearchParams({ subdomain: nex.subdomain });
      if (list) params.set('location_id', nex.locations.openDental);
      for (const [k, v] of Object.entries(query)) {
        if (Array.isArray(v)) for (const item of v) params.append(k, item);
        else params.set(k, String(v));
      }
      client.calls += 1;
      const response = await fetch(`${nex.url}${path}?${params}`, {
        headers: { Authorization: `Bearer ${token}`, 'Nex-Api-Version': API_VERSION },
        // @ts-expect-error undici's dispatcher option on Node's fetch
        dispatcher,
      });
      const body = (await response.json()) as {
        data: unknown;
        page_info?: { has_next_page?: boolean; end_cursor?: string | null };
      };
      if (!response.ok) throw new Error(`GET ${path}: ${response.status}`);
      return list ? body : body.data;
    },
    async list(path, query = {}) {
      const rows: Row[] = [];
      let cursor: string | null = null;
      for (;;) {
        const body = await client.get(path, { ...query, per_page: 1000, ...(cursor ? { end_cursor: cursor } : {}) }, true);
        rows.push(...(body.data as Row[]));
        if (!body.page_info?.has_next_page || !body.page_info.end_cursor) return rows;
        cursor = body.page_info.end_cursor;
      }
    },
    close: () => dispatcher.close(),
  };
  return client;
}
