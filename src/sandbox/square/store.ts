/**
 * The simulator's state and its decisions: payment links and their orders, payments made on the
 * hosted page, refunds and webhook subscriptions (the records themselves: `records.ts`; idempotency
 * keys: `idempotency.ts`; test cards: `cards.ts`). Everything the HTTP layer answers is rendered here
 * in Square's snake_case JSON (`*Json`). Events go to `emit`, which the webhook hub turns into signed
 * deliveries.
 */
import { randomBytes } from 'node:crypto';
import { decimalText } from '../shared/wire-money';
import { declineCode } from './cards';
import { invalid, notFound } from './errors';
import { IdempotencyKeys } from './idempotency';
import {
  type CardAttempt,
  type Emit,
  type LineItem,
  type Money,
  type Order,
  type Payment,
  type PaymentLink,
  type PayOutcome,
  type Refund,
  SQUARE_SELLERS,
  type Seller,
  type Subscription,
} from './records';

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
function randomId(length: number): string {
  const bytes = randomBytes(length);
  let out = '';
  for (const byte of bytes) out += ALPHABET[byte % ALPHABET.length];
  return out;
}

export class SquareStore {
  readonly links = new Map<string, PaymentLink>();
  readonly orders = new Map<string, Order>();
  readonly payments = new Map<string, Payment>();
  readonly refunds = new Map<string, Refund>();
  readonly subscriptions = new Map<string, Subscription>();
  private readonly idempotency: IdempotencyKeys;
  private readonly refundTimers = new Set<NodeJS.Timeout>();
  /** Refunds settle by themselves after `refundCompleteDelayMs` (else only through the settle control). */
  autoCompleteRefunds = true;
  /** Ids of every payment in the order it was created (for listing). */
  private readonly paymentOrder: string[] = [];

  constructor(
    readonly baseUrl: string,
    readonly now: () => number,
    private readonly emit: Emit,
    readonly refundCompleteDelayMs: number,
  ) {
    this.idempotency = new IdempotencyKeys(now);
  }

  iso(): string {
    return new Date(this.now()).toISOString();
  }

  sellerByToken(token: string): Seller | undefined {
    return SQUARE_SELLERS.find((s) => s.token === token);
  }

  reset(): void {
    this.links.clear();
    this.orders.clear();
    this.payments.clear();
    this.refunds.clear();
    this.subscriptions.clear();
    this.idempotency.clear();
    this.paymentOrder.length = 0;
    this.autoCompleteRefunds = true;
    this.close();
  }

  close(): void {
    for (const timer of this.refundTimers) clearTimeout(timer);
    this.refundTimers.clear();
  }

  // --- Idempotency ----------------------------------------------------------------------------

  /** `IdempotencyKeys.run`: the first successful answer again for the same key and body. */
  idempotent<T>(seller: Seller, endpoint: string, key: string | undefined, body: unknown, create: () => T): T {
    return this.idempotency.run(seller, endpoint, key, body, create);
  }

  // --- Payment links and orders ---------------------------------------------------------------

