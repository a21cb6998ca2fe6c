/**
 * The FHIR R4 LedgerAdapter, one factory for the three profiles (README.md next to this file).
 *
 *     const adapter = createFhirAdapter(
 *       { profile: 'generic', baseUrl: 'https://hapi.example/fhir', clientId, privateKeyPem, keyId },
 *       { onUpstreamCall: (e) => metrics.observe(e) },
 *     );
 *     await adapter.connect();                                   // metadata + one token
 *     const [charges] = await adapter.chargesByPatient(['pat-alvarez'], createRequestScope());
 *
 * The profile decides the reads (`reads-generic.ts`, `reads-oracle.ts`, `reads-epic.ts`), the writes
 * (`writes-generic.ts`, `writes-oracle.ts`; none on Epic) and the capabilities (`capabilities.ts`).
 */
import { z } from 'zod';
import type {
  AdjustmentTypeRecord,
  BatchResult,
  LedgerAdapter,
  OutgoingLedgerWrite,
  Page,
  PatientRecord,
  PaymentTypeRecord,
  RequestScope,
  WriteOutcome,
} from '../port';
import { createRequestScope, UpstreamError } from '../port';
import { FHIR_CAPABILITIES, FHIR_UNSUPPORTED } from './capabilities';
import { FhirClient, type FhirClientOptions } from './client';
import type { FhirConnection } from './connection';
import { readPage } from './bundle';
import { coverageReads } from './reads-coverage';
import { epicReads } from './reads-epic';
import { genericReads } from './reads-generic';
import { oracleReads } from './reads-oracle';
import { patientSchema, parseResource } from './resources';
import { submitGenericWrite } from './writes-generic';
import { submitOracleWrite } from './writes-oracle';

export type FhirAdapterOptions = FhirClientOptions & {
  /** Today as `YYYY-MM-DD` (guarantor periods, the EOB window). Default: the UTC date of `now()`. */
  today?: () => string;
};

/** A write as the FHIR adapter takes it; card/check details are the port's `LedgerWrite.tender`. */
export type FhirOutgoingWrite = OutgoingLedgerWrite;

const capabilityStatementSchema = z.looseObject({
  fhirVersion: z.string().optional(),
  rest: z.array(z.looseObject({ interaction: z.array(z.looseObject({ code: z.string() })).optional() })).optional(),
});

