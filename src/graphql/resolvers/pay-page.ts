/**
 * `Query.paymentPage(token)` and `Subscription.paymentPageChanged(token)`: the patient pay page's API
 * (README.md, "The patient payment page"). The token is the credential, checked by
 * `openPayPage` (src/flows/collection/pay-page-access.ts) with the same work for every token; these
 * resolvers need no practice of the caller's key, and callers without a key may run nothing else
 * (src/auth/pay-page-caller.ts).
 *
 * The subscription's iterator is hand-made for the reason given in ./subscription.ts (a generator's
 * `return()` waits for its pending `await`). Like `transactionStatusChanged`, it takes the bus
 * subscription first, then reads, so no change between the two is lost; it emits a page only when
 * it differs from the last one emitted, and ends once the posting is final.
 */
import { openPayPage, type PayPageCheckout } from '../../flows/collection/pay-page-access';
import type { StatusSubscription } from '../../transactions/status-bus';
import type { GatewayContext, GatewayServices } from '../context';
import type { Resolvers } from '../generated/resolvers-types';
import type { CheckoutStatus } from '../../flows/collection/checkout-store';
import type { TransactionStatus } from '../../transactions/types';

/** What `PaymentPage` resolves from: amounts in cents (the `Money` resolvers format them). */
export interface PageModel {
  practiceName: string;
  patientFirstName: string | null;
  amount: number;
  lines: Array<{ description: string; serviceDate: string | null; amount: number }>;
  status: CheckoutStatus;
  posting: TransactionStatus;
  checkoutUrl: string | null;
  expiresAt: string;
  paidAt: string | null;
}

/** The page a checkout shows: only the contract's fields (nothing that leads elsewhere). */
export function paymentPageOf(opened: PayPageCheckout, practiceName: string): PageModel {
  const { checkout, posting } = opened;
  return {
    practiceName,
    patientFirstName: checkout.patientFirstName,
    amount: checkout.total,
    lines: checkout.lines.map((line) => ({ description: line.description, serviceDate: line.serviceDate, amount: line.amount })),
    status: checkout.status,
    posting,
    checkoutUrl: checkout.status === 'OPEN' ? checkout.url : null,
    expiresAt: checkout.expiresAt,
    paidAt: checkout.paidAt,
  };
}

/** The page `token` opens, with the ids it belongs to (also the server-rendered page's source, src/web/route.ts). */
export async function readPaymentPage(
  services: GatewayServices,
  token: string,
): Promise<{ page: PageModel; practiceId: string; transactionId: string } | null> {
  const opened = await openPayPage(services.transactions.context.store.sql, token, services.transactions.context.now());
  if (!opened) return null;
  const practice = services.registry.get(opened.checkout.practiceId);
  // A practice removed from the config since: its checkouts' links open nothing.
  if (!practice) return null;
  return {
    page: paymentPageOf(opened, practice.name),
    practiceId: opened.checkout.practiceId,
    transactionId: opened.checkout.transactionId,
  };
}

const isFinal = (page: PageModel) => page.posting === 'COMPLETED' || page.posting === 'FAILED';

type Payload = { paymentPageChanged: PageModel | null };

function pageChanges(ctx: GatewayContext, token: string): AsyncIterableIterator<Payload> {
  let events: StatusSubscription | null = null;
  let last: string | null = null;
  let done = false;
  // First read: opens the token and, when it opens something, subscribes to that transaction
  // before reading it again (bus first, then the row: the order that loses nothing).
  const first = (async (): Promise<PageModel | null> => {
    const probe = await readPaymentPage(ctx.services, token);
    if (!probe) return null;
    events = ctx.services.bus.subscribe({ practiceId: probe.practiceId, transactionId: probe.transactionId });
    return (await readPaymentPage(ctx.services, token))?.page ?? null;
  })();
  first.catch(() => undefined); // surfaces at the first next()
  let started = false;

  const finish = async (): Promise<IteratorResult<Payload, undefined>> => {
    done = true;
    await events?.return();
    return { done: true, value: undefined };
  };

  const iterator: AsyncIterableIterator<Payload> = {
    async next() {
      if (done) return { done: true, value: undefined };
      if (!started) {
        started = true;
        const page = await first;
        if (!page) {
          // A wrong or expired token: one null, then the end (the same answer as the query's).
          done = true;
          await events?.return();
          return { done: false, value: { paymentPageChanged: null } };
        }
        last = JSON.stringify(page);
        if (isFinal(page)) done = true;
        if (done) await events?.return();
        return { done: false, value: { paymentPageChanged: page } };
      }
      for (;;) {
        const event = await events!.next();
        if (event.done || done) return finish();
        const read = await readPaymentPage(ctx.services, token);
        // Past its validity while watched: the link now opens nothing.
        if (!read) {
          await finish();
          return { done: false, value: { paymentPageChanged: null } };
        }
        const text = JSON.stringify(read.page);
        if (text === last) continue;
        last = text;
        if (isFinal(read.page)) {
          done = true;
          await events?.return();
        }
        return { done: false, value: { paymentPageChanged: read.page } };
      }
    },
    async return() {
      return finish();
    },
    [Symbol.asyncIterator]() {
      return iterator;
    },
  };
  return iterator;
}

export const payPageResolvers: Resolvers = {
  Query: {
    paymentPage: async (_root, { token }, ctx) => (await readPaymentPage(ctx.services, token))?.page ?? null,
  },
  Subscription: {
    paymentPageChanged: {
      subscribe: (_root, { token }, ctx) => pageChanges(ctx, token),
      resolve: (payload: Payload) => payload.paymentPageChanged,
    },
  },
};