  createLink(
    seller: Seller,
    input: {
      name: string;
      lineItems: Array<{ name: string; quantity: string; base: Money }>;
      referenceId?: string;
      checkoutOptions?: Record<string, unknown>;
      prePopulatedData?: Record<string, unknown>;
      paymentNote?: string;
      description?: string;
    },
  ): { link: PaymentLink; order: Order } {
    const at = this.iso();
    const currency = input.lineItems[0]?.base.currency ?? 'USD';
    const lineItems: LineItem[] = input.lineItems.map((item) => ({
      uid: randomId(22),
      name: item.name,
      quantity: item.quantity,
      base_price_money: { ...item.base },
      total_money: { amount: item.base.amount * Number(item.quantity), currency: item.base.currency },
    }));
    const order: Order = {
      id: randomId(29),
      merchantId: seller.merchantId,
      location_id: seller.locationId,
      ...(input.referenceId !== undefined ? { reference_id: input.referenceId } : {}),
      line_items: lineItems,
      state: 'DRAFT',
      total_money: { amount: lineItems.reduce((sum, li) => sum + li.total_money.amount, 0), currency },
      tenders: [],
      created_at: at,
      updated_at: at,
      version: 1,
    };
    const id = randomId(16);
    const link: PaymentLink = {
      id,
      merchantId: seller.merchantId,
      version: 1,
      ...(input.description !== undefined ? { description: input.description } : {}),
      order_id: order.id,
      ...(input.checkoutOptions !== undefined ? { checkout_options: input.checkoutOptions } : {}),
      ...(input.prePopulatedData !== undefined ? { pre_populated_data: input.prePopulatedData } : {}),
      ...(input.paymentNote !== undefined ? { payment_note: input.paymentNote } : {}),
      url: `${this.baseUrl}/pay/${id}`,
      long_url: `${this.baseUrl}/pay/${id}?order=${order.id}`,
      created_at: at,
      deleted: false,
    };
    this.orders.set(order.id, order);
    this.links.set(id, link);
    return { link, order };
  }

  link(seller: Seller, id: string): PaymentLink {
    const link = this.links.get(id);
    if (!link || link.deleted || link.merchantId !== seller.merchantId) throw notFound(`Payment link ${id} not found.`);
    return link;
  }

  order(seller: Seller, id: string): Order {
    const order = this.orders.get(id);
    if (!order || order.merchantId !== seller.merchantId) throw notFound(`Order ${id} not found.`);
    return order;
  }

  /** Delete a link: its DRAFT order is canceled; a paid order stays as it is (no `cancelled_order_id`). */
  deleteLink(seller: Seller, id: string): { id: string; cancelled_order_id?: string } {
    const link = this.link(seller, id);
    link.deleted = true;
    const order = this.orders.get(link.order_id)!;
    if (order.state !== 'DRAFT') return { id };
    order.state = 'CANCELED';
    order.updated_at = this.iso();
    order.version++;
    return { id, cancelled_order_id: order.id };
  }

  /** Whether the hosted page still takes payments. */
  payable(link: PaymentLink): boolean {
    return !link.deleted && this.orders.get(link.order_id)?.state === 'DRAFT';
  }

  linkJson(link: PaymentLink): Record<string, unknown> {
    const { merchantId: _m, deleted: _d, ...json } = link;
    return json;
  }

  orderJson(order: Order): Record<string, unknown> {
    const paid = order.tenders.reduce((sum, t) => sum + t.amount_money.amount, 0);
    const { merchantId: _m, tenders, ...rest } = order;
    return {
      ...rest,
      ...(tenders.length ? { tenders } : {}),
      net_amount_due_money: { amount: Math.max(0, order.total_money.amount - paid), currency: order.total_money.currency },
    };
  }

  // --- The hosted page's payments -------------------------------------------------------------

