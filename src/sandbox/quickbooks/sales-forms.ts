/**
 * Sales-form writes: SalesReceipt, RefundReceipt and Invoice (lines of `SalesItemLineDetail` whose
 * `Amount` must equal `Qty × UnitPrice` → else 6070; references to live entities → else 610/2500;
 * a closed period → 6210), and Payment applied to invoices (`Line.Amount` ≤ the invoice's
 * `Balance` → else 6000). Answers carry `TotalAmt`, `Balance`, `DocNumber` and the `Line[]` QBO
 * returns, with its `SubTotalLineDetail` line appended. Amounts are integer cents inside, dollars
 * (JSON numbers) on the wire.
 */
import { jsonNumber, sumCents } from '../shared/wire-money';
import { type Body, companyToday, isObject, readDate, readMoney, readQtyHundredths, readRef, readText, refOf } from './fields';
import type { EntityType, RealmBooks, StoredEntity } from './store';
import {
  amountMismatch,
  businessValidation,
  duplicateDocNumber,
  invalidProperty,
  periodClosed,
  requiredParamMissing,
} from './wire';

export type SalesFormType = 'SalesReceipt' | 'RefundReceipt' | 'Invoice';

interface ItemLine {
  amount: number;
  wire: Body;
}

/** The item lines of a sales form, checked; other `DetailType`s (a sent subtotal) are dropped. */
function readLines(books: RealmBooks, body: Body): ItemLine[] {
  const lines = body.Line;
  if (!Array.isArray(lines) || lines.length === 0) throw requiredParamMissing('Line');
  const out: ItemLine[] = [];
  for (const [index, line] of lines.entries()) {
    if (!isObject(line)) throw invalidProperty(`Line[${index}]`, 'must be an object');
    if (line.DetailType === 'SubTotalLineDetail') continue;
    if (line.DetailType !== 'SalesItemLineDetail') {
      throw invalidProperty(`Line[${index}].DetailType`, `expected SalesItemLineDetail, got ${JSON.stringify(line.DetailType)}`);
    }
    if (line.Amount === undefined) throw requiredParamMissing('Line.Amount');
    const amount = readMoney(line.Amount, 'Line.Amount');
    if (amount < 0) throw businessValidation(`Line.Amount must not be negative, got ${line.Amount}`, 'Line.Amount');
    const detail = isObject(line.SalesItemLineDetail) ? line.SalesItemLineDetail : {};
    const item = readRef(books, detail, 'ItemRef', 'Item', true)!;
    const wireDetail: Body = { ItemRef: refOf(item) };
    if (detail.Qty !== undefined || detail.UnitPrice !== undefined) {
      const qty = detail.Qty === undefined ? 100 : readQtyHundredths(detail.Qty, 'Line.SalesItemLineDetail.Qty');
      const unit = detail.UnitPrice === undefined ? amount : readMoney(detail.UnitPrice, 'Line.SalesItemLineDetail.UnitPrice');
      // Exact in integers: qty in hundredths × unit price in cents = amount in cents × 100.
      if (qty * unit !== amount * 100) {
        throw amountMismatch(
          `Amount is not equal to UnitPrice * Qty. Supplied value:${line.Amount} (Qty ${detail.Qty ?? 1} × UnitPrice ${detail.UnitPrice ?? line.Amount})`,
        );
      }
      wireDetail.Qty = jsonNumber(qty);
      wireDetail.UnitPrice = jsonNumber(unit);
    }
    wireDetail.TaxCodeRef = { value: 'NON' };
    const wire: Body = {
      Id: String(out.length + 1),
      LineNum: out.length + 1,
      Amount: jsonNumber(amount),
      DetailType: 'SalesItemLineDetail',
    };
    const description = readText(line, 'Description', 4000);
    if (description !== undefined) wire.Description = description;
    wire.SalesItemLineDetail = wireDetail;
    out.push({ amount, wire });
  }
  if (out.length === 0) throw requiredParamMissing('Line');
  return out;
}

function checkPeriod(books: RealmBooks, txnDate: string): void {
  if (books.closingDate !== null && txnDate <= books.closingDate) throw periodClosed(txnDate, books.closingDate);
}

function checkDocNumber(books: RealmBooks, type: EntityType, docNumber: string | undefined, selfId: string | null): void {
  if (docNumber === undefined) return;
  if (books.list(type).some((e) => e.data.DocNumber === docNumber && e.data.Id !== selfId)) throw duplicateDocNumber(docNumber);
}

/** `Line[]` as answered: the item lines, then QBO's subtotal line. */
export function wireLines(lines: Body[], total: number): Body[] {
  return [...lines, { Amount: jsonNumber(total), DetailType: 'SubTotalLineDetail', SubTotalLineDetail: {} }];
}

