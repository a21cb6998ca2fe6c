/**
 * A bare Apollo Server over node:http answering the bench's 3-level document from memory: the
 * throughput ceiling of "parse, validate, execute, serialize" without auth, plugins, loaders or upstreams.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApolloServer, HeaderMap } from '@apollo/server';

const SDL = /* GraphQL */ `
  type Provider { sourceId: ID! name: String! }
  type Charge { sourceId: ID! provider: Provider }
  type Patient { sourceId: ID! charges: [Charge!]! }
  type Query { patient(practiceId: ID!, patientId: ID!): Patient }
`;

export async function startBareApollo(patient: unknown): Promise<{ url: string; close(): Promise<void> }> {
  const apollo = new ApolloServer({ typeDefs: SDL, resolvers: { Query: { patient: () => patient } } });
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