  /** What paying the link with this card does (the form and the control endpoint both come here). */
  pay(linkId: string, attempt: CardAttempt): PayOutcome | null {
    const link = this.links.get(linkId);
    if (!link) return null;
    if (!this.payable(link)) return { outcome: 'unavailable' };
    const order = this.orders.get(link.order_id)!;
    const seller = SQUARE_SELLERS.find((s) => s.merchantId === link.merchantId)!;
    const number = attempt.card.replace(/\s+/g, '');
    const code = declineCode(number, attempt, this.now());
    const at = this.iso();
    const payment: Payment = {
      id: randomId(26),
      merchantId: seller.merchantId,
      status: code ? 'FAILED' : 'APPROVED',
      order_id: order.id,
      location_id: order.location_id,
      amount_money: { ...order.total_money },
      refunded: 0,
      ...(link.payment_note !== undefined ? { note: link.payment_note } : {}),
      ...(attempt.buyerEmail ? { buyer_email_address: attempt.buyerEmail } : {}),
      card_status: code ? 'FAILED' : 'AUTHORIZED',
      card_errors: code ? [{ category: 'PAYMENT_METHOD_ERROR', code, detail: 'Card declined.' }] : [],
      last_4: number.slice(-4),
      created_at: at,
      updated_at: at,
    };
    this.payments.set(payment.id, payment);
    this.paymentOrder.push(payment.id);
    this.emit(seller.merchantId, 'payment.created', 'payment', payment.id, { payment: this.paymentJson(payment) });
    if (code) return { outcome: 'declined', code, payment };

    payment.status = 'COMPLETED';
    payment.card_status = 'CAPTURED';
    payment.updated_at = this.iso();
    order.state = 'OPEN';
    order.tenders.push({
      id: randomId(26),
      location_id: order.location_id,
      payment_id: payment.id,
      amount_money: { ...payment.amount_money },
      type: 'CARD',
      created_at: payment.updated_at,
    });
    order.updated_at = payment.updated_at;
    order.version++;
    this.emit(seller.merchantId, 'payment.updated', 'payment', payment.id, { payment: this.paymentJson(payment) });
    this.emit(seller.merchantId, 'order.updated', 'order_updated', order.id, {
      order_updated: {
        order_id: order.id,
        location_id: order.location_id,
        state: order.state,
        version: order.version,
        updated_at: order.updated_at,
      },
    });
    const redirect = link.checkout_options?.['redirect_url'];
    return { outcome: 'paid', payment, redirectUrl: typeof redirect === 'string' ? redirect : null };
  }

  payment(seller: Seller, id: string): Payment {
    const payment = this.payments.get(id);
    if (!payment || payment.merchantId !== seller.merchantId) throw notFound(`Payment ${id} not found.`);
    return payment;
  }

  /** The seller's payments created in [begin, end), `DESC` (Square's default) or `ASC`. */
  listPayments(seller: Seller, beginMs: number, endMs: number, order: 'ASC' | 'DESC'): Payment[] {
    const list = this.paymentOrder
      .map((id) => this.payments.get(id)!)
      .filter((p) => p.merchantId === seller.merchantId)
      .filter((p) => {
        const created = Date.parse(p.created_at);
        return created >= beginMs && created < endMs;
      });
    return order === 'DESC' ? list.reverse() : list;
  }

  paymentJson(p: Payment): Record<string, unknown> {
    return {
      id: p.id,
      created_at: p.created_at,
      updated_at: p.updated_at,
      amount_money: { ...p.amount_money },
      total_money: { ...p.amount_money },
      approved_money: p.status === 'FAILED' ? { amount: 0, currency: p.amount_money.currency } : { ...p.amount_money },
      ...(p.refunded > 0 ? { refunded_money: { amount: p.refunded, currency: p.amount_money.currency } } : {}),
      ...(this.refundIds(p.id).length ? { refund_ids: this.refundIds(p.id) } : {}),
      status: p.status,
      source_type: 'CARD',
      card_details: {
        status: p.card_status,
        card: { card_brand: 'VISA', last_4: p.last_4 },
        entry_method: 'KEYED',
        ...(p.card_errors.length ? { errors: p.card_errors.map((e) => ({ ...e })) } : {}),
      },
      location_id: p.location_id,
      order_id: p.order_id,
      ...(p.note !== undefined ? { note: p.note } : {}),
      ...(p.buyer_email_address !== undefined ? { buyer_email_address: p.buyer_email_address } : {}),
      version_token: `v${Date.parse(p.updated_at)}`,
    };
  }

  private refundIds(paymentId: string): string[] {
    return [...this.refunds.values()].filter((r) => r.payment_id === paymentId).map((r) => r.id);
  }

  // --- Refunds --------------------------------------------------------------------------------

  /** What is left to refund: the amount less every refund not rejected or failed (pending ones count). */
  refundable(payment: Payment): number {
    let taken = 0;
    for (const r of this.refunds.values()) {
      if (r.payment_id === payment.id && (r.status === 'PENDING' || r.status === 'COMPLETED')) taken += r.amount_money.amount;
    }
    return payment.amount_money.amount - taken;
  }

