/**
 * The floor for (b): the upstream reads of an operation made as plainly as Node can — one undici
 * pool, `JSON.parse`, nothing else: no GraphQL, no validation, no loaders — with the same levels as
 * the gateway (the reads that need an earlier answer wait for it, the rest go out at once). Its p50
 * over the critical path is the least overhead any server has on this machine for that operation.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Pool } from 'undici';
import { API_VERSION, type NexhealthSandbox } from '../../src/sandbox/nexhealth';

export interface PlainReads {
  /** Balance + itemized invoice of one patient: the patient and its four lists, one level. */
  invoice(patientId: string): Promise<number>;
  /**
   * The family ledger as the gateway reads it (src/graphql/ledger-prefetch.ts): the family read, its
   * A/R records and its four lists by `guarantor_id`, all in one level.
   */
  family(guarantorId: string): Promise<number>;
  close(): Promise<void>;
}

/** One undici pool with a token: `get(path, query)` answers the envelope's `data`, JSON.parse only. */
export interface PlainClient {
  get(path: string, query?: Record<string, string>): Promise<any>;
  close(): Promise<void>;
}

export async function plainClient(
  nex: Pick<NexhealthSandbox, 'url' | 'apiKey' | 'subdomain'>,
  connections = 24,
): Promise<PlainClient> {
  const pool = new Pool(nex.url, { connections });
  const auth = await pool.request({
    method: 'POST',
    path: '/authenticates',
    headers: { authorization: nex.apiKey, 'nex-api-version': API_VERSION },
  });
  const token = ((await auth.body.json()) as { data: { token: string } }).data.token;
  const headers = { authorization: `Bearer ${token}`, 'nex-api-version': API_VERSION, accept: 'application/json' };
  return {
    async get(path, query = {}) {
      const params = new URLSearchParams({ subdomain: nex.subdomain, ...query });
      const res = await pool.request({ method: 'GET', path: `${path}?${params}`, headers });
      const body = JSON.parse(await res.body.text()) as { data: unknown };
      if (res.statusCode !== 200) throw new Error(`GET ${path}: HTTP ${res.statusCode}`);
      return body.data;
    },
    close: () => pool.close(),
  };
}

export async function plainReads(
  nex: Pick<NexhealthSandbox, 'url' | 'apiKey' | 'subdomain' | 'locations'>,
  connections = 24,
): Promise<PlainReads> {
  const client = await plainClient(nex, connections);
  let calls = 0;
  const get = (path: string, query: Record<string, string> = {}) => {
    calls += 1;
    return client.get(path, query);
  };
  const list = (path: string, query: Record<string, string>) =>
    get(path, { location_id: nex.locations.openDental, per_page: '1000', ...query });
  const ledger = (patientId: string) => [
    list('/charges', { patient_id: patientId, 'include[]': 'claim_payouts' }),
    list('/payments', { patient_id: patientId }),
    list('/adjustments', { patient_id: patientId }),
    list('/claims', { patient_id: patientId }),
  ];
  return {
    async invoice(patientId) {
      const before = calls;
      await Promise.all([get(`/patients/${patientId}`), ...ledger(patientId)]);
      return calls - before;
    },
    async family(guarantorId) {
      const before = calls;
      await Promise.all([
        get(`/patients/${guarantorId}`, { 'include[]': 'children' }),
        list('/guarantor_balances', { guarantor_id: guarantorId, show_zero_balances: 'true' }),
        list('/insurance_balances', { guarantor_id: guarantorId }),
        list('/charges', { guarantor_id: guarantorId, 'include[]': 'claim_payouts' }),
        list('/payments', { guarantor_id: guarantorId }),
        list('/adjustments', { guarantor_id: guarantorId }),
        list('/claims', { guarantor_id: guarantorId }),
      ]);
      return calls - before;
    },
    close: () => client.close(),
  };
}

/**
 * The same reads behind a plain `node:http` server: the client POSTs `{"id": …}` to `/invoice` or
 * `/family` over one keep-alive connection and the server answers `{"calls": n}` once the reads are
 * in. What the direct floor leaves out and every GraphQL server pays: the request to the server and
 * its answer back. The least a server making these reads costs its client on this machine.
 */
export async function servedReads(reads: Pick<PlainReads, 'invoice' | 'family'>): Promise<PlainReads> {
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const { id } = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { id: string };
      const read = req.url === '/family' ? reads.family(id) : reads.invoice(id);
      read.then(
        (calls) => {
          res.writeHead(200, { 'content-type': 'application/json' });
          res.end(JSON.stringify({ calls }));
        },
        (error: Error) => {
          res.writeHead(502, { 'content-type': 'application/json' });
          res.end(JSON.stringify({ error: error.message }));
        },
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const pool = new Pool(`http://127.0.0.1:${(server.address() as AddressInfo).port}`, { connections: 1 });
  const ask = async (path: string, id: string) => {
    const res = await pool.request({
      method: 'POST',
      path,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ id }),
    });
    const text = await res.body.text();
    if (res.statusCode !== 200) throw new Error(`POST ${path}: HTTP ${res.statusCode} ${text}`);
    return (JSON.parse(text) as { calls: number }).calls;
  };
  return {
    invoice: (patientId) => ask('/invoice', patientId),
    family: (guarantorId) => ask('/family', guarantorId),
    async close() {
      await pool.close();
      await new Promise<void>((resolve, reject) => server.close((e) => (e ? reject(e) : resolve())));
    },
  };
}
