/**
 * Every realm's books and the writes on them: the API's creates, updates (`Id` + `SyncToken`),
 * `?operation=void` and `?operation=delete`, and the accountant's own actions in the QuickBooks
 * UI (edit an amount, touch, void, delete, merge customers), each of which changes `SyncToken` and
 * `LastUpdatedTime`, shows in change data capture and fires a webhook.
 *
 *     books.write('9130000000000001', 'SalesReceipt', body, null);   // create
 *     books.accountant.edit('9130000000000001', 'SalesReceipt', '145', { amountCents: 9_000 });
 *     books.accountant.void('9130000000000001', 'SalesReceipt', '145');
 */
import { jsonNumber } from '../shared/wire-money';
import type { SandboxClock } from './clock';
import { createCustomer, forUpdate, updateCustomer } from './customers';
import { type Body, readMoney } from './fields';
import type { SeededRealm } from './realms';
import { checkPeriod, createPayment, createSalesForm, releasePayment, type SalesFormType, wireLines } from './sales-forms';
import { type Change, type EntityType, RealmBooks, type StoredEntity } from './store';
import { businessValidation, companyInactive, objectNotFound, unsupportedOperation } from './wire';

const SALES_FORMS: ReadonlySet<EntityType> = new Set(['SalesReceipt', 'RefundReceipt', 'Invoice']);
const TRANSACTIONS: ReadonlySet<EntityType> = new Set(['SalesReceipt', 'RefundReceipt', 'Invoice', 'Payment']);

/** What the accountant may change on a transaction; absent fields stay. */
export interface AccountantEdit {
  /** The new amount of the transaction's (first) line, in cents; `TotalAmt` follows. */
  amountCents?: number;
  privateNote?: string;
  txnDate?: string;
}

export class QboBooks {
  private realms = new Map<string, RealmBooks>();

  constructor(
    private readonly seeds: readonly SeededRealm[],
    private readonly clock: SandboxClock,
    private readonly onChange: (change: Change) => void,
  ) {
    this.reset();
  }

  reset(): void {
    this.realms = new Map(this.seeds.map((s) => [s.realmId, new RealmBooks(s, () => this.clock.now(), this.onChange)]));
  }

  realm(realmId: string): RealmBooks | undefined {
    return this.realms.get(realmId);
  }

  /** The realm, or an error naming it (for knobs, whose callers passed a wrong id). */
  must(realmId: string): RealmBooks {
    const books = this.realms.get(realmId);
    if (!books) throw new Error(`no sandbox realm ${realmId}; seeded: ${[...this.realms.keys()].join(', ')}`);
    return books;
  }

  get realmIds(): string[] {
    return [...this.realms.keys()];
  }

  /** A live entity as the API reads it, or 610. */
  read(books: RealmBooks, type: EntityType, id: string): StoredEntity {
    const found = books.get(type, id);
    if (!found) throw objectNotFound(`${type} ${id}`);
    return found;
  }

  /** One API write: `POST /<entity>` with an optional `operation` (`update`, `void`, `delete`). */
  write(books: RealmBooks, type: EntityType, body: Body, operation: string | null): StoredEntity {
    if (!books.active) throw companyInactive(books.realmId);
    const now = this.clock.now();
    if (operation === 'delete' || operation === 'void') {
      if (!TRANSACTIONS.has(type)) throw unsupportedOperation(`${operation} on ${type}`);
      const stored = forUpdate(books, type, body);
      checkPeriod(books, String(stored.data.TxnDate));
      if (operation === 'void') return this.voidTransaction(books, stored);
      this.deleteTransaction(books, stored);
      return stored;
    }
    if (operation !== null && operation !== 'update') throw unsupportedOperation(`${operation} on ${type}`);
    if (body.Id !== undefined) {
      if (type === 'Customer') return updateCustomer(books, body);
      throw unsupportedOperation(`update of ${type} (the sandbox updates Customers only; transactions change by void/delete)`);
    }
    if (type === 'Customer') return createCustomer(books, body);
    if (SALES_FORMS.has(type)) return createSalesForm(books, type as SalesFormType, body, now);
    if (type === 'Payment') return createPayment(books, body, now);
    throw unsupportedOperation(`create of ${type}`);
  }

  /** A voided transaction stays, every amount 0.00, its note prefixed "Voided"; a payment frees its invoices. */
  private voidTransaction(books: RealmBooks, stored: StoredEntity): StoredEntity {
    if (stored.type === 'Payment') releasePayment(books, stored);
    const lines = ((stored.data.Line as Body[] | undefined) ?? [])
      .filter((l) => l.DetailType !== 'SubTotalLineDetail')
      .map((l) => {
        const detail = l.SalesItemLineDetail as Body | undefined;
        return detail ? { ...l, Amount: 0, SalesItemLineDetail: { ...detail, Qty: 0, UnitPrice: 0 } } : { ...l, Amount: 0 };
      });
    const note = stored.data.PrivateNote ? `Voided ${stored.data.PrivateNote}` : 'Voided';
    return books.update(
      stored,
      {
        ...stored.data,
        Line: SALES_FORMS.has(stored.type) ? wireLines(lines, 0) : lines,
        TotalAmt: 0,
        ...(stored.type === 'Payment' ? { UnappliedAmt: 0 } : { Balance: 0 }),
        PrivateNote: note,
      },
      'Void',
    );
  }