  createRefund(seller: Seller, payment: Payment, amount: Money, reason: string | undefined): Refund {
    if (payment.status !== 'COMPLETED')
      throw invalid('PAYMENT_NOT_REFUNDABLE', `Payment ${payment.id} is ${payment.status} and cannot be refunded.`, 'payment_id');
    if (amount.currency !== payment.amount_money.currency)
      throw invalid('CURRENCY_MISMATCH', 'The refund currency differs from the payment currency.', 'amount_money.currency');
    const left = this.refundable(payment);
    if (amount.amount > left)
      throw invalid(
        'REFUND_AMOUNT_INVALID',
        `The requested refund amount exceeds the amount available to refund (${decimalText(left)}).`,
        'amount_money.amount',
      );
    const at = this.iso();
    const refund: Refund = {
      id: `${payment.id}_${randomId(20)}`,
      merchantId: seller.merchantId,
      status: 'PENDING',
      location_id: payment.location_id,
      payment_id: payment.id,
      order_id: payment.order_id,
      amount_money: { ...amount },
      ...(reason !== undefined ? { reason } : {}),
      created_at: at,
      updated_at: at,
    };
    this.refunds.set(refund.id, refund);
    this.emit(seller.merchantId, 'refund.created', 'refund', refund.id, { refund: this.refundJson(refund) });
    if (this.autoCompleteRefunds) {
      const timer = setTimeout(() => {
        this.refundTimers.delete(timer);
        if (refund.status === 'PENDING') this.settleRefund(refund.id, 'COMPLETED');
      }, this.refundCompleteDelayMs);
      this.refundTimers.add(timer);
    }
    return refund;
  }

  /** A pending refund becomes final; a completed one adds to the payment's `refunded_money`. */
  settleRefund(id: string, status: 'COMPLETED' | 'REJECTED' | 'FAILED'): Refund {
    const refund = this.refunds.get(id);
    if (!refund) throw notFound(`Refund ${id} not found.`);
    if (refund.status !== 'PENDING') throw invalid('BAD_REQUEST', `Refund ${id} is already ${refund.status}.`);
    refund.status = status;
    refund.updated_at = this.iso();
    if (status === 'COMPLETED') {
      const payment = this.payments.get(refund.payment_id)!;
      payment.refunded += refund.amount_money.amount;
      payment.updated_at = refund.updated_at;
    }
    this.emit(refund.merchantId, 'refund.updated', 'refund', refund.id, { refund: this.refundJson(refund) });
    return refund;
  }

  refund(seller: Seller, id: string): Refund {
    const refund = this.refunds.get(id);
    if (!refund || refund.merchantId !== seller.merchantId) throw notFound(`Refund ${id} not found.`);
    return refund;
  }

  refundJson(r: Refund): Record<string, unknown> {
    const { merchantId: _m, ...json } = r;
    return { ...json, amount_money: { ...r.amount_money } };
  }

  // --- Webhook subscriptions ------------------------------------------------------------------

  createSubscription(
    seller: Seller,
    input: { name?: string; eventTypes: string[]; notificationUrl: string; apiVersion?: string },
  ): Subscription {
    const at = this.iso();
    const subscription: Subscription = {
      id: `wbhk_${randomBytes(16).toString('hex')}`,
      merchantId: seller.merchantId,
      ...(input.name !== undefined ? { name: input.name } : {}),
      enabled: true,
      event_types: [...input.eventTypes],
      notification_url: input.notificationUrl,
      api_version: input.apiVersion ?? '2026-09-16',
      signature_key: randomBytes(17).toString('base64url').slice(0, 22),
      created_at: at,
      updated_at: at,
    };
    this.subscriptions.set(subscription.id, subscription);
    return subscription;
  }

  subscriptionJson(s: Subscription): Record<string, unknown> {
    const { merchantId: _m, ...json } = s;
    return { ...json, event_types: [...s.event_types] };
  }
}
