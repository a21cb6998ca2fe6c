/**
 * The QuickBooks Online accounting adapter (`accounting/port.ts`): customers, SalesReceipts and
 * RefundReceipts, live reads by id, change data capture and webhooks. What each method sends is
 * in `README.md` here.
 *
 *     const books = createQuickbooksAdapter(connection, { refreshTokens });
 *     const customer = await books.ensureCustomer({ … });
 *     const booked = await books.bookEntry({ kind: 'SALE', … });
 */
import type { z } from 'zod';
import { MoneyError, isCents, wireNumberOf } from '../../../ledger/money';
import { UpstreamError } from '../../ledger/port';
import type {
  AccountingAdapter,
  AccountingAdapterOptions,
  AccountingCapabilities,
  AccountingChanges,
  AccountingRefusal,
  BookedEntryRecord,
  CustomerInput,
  CustomerRecord,
  EntryBooking,
  EntryKind,
  EntryRef,
} from '../port';
import { QuickbooksTokens } from './auth';
import { type QboAnswer, type QboCall, QuickbooksClient, QUICKBOOKS_DEFAULTS } from './client';
import type { QuickbooksConnection } from './connection';
import {
  DISPLAY_NAME_MAX,
  displayNameOf,
  ENTITY_OF_KIND,
  entryRecordOf,
  inputRefusal,
  PAYMENT_REF_NUM_MAX,
  privateNoteOf,
  queryLiteral,
  REQUEST_ID_MAX,
  refusalOf,
  requestIdOf,
} from './mapping';
import {
  cdcResponseSchema,
  customerResponseSchema,
  customerSchema,
  type QboCustomer,
  type QboReceipt,
  queryResponseSchema,
  isDeleted,
  receiptSchema,
  refundReceiptResponseSchema,
  salesReceiptResponseSchema,
} from './schemas';
import { verifyQuickbooksWebhook } from './webhooks';

export const quickbooksCapabilities: AccountingCapabilities = {
  changeDataCapture: true,
  changeDataCaptureDays: 30,
  webhooks: true,
  webhookRegistration: false,
  refundReceipts: true,
};

/** Ids per `in (…)` query of `entries`: one query per kind per this many refs. */
const IDS_PER_QUERY = 100;

const DAY_MS = 86_400_000;

/** An inner step's answer: a value, or the books' refusal (which ends the method with it). */
type Outcome<T> = { ok: true; value: T } | { ok: false; refusal: AccountingRefusal };

const refused = (refusal: AccountingRefusal) => ({ ok: false as const, refusal });