export function createFhirAdapter(connection: FhirConnection, options: FhirAdapterOptions = {}): LedgerAdapter {
  const client = new FhirClient(connection, options);
  const now = options.now ?? Date.now;
  const today = options.today ?? (() => new Date(now()).toISOString().slice(0, 10));
  const profile = connection.profile;

  // The CapabilityStatement, read once: generic batches iff it lists `batch`.
  let metadata: Promise<z.output<typeof capabilityStatementSchema>> | null = null;
  const readMetadata = () => {
    metadata ??= client.metadata().then((json) => {
      const parsed = capabilityStatementSchema.safeParse(json);
      if (!parsed.success)
        throw new UpstreamError('FHIR metadata: expected a CapabilityStatement', 'UPSTREAM_UNAVAILABLE', 200, '/metadata');
      return parsed.data;
    });
    metadata.catch(() => {
      metadata = null;
    });
    return metadata;
  };
  const batchSupported = async () => ((await readMetadata()).rest?.[0]?.interaction ?? []).some((i) => i.code === 'batch');

  const generic = genericReads({ client, batchSupported, today });
  const oracle = oracleReads({ client });
  const epic = epicReads({ client, today });
  const reads = profile === 'generic' ? generic : profile === 'oracle-health' ? oracle : epic;
  // Only generic batches (the profile README): Oracle and Epic take one Coverage search per patient.
  const coverage = coverageReads({ client, today, batch: async () => profile === 'generic' && (await batchSupported()) });
  const scoped =
    <R>(fn: (ids: readonly string[], scope: RequestScope) => Promise<R>) =>
    (ids: readonly string[], scope?: RequestScope) =>
      fn(ids, scope ?? createRequestScope());

  // Only a FinancialTransaction records card and check details (generic has no element for them), so
  // only oracle-health types ask for them: the write rules then refuse a payment without them
  // before it is stored, instead of the adapter failing it after.
  const tenderOf = (method: string | undefined): Pick<PaymentTypeRecord, 'tenderRequired'> =>
    profile !== 'oracle-health' || !method || method === 'CASH' ? {} : { tenderRequired: method === 'CCCA' ? 'card' : 'check' };
  const paymentTypes = (): PaymentTypeRecord[] =>
    (connection.paymentTypes ?? []).map((t) => ({ sourceId: t.id, name: t.name, active: true, ...tenderOf(t.method) }));
  const adjustmentTypes = (): AdjustmentTypeRecord[] =>
    (connection.adjustmentTypes ?? []).map((t) => ({
      sourceId: t.id,
      name: t.name,
      active: true,
      action: t.action === 'credit' ? 'CREDIT' : 'DEBIT',
    }));

  const adapter: LedgerAdapter = {
    system: 'FHIR',
    capabilities: FHIR_CAPABILITIES[profile],
    unsupported: FHIR_UNSUPPORTED[profile],

    async connect() {
      const meta = await readMetadata();
      if (meta.fhirVersion && meta.fhirVersion !== '4.0.1') {
        throw new UpstreamError(
          `FHIR metadata: expected fhirVersion 4.0.1, got ${meta.fhirVersion}`,
          'UPSTREAM_REJECTED',
          200,
          '/metadata',
        );
      }
      await client.accessToken();
    },

    patients: scoped(reads.patients),
    families: scoped(reads.families),
    chargesByPatient: scoped(reads.chargesByPatient),
    paymentsByPatient: scoped(reads.paymentsByPatient),
    adjustmentsByPatient: scoped(reads.adjustmentsByPatient),
    claimsByPatient: scoped(reads.claimsByPatient),
    coveragesByPatient: scoped(coverage.coveragesByPatient),

    async listPatients({ first, after }): Promise<Page<PatientRecord>> {
      if (profile !== 'generic') return { items: [], endCursor: null, hasNextPage: false };
      // The cursor is the server's next link, opaque to clients (base64url), followed verbatim.
      const next = after ? Buffer.from(after, 'base64url').toString('utf8') : null;
      const json = next ? await client.readUrl(next) : await client.read(`Patient?_count=${Math.max(1, Math.min(first, 100))}`);
      const page = readPage(json, 'Patient');
      const ids = page.matches.map((m) => parseResource(patientSchema, m, 'Patient').id);
      const records = await generic.patients(ids, createRequestScope());
      const items = records.filter((r): r is PatientRecord => r !== null && !(r instanceof Error));
      return {
        items,
        endCursor: page.next && Buffer.from(page.next, 'utf8').toString('base64url'),
        hasNextPage: page.next !== null,
      };
    },

    guarantorBalances: async (ids) => ids.map(() => null),
    insuranceBalancesByGuarantor: async (ids) => ids.map(() => []),
    providers: async (ids) => ids.map(() => null),
    // FHIR charges carry their code; there is no procedure catalogue to read.
    procedures: async (ids): Promise<BatchResult<{ sourceId: string; code: string | null; name: string | null } | null>> =>
      ids.map((id) => ({ sourceId: id, code: id, name: null })),
    cachedProvider: () => null,
    cachedProcedure: (id) => ({ sourceId: id, code: id, name: null }),

    paymentTypes: async () => paymentTypes(),
    adjustmentTypes: async () => adjustmentTypes(),

    async close() {
      await client.close();
    },
  };

  if (profile === 'oracle-health') {
    adapter.submitWrite = (write: FhirOutgoingWrite): Promise<WriteOutcome> =>
      submitOracleWrite({ client, connection, ledgerOf: (pid) => oracle.ledgerOf(pid, createRequestScope()) }, write);
  } else if (profile === 'generic') {
    adapter.submitWrite = (write: FhirOutgoingWrite): Promise<WriteOutcome> =>
      submitGenericWrite(
        {
          client,
          connection,
          accountOf: async (pid) =>
            (await generic.accountsOf(pid, createRequestScope())).find((a) => (a.status ?? 'active') === 'active')?.id ?? null,
        },
        write,
      );
    adapter.findTransaction = (_kind, transactionId, patientSourceId) => generic.findTransaction(transactionId, patientSourceId);
  }
  return adapter;
}
