/**
 * oracle-health writes: one FinancialTransaction (`POST /Basic`) per gateway transaction, with the
 * tenant's alias from the config's type lists and exactly one allocation. Synchronous: 201 with an
 * empty body and `Location: …/Basic/FT-PL-{n}` is COMPLETED (that id is the row's source id; there
 * is no read-back), a 422 is FAILED with the server's `diagnostics`.
 *
 *     const body = financialTransactionBody({ write, type, target, tender, location });   // pure
 *     const outcome = await submitOracleWrite(deps, write);
 *
 * The identifier is the transaction id without separators (`LG:42` → `LG42`): Millennium accepts
 * only `[A-Za-z0-9]{1,250}`. A timeout is retried once with the same identifier; a 422 `duplicate`
 * on that retry means the first attempt landed.
 */
import type { Basic, Extension } from 'fhir/r4';
import { type LedgerRecords, type OutgoingLedgerWrite, UpstreamError, type WriteOutcome } from '../port';
import type { FhirClient } from './client';
import type { FhirAdjustmentType, FhirConnection, FhirPaymentType } from './connection';
import { outcomeOf } from './outcome';
import { ORACLE_EXTENSION_BASE, type OracleLedger } from './reads-oracle';
import { money, serializeFhir, type Tender } from './write-body';

const PAYMENT_TYPE_SYSTEM = 'http://terminology.hl7.org/CodeSystem/payment-type';
const V2_0570 = 'http://terminology.hl7.org/CodeSystem/v2-0570';
const CARD_BRANDS = ['VISA', 'MASTER', 'AMEX', 'DISCOVER'];

/** A refusal before anything is sent: the write FAILS with this reason. */
export class WriteRefused extends Error {}

/** The FinancialTransaction identifier for a gateway transaction id. */
export function ftIdentifier(transactionId: string): string {
  const id = transactionId.replace(/[^A-Za-z0-9]/g, '');
  if (id.length < 1 || id.length > 250)
    throw new WriteRefused(`transaction id "${transactionId}" gives no valid FinancialTransaction identifier`);
  return id;
}

const url = (id: string) => `${ORACLE_EXTENSION_BASE}${id}`;

export interface FtInput {
  write: OutgoingLedgerWrite;
  type: { kind: 'payment'; t: FhirPaymentType } | { kind: 'adjustment'; t: FhirAdjustmentType };
  /** `Encounter/{id}` or `Account/G…`. */
  target: string;
  tender?: Tender | null;
  location?: string;
}

/** The Basic resource, exactly as the adapter README's "Writes" lists its fields. */
export function financialTransactionBody(input: FtInput): Basic {
  const { write, type, target, tender } = input;
  const amount = Math.abs(write.amount);
  const ext: Extension[] = [
    {
      url: url('financial-transaction-type'),
      valueCodeableConcept: { coding: [{ system: PAYMENT_TYPE_SYSTEM, code: type.kind }] },
    },
    { url: url('financial-transaction-alias'), valueString: type.t.alias! },
    { url: url('financial-transaction-amount'), valueMoney: money(amount) },
    {
      url: url('financial-transaction-allocation'),
      extension: [
        { url: 'target', valueReference: { reference: target } },
        { url: 'amount', valueMoney: money(amount) },
      ],
    },
  ];
  if (type.kind === 'payment') {
    const method = (type.t as FhirPaymentType).method!;
    ext.push({ url: url('financial-transaction-method'), valueCodeableConcept: { coding: [{ system: V2_0570, code: method }] } });
    if (method === 'CASH') {
      const tendered = tender?.tendered ?? amount;
      if (tendered < amount) throw new WriteRefused('tender.tendered is less than the amount');
      ext.push({ url: url('financial-transaction-tendered-amount'), valueMoney: money(tendered) });
    } else if (method === 'CCCA') {
      const brand = tender?.cardBrand?.toUpperCase();
      if (!brand || !CARD_BRANDS.includes(brand))
        throw new WriteRefused(`a card payment needs tender.cardBrand (${CARD_BRANDS.join(', ')})`);
      if (!tender?.cardLast4 || !/^\d{4}$/.test(tender.cardLast4))
        throw new WriteRefused('a card payment needs tender.cardLast4 (4 digits)');
      if (!tender.cardExpiry || !/^\d{4}-\d{2}$/.test(tender.cardExpiry))
        throw new WriteRefused('a card payment needs tender.cardExpiry (YYYY-MM)');
      ext.push(
        { url: url('financial-transaction-card-brand'), valueString: brand },
        { url: url('financial-transaction-account-number'), valueString: tender.cardLast4 },
        { url: url('financial-transaction-date'), valueString: tender.cardExpiry },
      );
    } else {
      if (!tender?.checkNumber || !/^\d+$/.test(tender.checkNumber))
        throw new WriteRefused('a check payment needs tender.checkNumber (digits)');
      if (!tender.checkDate || !/^\d{4}-\d{2}-\d{2}$/.test(tender.checkDate))
        throw new WriteRefused('a check payment needs tender.checkDate (YYYY-MM-DD)');
      ext.push(
        { url: url('financial-transaction-account-number'), valueString: tender.checkNumber },
        { url: url('financial-transaction-date'), valueString: tender.checkDate },
      );
    }
  }
  if (input.location) ext.push({ url: url('financial-transaction-location'), valueString: input.location });
  return {
    resourceType: 'Basic',
    code: { coding: [{ code: 'FinancialTransaction' }] },
    identifier: [{ use: 'usual', value: ftIdentifier(write.transactionId) }],
    extension: ext,
  };
}