export function createQuickbooksAdapter(
  connection: QuickbooksConnection,
  options: AccountingAdapterOptions = {},
): AccountingAdapter {
  const tokens = new QuickbooksTokens(connection, {
    timeoutMs: options.timeoutMs ?? QUICKBOOKS_DEFAULTS.timeoutMs,
    maxRetries: options.maxRetries ?? QUICKBOOKS_DEFAULTS.maxRetries,
    retryBaseDelayMs: options.retryBaseDelayMs ?? QUICKBOOKS_DEFAULTS.retryBaseDelayMs,
    refreshTokens: options.refreshTokens,
    upstreamBudget: options.upstreamBudget,
    onUpstreamCall: options.onUpstreamCall,
  });
  const client = new QuickbooksClient(connection, tokens, options);

  /** A call whose 2xx answer is parsed with `schema`; a fault is a refusal. */
  async function ask<S extends z.ZodType>(call: QboCall, schema: S): Promise<Outcome<z.output<S>>> {
    const answer: QboAnswer = await client.call(call);
    if (!answer.ok) return refused(refusalOf(answer.fault, answer.status));
    const parsed = schema.safeParse(answer.body);
    if (!parsed.success) {
      const where = parsed.error.issues
        .slice(0, 3)
        .map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`)
        .join('; ');
      throw new UpstreamError(
        `QuickBooks answered ${call.method} ${call.template} in an unexpected shape (${where})`,
        'UPSTREAM_UNAVAILABLE',
        answer.status,
        call.template,
      );
    }
    return { ok: true, value: parsed.data };
  }

  /** A read that must succeed (reconciliation): a fault is an `UpstreamError` of its own. */
  async function read<S extends z.ZodType>(call: QboCall, schema: S): Promise<z.output<S>> {
    const outcome = await ask(call, schema);
    if (outcome.ok) return outcome.value;
    throw new UpstreamError(outcome.refusal.reason, 'UPSTREAM_REJECTED', null, `${call.method} ${call.template}`);
  }

  const customerQuery = queryResponseSchema('Customer', customerSchema);

  async function findCustomer(displayName: string): Promise<Outcome<QboCustomer | null>> {
    // Name-list queries answer active rows only unless asked: inactive ones are found and reactivated.
    const query = `select * from Customer where DisplayName = ${queryLiteral(displayName)} and Active in (true, false)`;
    const found = await ask({ method: 'GET', path: '/query', query: { query }, template: '/query', write: false }, customerQuery);
    if (!found.ok) return found;
    return { ok: true, value: found.value.QueryResponse.Customer?.[0] ?? null };
  }

  async function readCustomer(id: string): Promise<Outcome<QboCustomer | null>> {
    const answer = await client.call({
      method: 'GET',
      path: `/customer/${encodeURIComponent(id)}`,
      template: '/customer/{id}',
      write: false,
    });
    if (!answer.ok) {
      // An id that no longer exists (610 Object Not Found, or a 404) falls back to the search.
      if (answer.status === 404 || answer.fault.errors.some((e) => e.code === '610')) return { ok: true, value: null };
      return refused(refusalOf(answer.fault, answer.status));
    }
    const parsed = customerResponseSchema.safeParse(answer.body);
    if (!parsed.success)
      throw new UpstreamError(
        'QuickBooks answered GET /customer/{id} without a Customer',
        'UPSTREAM_UNAVAILABLE',
        200,
        '/customer/{id}',
      );
    return { ok: true, value: parsed.data.Customer };
  }

  /** Sparse update `Active: true`; a stale `SyncToken` (5010) re-reads and tries once more. */
  async function reactivate(customer: QboCustomer): Promise<Outcome<QboCustomer>> {
    let current = customer;
    for (let attempt = 1; ; attempt++) {
      const answer = await client.call({
        method: 'POST',
        path: '/customer',
        json: { Id: current.Id, SyncToken: current.SyncToken, sparse: true, Active: true },
        template: '/customer',
        write: true,
      });
      if (answer.ok) {
        const parsed = customerResponseSchema.safeParse(answer.body);
        if (!parsed.success)
          throw new UpstreamError(
            'QuickBooks answered a customer update without a Customer',
            'UPSTREAM_UNAVAILABLE',
            200,
            '/customer',
          );
        return { ok: true, value: parsed.data.Customer };
      }
      const stale = answer.fault.errors.some((e) => e.code === '5010');
      if (!stale || attempt > 1) return refused(refusalOf(answer.fault, answer.status));
      const fresh = await readCustomer(current.Id);
      if (!fresh.ok) return fresh;
      if (!fresh.value) return refused(refusalOf(answer.fault, answer.status));
      if (fresh.value.Active !== false) return { ok: true, value: fresh.value };
      current = fresh.value;
    }
  }

  async function active(customer: QboCustomer, created: boolean) {
    const record = (c: QboCustomer): CustomerRecord => ({ id: c.Id, displayName: c.DisplayName, active: c.Active !== false });
    if (customer.Active !== false) return { state: 'OK' as const, customer: record(customer), created };
    const updated = await reactivate(customer);
    return updated.ok ? { state: 'OK' as const, customer: record(updated.value), created } : updated.refusal;
  }

  return {
    system: 'quickbooks',
    companyId: connection.realmId,
    capabilities: quickbooksCapabilities,

    async connect() {
      await tokens.accessToken();
      const answer = await client.call({
        method: 'GET',
        path: '/query',
        query: { query: 'select count(*) from Customer' },
        template: '/query',
        write: false,
      });
      if (!answer.ok) {
        throw new UpstreamError(
          `QuickBooks refused the connection check: ${refusalOf(answer.fault, answer.status).reason}`,
          'UPSTREAM_REJECTED',
          answer.status,
          'GET /query',
        );
      }
    },

    async ensureCustomer(input: CustomerInput) {
      const requestId = requestIdOf(input.idempotencyKey, 'Customer');
      if (requestId.length > REQUEST_ID_MAX) {
        return inputRefusal(
          `expected an idempotency key of at most ${REQUEST_ID_MAX - 9} characters, got ${input.idempotencyKey.length}`,
        );
      }
      const displayName = displayNameOf(input);
      if (displayName.length > DISPLAY_NAME_MAX) return inputRefusal('expected a guarantor id short enough for a display name');
      if (input.knownCustomerId) {
        const known = await readCustomer(input.knownCustomerId);
        if (!known.ok) return known.refusal;
        if (known.value) return active(known.value, false);
      }
      const found = await findCustomer(displayName);
      if (!found.ok) return found.refusal;
      if (found.value) return active(found.value, false);
      const body: Record<string, unknown> = {
        DisplayName: displayName,
        GivenName: input.firstName.slice(0, 100),
        FamilyName: input.lastName.slice(0, 100),
      };
      if (input.email) body.PrimaryEmailAddr = { Address: input.email };
      if (input.phone) body.PrimaryPhone = { FreeFormNumber: input.phone };
      const created = await client.call({
        method: 'POST',
        path: '/customer',
        query: { requestid: requestId },
        json: body,
        template: '/customer',
        write: true,
      });
      if (created.ok) {
        const parsed = customerResponseSchema.safeParse(created.body);
        if (!parsed.success)
          throw new UpstreamError(
            'QuickBooks answered a customer create without a Customer',
            'UPSTREAM_UNAVAILABLE',
            200,
            '/customer',
          );
        return active(parsed.data.Customer, true);
      }
      // 6240: the name is taken (by a customer made meanwhile, or a vendor/employee): find it again.
      if (created.fault.errors.some((e) => e.code === '6240')) {
        const again = await findCustomer(displayName);
        if (!again.ok) return again.refusal;
        if (again.value) return active(again.value, false);
      }
      return refusalOf(created.fault, created.status);
    },

    async bookEntry(booking: EntryBooking) {
      const entity = ENTITY_OF_KIND[booking.kind];
      const requestId = requestIdOf(booking.idempotencyKey, entity);
      if (requestId.length > REQUEST_ID_MAX) {
        return inputRefusal(
          `expected an idempotency key of at most ${REQUEST_ID_MAX - entity.length - 1} characters, got ${booking.idempotencyKey.length}`,
        );
      }
      if (booking.transactionId.length > PAYMENT_REF_NUM_MAX) {
        return inputRefusal(
          `expected a transaction id of at most ${PAYMENT_REF_NUM_MAX} characters (PaymentRefNum), got ${booking.transactionId.length}`,
        );
      }
      if (!isCents(booking.amount) || booking.amount <= 0) {
        return inputRefusal(`expected a positive amount in whole cents, got ${booking.amount}`);
      }
      let dollars: number;
      try {
        dollars = wireNumberOf(booking.amount);
      } catch (error) {
        if (error instanceof MoneyError) return inputRefusal(error.message);
        throw error;
      }
      const body: Record<string, unknown> = {
        CustomerRef: { value: booking.customerId },
        TxnDate: booking.date,
        Line: [
          {
            Amount: dollars,
            DetailType: 'SalesItemLineDetail',
            Description: booking.description,
            SalesItemLineDetail: { ItemRef: { value: booking.itemId }, Qty: 1, UnitPrice: dollars },
          },
        ],
        DepositToAccountRef: { value: booking.depositAccountId },
        PaymentRefNum: booking.transactionId,
        PrivateNote: privateNoteOf(booking),
      };
      if (booking.paymentMethodId) body.PaymentMethodRef = { value: booking.paymentMethodId };
      const path = `/${entity.toLowerCase()}`;
      const call: QboCall = { method: 'POST', path, query: { requestid: requestId }, json: body, template: path, write: true };
      const answer =
        booking.kind === 'SALE'
          ? await ask(
              call,
              salesReceiptResponseSchema.transform((r) => r.SalesReceipt),
            )
          : await ask(
              call,
              refundReceiptResponseSchema.transform((r) => r.RefundReceipt),
            );
      if (!answer.ok) return answer.refusal;
      const receipt = answer.value;
      return { state: 'BOOKED' as const, entry: entryRecordOf(booking.kind, receipt) };
    },

    async entries(refs: readonly EntryRef[]) {
      const results: Array<BookedEntryRecord | null | Error> = refs.map(() => null);
      const chunks: Array<{ kind: EntryKind; indexes: number[] }> = [];
      for (const kind of ['SALE', 'REFUND'] as const) {
        const indexes = refs.flatMap((ref, i) => (ref.kind === kind ? [i] : []));
        for (let i = 0; i < indexes.length; i += IDS_PER_QUERY)
          chunks.push({ kind, indexes: indexes.slice(i, i + IDS_PER_QUERY) });
      }
      await Promise.all(
        chunks.map(async ({ kind, indexes }) => {
          const entity = ENTITY_OF_KIND[kind];
          const ids = [...new Set(indexes.map((i) => refs[i]!.id))];
          const query = `select * from ${entity} where Id in (${ids.map(queryLiteral).join(', ')}) maxresults 1000`;
          try {
            const answer = await read(
              { method: 'GET', path: '/query', query: { query }, template: '/query', write: false },
              queryResponseSchema(entity, receiptSchema),
            );
            // Parsed with `receiptSchema` above; the computed key loses the type.
            const rows = (answer.QueryResponse[entity] ?? []) as QboReceipt[];
            const byId = new Map(rows.map((r) => [r.Id, r]));
            for (const i of indexes) {
              const found = byId.get(refs[i]!.id);
              results[i] = found ? entryRecordOf(kind, found) : null;
            }
          } catch (error) {
            for (const i of indexes) results[i] = error instanceof Error ? error : new Error(String(error));
          }
        }),
      );
      return results;
    },

    async changesSince(since: string): Promise<AccountingChanges> {
      const at = Date.parse(since);
      if (Number.isNaN(at)) throw new RangeError(`expected an ISO 8601 time for changesSince, got "${since}"`);
      if (Date.now() - at > 30 * DAY_MS) throw new RangeError(`expected a changesSince at most 30 days back, got ${since}`);
      const answer = await read(
        {
          method: 'GET',
          path: '/cdc',
          query: { entities: 'SalesReceipt,RefundReceipt', changedSince: new Date(at).toISOString() },
          template: '/cdc',
          write: false,
        },
        cdcResponseSchema,
      );
      const changes: AccountingChanges = { entries: [], deleted: [], asOf: answer.time };
      for (const group of answer.CDCResponse[0]?.QueryResponse ?? []) {
        for (const kind of ['SALE', 'REFUND'] as const) {
          for (const receipt of group[ENTITY_OF_KIND[kind]] ?? []) {
            if (isDeleted(receipt)) changes.deleted.push({ kind, id: receipt.Id });
            else changes.entries.push(entryRecordOf(kind, receipt));
          }
        }
      }
      return changes;
    },

    verifyWebhook(delivery) {
      return verifyQuickbooksWebhook(connection.verifierToken ?? null, delivery);
    },

    async close() {
      await client.close();
    },
  };
}
