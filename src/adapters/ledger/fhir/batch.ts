/**
 * Generic-profile batching: a DataLoader batch's reads leave as one `batch` Bundle (`POST /`, at most
 * 50 entries, relative urls), answered in request order. Where the server's CapabilityStatement does
 * not list `batch`, the same reads go one by one.
 *
 *     const answers = await batchRead(client, ['Patient/p1', 'ChargeItem?patient=p1&_count=100'], true);
 *     answers[0]   // { status: 200, resource } | { status: 404, resource: null }
 *
 * A searchset entry with a next link is followed verbatim by the caller (`bundle.ts`).
 */
import type { Bundle } from 'fhir/r4';
import { z } from 'zod';
import { UpstreamError } from '../port';
import { type FhirClient, NOT_FOUND } from './client';

export const MAX_BATCH_ENTRIES = 50;

export interface BatchAnswer {
  status: number;
  resource: unknown;
}

const batchResponseSchema = z.looseObject({
  resourceType: z.literal('Bundle'),
  type: z.literal('batch-response'),
  entry: z
    .array(z.looseObject({ resource: z.unknown().optional(), response: z.looseObject({ status: z.string() }) }))
    .default([]),
});

/** The request Bundle for `urls`. */
export function batchBundle(urls: readonly string[]): Bundle {
  return { resourceType: 'Bundle', type: 'batch', entry: urls.map((url) => ({ request: { method: 'GET', url } })) };
}

/** Read `urls` in batch Bundles of ≤ 50 (or one by one without batch support); one answer per url, in order. */
export async function batchRead(
  client: FhirClient,
  urls: readonly string[],
  batchSupported: boolean,
): Promise<Array<BatchAnswer | Error>> {
  if (urls.length === 0) return [];
  if (!batchSupported) {
    return Promise.all(
      urls.map(async (url) => {
        try {
          const r = await client.read(url);
          return r === NOT_FOUND ? { status: 404, resource: null } : { status: 200, resource: r };
        } catch (err) {
          return err instanceof Error ? err : new Error(String(err));
        }
      }),
    );
  }
  const chunks: string[][] = [];
  for (let i = 0; i < urls.length; i += MAX_BATCH_ENTRIES) chunks.push(urls.slice(i, i + MAX_BATCH_ENTRIES));
  const answers = await Promise.all(
    chunks.map((chunk) => sendChunk(client, chunk).catch((err: unknown) => chunk.map(() => err as Error))),
  );
  return answers.flat();
}

async function sendChunk(client: FhirClient, urls: string[]): Promise<Array<BatchAnswer | Error>> {
  const res = await client.post('', JSON.stringify(batchBundle(urls)));
  if (res.status !== 200) throw client.failure('POST', '/ (batch)', res);
  let json: unknown;
  try {
    json = JSON.parse(res.text);
  } catch {
    json = undefined;
  }
  const parsed = batchResponseSchema.safeParse(json);
  if (!parsed.success || parsed.data.entry.length !== urls.length) {
    throw new UpstreamError(
      `FHIR batch: expected a batch-response Bundle with ${urls.length} entries`,
      'UPSTREAM_UNAVAILABLE',
      200,
      '/ (batch)',
    );
  }
  return parsed.data.entry.map((e, i) => {
    const status = Number.parseInt(e.response.status, 10);
    if (status >= 200 && status < 300) return { status, resource: e.resource ?? null };
    if (status === 404) return { status, resource: null };
    return client.failure('GET', `${urls[i]!.split('?')[0]} (in batch)`, {
      status,
      text: JSON.stringify(e.resource ?? {}),
      header: () => undefined,
    });
  });
}
