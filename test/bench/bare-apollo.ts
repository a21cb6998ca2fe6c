/**
 * Bare Apollo Servers over node:http answering the bench's 3-level document: the throughput
 * references for the gateway.
 *
 * - `startBareApollo(answer)`: from memory, the reference. "Parse, validate, execute,
 *   serialize" and nothing else: no auth, plugins, loaders, or upstream.
 * - `startBareApollo(answer, upstream)`: the same server, but `Query.patient` first makes the two
 *   upstream reads the gateway makes for this document (the patient, then the patient's charges),
 *   with a plain undici pool and `JSON.parse`: no validation, no retries, no breaker. What any
 *   server making those calls costs on this machine, so the gateway's own overhead can be told
 *   apart from the price of the calls.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApolloServer, HeaderMap } from '@apollo/server';
import type { NexhealthSandbox } from '../../src/sandbox/nexhealth';
import { plainClient } from './plain-floor';

const SDL = /* GraphQL */ `
  type Provider { sourceId: ID! name: String! }
  type Charge { sourceId: ID! provider: Provider }
  type Patient { sourceId: ID! charges: [Charge!]! }
  type Query { patient(practiceId: ID!, patientId: ID!): Patient }
`;

type Answer = { sourceId: string; charges: Array<{ sourceId: string; provider: { sourceId: string; name: string } | null }> };

/** The NexHealth sandbox reads of the 3-level document, made plainly. */
export interface PlainUpstream {
  patientWithCharges(
    patientId: string,
  ): Promise<{ patient: { id: number | string }; charges: Array<{ id: number | string; provider_id: number | string | null }> }>;
  close(): Promise<void>;
}

export async function plainUpstream(
  nex: Pick<NexhealthSandbox, 'url' | 'apiKey' | 'subdomain' | 'locations'>,
  connections: number,
): Promise<PlainUpstream> {
  const client = await plainClient(nex, connections);
  return {
    async patientWithCharges(patientId) {
      const patient = await client.get(`/patients/${encodeURIComponent(patientId)}`);
      const charges = await client.get('/charges', {
        location_id: nex.locations.openDental,
        patient_id: patientId,
        'include[]': 'claim_payouts',
        per_page: '1000',
      });
      return { patient, charges };
    },
    close: () => client.close(),
  };
}

export async function startBareApollo(
  answer: Answer,
  upstream?: PlainUpstream,
): Promise<{ url: string; close(): Promise<void> }> {
  const providers = new Map(answer.charges.flatMap((c) => (c.provider ? [[c.provider.sourceId, c.provider] as const] : [])));
  const patient = upstream
    ? async (_: unknown, args: { patientId: string }) => {
        const read = await upstream.patientWithCharges(args.patientId);
        return {
          sourceId: String(read.patient.id),
          charges: read.charges.map((c) => ({ sourceId: String(c.id), provider: providers.get(String(c.provider_id)) ?? null })),
        };
      }
    : () => answer;
  const apollo = new ApolloServer({ typeDefs: SDL, resolvers: { Query: { patient } } });
  await apollo.start();
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', async () => {
      const headers = new HeaderMap();
      for (const [k, v] of Object.entries(req.headers)) if (typeof v === 'string') headers.set(k, v);
      const result = await apollo.executeHTTPGraphQLRequest({
        httpGraphQLRequest: {
          method: req.method ?? 'POST',
          headers,
          search: new URL(req.url ?? '/', 'http://x').search,
          body: JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}'),
        },
        context: async () => ({}),
      });
      const out: Record<string, string> = {};
      for (const [k, v] of result.headers) out[k] = v;
      res.writeHead(result.status ?? 200, out);
      if (result.body.kind === 'complete') res.end(result.body.string);
      else {
        for await (const chunk of result.body.asyncIterator) res.write(chunk);
        res.end();
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    async close() {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      await apollo.stop();
    },
  };
}