export function createSalesForm(books: RealmBooks, type: SalesFormType, body: Body, now: number): StoredEntity {
  const lines = readLines(books, body);
  const customer = readRef(books, body, 'CustomerRef', 'Customer', type === 'Invoice');
  const deposit = type === 'Invoice' ? null : readRef(books, body, 'DepositToAccountRef', 'Account', type === 'RefundReceipt');
  const method = type === 'Invoice' ? null : readRef(books, body, 'PaymentMethodRef', 'PaymentMethod', false);
  const txnDate = readDate(body, 'TxnDate', companyToday(now));
  checkPeriod(books, txnDate);
  const docNumber = readText(body, 'DocNumber', 21);
  checkDocNumber(books, type, docNumber, null);
  const total = sumCents(lines.map((l) => l.amount));
  const fields: Body = {
    DocNumber: docNumber ?? books.docNumber(),
    TxnDate: txnDate,
    CurrencyRef: { value: 'USD', name: 'United States Dollar' },
    Line: wireLines(
      lines.map((l) => l.wire),
      total,
    ),
    TotalAmt: jsonNumber(total),
    Balance: jsonNumber(type === 'Invoice' ? total : 0),
  };
  if (customer) fields.CustomerRef = refOf(customer);
  if (deposit) fields.DepositToAccountRef = refOf(deposit);
  if (method) fields.PaymentMethodRef = refOf(method);
  const refNum = type === 'Invoice' ? undefined : readText(body, 'PaymentRefNum', 21);
  if (refNum !== undefined) fields.PaymentRefNum = refNum;
  const note = readText(body, 'PrivateNote', 4000);
  if (note !== undefined) fields.PrivateNote = note;
  if (type === 'Invoice') {
    fields.DueDate = readDate(body, 'DueDate', txnDate);
    if (isObject(body.BillEmail)) fields.BillEmail = body.BillEmail;
  }
  return books.create(type, fields);
}

export function createPayment(books: RealmBooks, body: Body, now: number): StoredEntity {
  const customer = readRef(books, body, 'CustomerRef', 'Customer', true)!;
  if (body.TotalAmt === undefined) throw requiredParamMissing('TotalAmt');
  const total = readMoney(body.TotalAmt, 'TotalAmt');
  const deposit = readRef(books, body, 'DepositToAccountRef', 'Account', false);
  const method = readRef(books, body, 'PaymentMethodRef', 'PaymentMethod', false);
  const txnDate = readDate(body, 'TxnDate', companyToday(now));
  checkPeriod(books, txnDate);
  const rawLines = body.Line === undefined ? [] : body.Line;
  if (!Array.isArray(rawLines)) throw invalidProperty('Line', 'must be an array');
  const applied: Array<{ invoice: StoredEntity; amount: number; wire: Body }> = [];
  for (const [index, line] of rawLines.entries()) {
    if (!isObject(line) || !Array.isArray(line.LinkedTxn) || line.LinkedTxn.length !== 1) {
      throw invalidProperty(`Line[${index}].LinkedTxn`, 'must link exactly one invoice');
    }
    const link = line.LinkedTxn[0] as Body;
    if (link.TxnType !== 'Invoice')
      throw invalidProperty('LinkedTxn.TxnType', `expected Invoice, got ${JSON.stringify(link.TxnType)}`);
    const invoice = readRef(books, { LinkedTxn: { value: link.TxnId } }, 'LinkedTxn', 'Invoice', true)!;
    if ((invoice.data.CustomerRef as Body | undefined)?.value !== customer.data.Id) {
      throw businessValidation(`Invoice ${invoice.data.Id} belongs to another customer`, 'LinkedTxn');
    }
    const amount = readMoney(line.Amount, 'Line.Amount');
    const balance =
      readMoney(invoice.data.Balance, 'Balance') - sumCents(applied.filter((a) => a.invoice === invoice).map((a) => a.amount));
    if (amount <= 0 || amount > balance) {
      throw businessValidation(
        `Line.Amount ${line.Amount} must be above 0 and at most the balance ${jsonNumber(balance)} of invoice ${invoice.data.Id}`,
        'Line.Amount',
      );
    }
    applied.push({
      invoice,
      amount,
      wire: { Amount: jsonNumber(amount), LinkedTxn: [{ TxnId: String(invoice.data.Id), TxnType: 'Invoice' }] },
    });
  }
  const appliedTotal = sumCents(applied.map((a) => a.amount));
  if (appliedTotal > total) {
    throw businessValidation(
      `TotalAmt ${body.TotalAmt} is less than the lines applied (${jsonNumber(appliedTotal)})`,
      'TotalAmt',
    );
  }
  const fields: Body = {
    CustomerRef: refOf(customer),
    TxnDate: txnDate,
    CurrencyRef: { value: 'USD', name: 'United States Dollar' },
    TotalAmt: jsonNumber(total),
    UnappliedAmt: jsonNumber(total - appliedTotal),
    Line: applied.map((a) => a.wire),
  };
  if (deposit) fields.DepositToAccountRef = refOf(deposit);
  if (method) fields.PaymentMethodRef = refOf(method);
  const refNum = readText(body, 'PaymentRefNum', 21);
  if (refNum !== undefined) fields.PaymentRefNum = refNum;
  const note = readText(body, 'PrivateNote', 4000);
  if (note !== undefined) fields.PrivateNote = note;
  const payment = books.create('Payment', fields);
  for (const { invoice, amount } of applied) adjustInvoiceBalance(books, invoice, -amount);
  return payment;
}

/** Apply (negative) or release (positive) part of an invoice's balance; the invoice changes (`Update`). */
export function adjustInvoiceBalance(books: RealmBooks, invoice: StoredEntity, deltaCents: number): void {
  const balance = readMoney(invoice.data.Balance, 'Balance') + deltaCents;
  books.update(invoice, { ...invoice.data, Balance: jsonNumber(balance) });
}

/** A Payment's applied lines give their amounts back to their invoices (its void or delete). */
export function releasePayment(books: RealmBooks, payment: StoredEntity): void {
  for (const line of (payment.data.Line as Body[] | undefined) ?? []) {
    const link = (line.LinkedTxn as Body[] | undefined)?.[0];
    const invoice = link ? books.get('Invoice', String(link.TxnId)) : undefined;
    if (invoice) adjustInvoiceBalance(books, invoice, readMoney(line.Amount, 'Line.Amount'));
  }
}

export { checkPeriod };