  private deleteTransaction(books: RealmBooks, stored: StoredEntity): void {
    if (stored.type === 'Payment') releasePayment(books, stored);
    books.remove(stored);
  }

  /** The accountant's actions in the QuickBooks UI: no auth, no company-status checks, every one announced. */
  readonly accountant = {
    /** Change a transaction's amount, note or date (`Update`). */
    edit: (realmId: string, type: EntityType, id: string, edit: AccountantEdit): StoredEntity => {
      const books = this.must(realmId);
      const stored = this.read(books, type, id);
      if (!TRANSACTIONS.has(type)) throw businessValidation(`the accountant edits transactions only, not ${type}`);
      const next: Body = { ...stored.data };
      if (edit.amountCents !== undefined) {
        if (!Number.isSafeInteger(edit.amountCents) || edit.amountCents < 0) {
          throw businessValidation(`amountCents must be a non-negative integer, got ${edit.amountCents}`);
        }
        const amount = jsonNumber(edit.amountCents);
        const lines = ((stored.data.Line as Body[] | undefined) ?? []).filter((l) => l.DetailType !== 'SubTotalLineDetail');
        const [first, ...rest] = lines;
        if (first) {
          const detail = first.SalesItemLineDetail as Body | undefined;
          const edited = {
            ...first,
            Amount: amount,
            ...(detail ? { SalesItemLineDetail: { ...detail, Qty: 1, UnitPrice: amount } } : {}),
          };
          const total = edit.amountCents + rest.reduce((sum, l) => sum + readMoney(l.Amount, 'Amount'), 0);
          next.Line = SALES_FORMS.has(type) ? wireLines([edited, ...rest], total) : [edited, ...rest];
          next.TotalAmt = jsonNumber(total);
          if (type === 'Invoice') {
            const paid = readMoney(stored.data.TotalAmt, 'TotalAmt') - readMoney(stored.data.Balance, 'Balance');
            next.Balance = jsonNumber(total - paid);
          }
        } else {
          next.TotalAmt = amount;
        }
      }
      if (edit.privateNote !== undefined) next.PrivateNote = edit.privateNote;
      if (edit.txnDate !== undefined) next.TxnDate = edit.txnDate;
      return books.update(stored, next);
    },
    /** Save an entity unchanged: `SyncToken` moves on (a client holding the old one gets 5010); `Update`. */
    touch: (realmId: string, type: EntityType, id: string): StoredEntity => {
      const books = this.must(realmId);
      const stored = this.read(books, type, id);
      return books.update(stored, { ...stored.data });
    },
    /** Void a transaction (`Void`); it stays with amounts 0.00. */
    void: (realmId: string, type: EntityType, id: string): StoredEntity => {
      const books = this.must(realmId);
      const stored = this.read(books, type, id);
      if (!TRANSACTIONS.has(type)) throw businessValidation(`only transactions can be voided, not ${type}`);
      return this.voidTransaction(books, stored);
    },
    /** Delete a transaction, or make a name-list entity inactive as QBO does (`Delete` / `Update`). */
    delete: (realmId: string, type: EntityType, id: string): StoredEntity => {
      const books = this.must(realmId);
      const stored = this.read(books, type, id);
      if (TRANSACTIONS.has(type)) {
        this.deleteTransaction(books, stored);
        return stored;
      }
      return books.update(stored, { ...stored.data, Active: false });
    },
    /** Merge customer `fromId` into `intoId`: the loser's transactions move, it disappears (`Merge`). */
    mergeCustomers: (realmId: string, fromId: string, intoId: string): StoredEntity => {
      const books = this.must(realmId);
      const loser = this.read(books, 'Customer', fromId);
      const survivor = this.read(books, 'Customer', intoId);
      if (loser === survivor) throw businessValidation('a customer cannot be merged into itself');
      for (const type of TRANSACTIONS) {
        for (const txn of books.list(type)) {
          if ((txn.data.CustomerRef as Body | undefined)?.value === fromId) {
            books.update(txn, { ...txn.data, CustomerRef: { value: intoId, name: String(survivor.data.DisplayName) } });
          }
        }
      }
      books.removeQuietly(loser);
      books.announceMerge('Customer', intoId, fromId);
      return survivor;
    },
  };
}