/** The type of the write from the config lists, with the sign rule of adjustments. */
export function ftType(connection: FhirConnection, write: OutgoingLedgerWrite): FtInput['type'] {
  if (write.kind === 'PAYMENT') {
    const t = connection.paymentTypes?.find((x) => x.id === write.typeSourceId);
    if (!t?.alias || !t.method)
      throw new WriteRefused(`payment type "${write.typeSourceId}" is not in the practice's paymentTypes`);
    if (write.amount >= 0)
      throw new WriteRefused('a FinancialTransaction payment must lower the balance (refunds are not supported)');
    return { kind: 'payment', t };
  }
  const t = connection.adjustmentTypes?.find((x) => x.id === write.typeSourceId);
  if (!t?.alias) throw new WriteRefused(`adjustment type "${write.typeSourceId}" is not in the practice's adjustmentTypes`);
  if ((t.action === 'credit') !== write.amount < 0) {
    throw new WriteRefused(
      `adjustment type "${t.name}" is a ${t.action}; expected a ${t.action === 'credit' ? 'negative' : 'positive'} amount`,
    );
  }
  return { kind: 'adjustment', t };
}

/** The one allocation target: the charges' encounter, else the best guarantor-balance account. */
export function ftTarget(write: OutgoingLedgerWrite, ledger: OracleLedger): string {
  if (write.providerSplits?.length)
    throw new WriteRefused('a FinancialTransaction has one allocation: provider splits are not supported');
  if (write.chargeSplits?.length) {
    const encounters = new Set(write.chargeSplits.map((s) => ledger.encounterOfCharge.get(s.id) ?? `?${s.id}`));
    const [only] = [...encounters];
    if (encounters.size !== 1 || only!.startsWith('?')) {
      throw new WriteRefused(
        'a FinancialTransaction has one allocation: every charge split must be a charge of the same encounter',
      );
    }
    return `Encounter/${only}`;
  }
  const byStart = [...ledger.accounts].sort((a, b) => (a.servicePeriodStart ?? '').localeCompare(b.servicePeriodStart ?? ''));
  const target = byStart.find((a) => a.balance > 0) ?? byStart.at(-1);
  if (!target) throw new WriteRefused('the patient has no guarantor-balance account to allocate to');
  return `Account/${target.id}`;
}

export interface OracleWriteDeps {
  client: FhirClient;
  connection: FhirConnection;
  ledgerOf(patientId: string): Promise<OracleLedger>;
}

export async function submitOracleWrite(deps: OracleWriteDeps, write: OutgoingLedgerWrite): Promise<WriteOutcome> {
  let body: string;
  try {
    const type = ftType(deps.connection, write);
    const target = ftTarget(write, await deps.ledgerOf(write.patientSourceId));
    body = serializeFhir(
      financialTransactionBody({ write, type, target, tender: write.tender, location: deps.connection.ftLocation }),
    );
  } catch (err) {
    if (err instanceof WriteRefused) return { state: 'FAILED', reason: err.message };
    throw err;
  }
  let retried = false;
  let res: Awaited<ReturnType<FhirClient['post']>>;
  try {
    res = await deps.client.post('Basic', body);
  } catch (err) {
    // No answer: the outcome is unknown. Once more with the same identifier; Millennium refuses a
    // second FinancialTransaction under it (422 duplicate), which then means the first landed.
    if (!(err instanceof UpstreamError) || err.status !== null || err.code !== 'UPSTREAM_UNAVAILABLE') throw err;
    retried = true;
    res = await deps.client.post('Basic', body);
  }
  if (res.status === 201) {
    const location = res.header('location') ?? '';
    const sourceId = /\/Basic\/([^/]+)/.exec(location)?.[1] ?? null;
    return {
      state: 'COMPLETED',
      records: sourceId ? rowsOf(write, sourceId) : { payments: [], adjustments: [] },
      receiptId: sourceId,
    };
  }
  if (res.status === 422) {
    const outcome = outcomeOf(res.text);
    if (retried && outcome?.code === 'duplicate')
      return { state: 'COMPLETED', records: { payments: [], adjustments: [] }, receiptId: null };
    if (outcome?.code === 'duplicate') {
      throw new UpstreamError(
        `FHIR POST /Basic: ${outcome.diagnostics ?? 'duplicate identifier'}`,
        'UPSTREAM_REJECTED',
        422,
        '/Basic',
        'TRANSACTION_ID_USED',
      );
    }
    return { state: 'FAILED', reason: outcome?.diagnostics ?? 'the FHIR server refused the FinancialTransaction (HTTP 422)' };
  }
  throw deps.client.failure('POST', '/Basic', res);
}

function rowsOf(write: OutgoingLedgerWrite, sourceId: string): LedgerRecords {
  const common = {
    sourceId,
    patientSourceId: write.patientSourceId,
    providerSourceId: null,
    claimSourceId: null,
    transactionId: write.transactionId,
  };
  const chargeSourceId = write.chargeSplits?.length === 1 ? write.chargeSplits[0]!.id : null;
  if (write.kind === 'PAYMENT') {
    return {
      payments: [
        {
          ...common,
          chargeSourceId,
          paymentTypeSourceId: write.typeSourceId,
          amount: write.amount,
          paidAt: write.occurredAt,
          fromInsurance: false,
        },
      ],
      adjustments: [],
    };
  }
  return {
    payments: [],
    adjustments: [
      {
        ...common,
        chargeSourceId,
        adjustmentTypeSourceId: write.typeSourceId,
        typeName: null,
        amount: write.amount,
        adjustedAt: write.occurredAt,
        description: write.notes,
      },
    ],
  };
}
