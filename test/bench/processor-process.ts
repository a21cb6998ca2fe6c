/**
 * Child process of the bench's collection part (collection-latency.ts): the Stripe and Square
 * sandboxes, so the processors' pay pages and webhook senders do not share the gateway's event loop
 * (as sandbox-process.ts keeps the ledgers out of it). Driven over IPC (every message carries a `seq`,
 * echoed in its answer):
 *
 *   ← { type: 'ready', stripeUrl, squareUrl }
 *   → { type: 'pay', processor: 'stripe'|'square', page }   ← { mark }  (pays the checkout; `mark`: the deliveries before it)
 *   → { type: 'paidSentAt', processor, mark }                ← { at }    (once idle: `Date.now()` when the first "paid" delivery of that payment was sent)
 *   → { type: 'close' }
 *
 * A "paid" delivery is one the gateway posts on: Stripe's `checkout.session.completed` and
 * `payment_intent.succeeded`, Square's `payment.updated` with a COMPLETED payment. Both sandboxes stamp
 * an attempt with `Date.now()` as it starts (the Stripe sandbox's clock is never advanced here), the
 * clock the NexHealth sandbox stamps arrivals with in its own process.
 */
import { startSquareSandbox } from '../../src/sandbox/square';
import { startStripeSandbox } from '../../src/sandbox/stripe';

const stripe = await startStripeSandbox({ port: 0 });
const square = await startSquareSandbox({ port: 0 });

type Message = { seq: number; type: string; processor?: 'stripe' | 'square'; page?: string; mark?: number };

const STRIPE_PAID = new Set(['checkout.session.completed', 'payment_intent.succeeded']);

function firstSent(attempts: ReadonlyArray<{ at: number }>): number {
  return attempts.length > 0 ? Math.min(...attempts.map((a) => a.at)) : Number.POSITIVE_INFINITY;
}

async function answer(msg: Message): Promise<Record<string, unknown>> {
  switch (msg.type) {
    case 'pay': {
      const page = String(msg.page);
      if (msg.processor === 'square') {
        const mark = square.webhooks.deliveries.length;
        const outcome = square.pay(page, { card: '4111 1111 1111 1111', cvv: '111', postalCode: '12345' });
        if (outcome?.outcome !== 'paid')
          throw new Error(`expected the Square payment to succeed, got ${JSON.stringify(outcome)}`);
        return { mark };
      }
      const found = stripe.sim.findSession(page);
      if (!found) throw new Error(`no Stripe checkout session ${page}`);
      const mark = stripe.webhooks.deliveries.length;
      const outcome = stripe.sim.pay(found.account, found.session, { card: { number: '4242424242424242' } }, null);
      if (outcome.kind !== 'succeeded') throw new Error(`expected the Stripe payment to succeed, got ${outcome.kind}`);
      return { mark };
    }
    case 'paidSentAt': {
      const mark = Number(msg.mark);
      if (msg.processor === 'square') {
        await square.webhooks.idle();
        const paid = square.webhooks.deliveries
          .slice(mark)
          .filter((d) => d.type === 'payment.updated' && JSON.parse(d.rawBody).data?.object?.payment?.status === 'COMPLETED');
        return { at: Math.min(...paid.map((d) => firstSent(d.attempts))) };
      }
      await stripe.webhooks.idle();
      const paid = stripe.webhooks.deliveries.slice(mark).filter((d) => STRIPE_PAID.has(d.eventType));
      return { at: Math.min(...paid.map((d) => firstSent(d.attempts))) };
    }
    case 'close':
      await Promise.all([stripe.close(), square.close()]);
      return {};
    default:
      throw new Error(`processor-process: unknown message type ${JSON.stringify(msg.type)}`);
  }
}

// Never outlive the bench: if it dies, its IPC channel closes.
process.on('disconnect', () => process.exit(0));

process.on('message', (msg: Message) => {
  answer(msg).then(
    (body) => {
      process.send!({ seq: msg.seq, ok: true, ...body });
      if (msg.type === 'close') process.disconnect();
    },
    (error: unknown) => process.send!({ seq: msg.seq, ok: false, error: error instanceof Error ? error.message : String(error) }),
  );
});

process.send!({ type: 'ready', stripeUrl: stripe.url, squareUrl: square.url });
