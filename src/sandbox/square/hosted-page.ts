/**
 * What `/pay/{link_id}` answers: the form (GET), or the outcome of paying with the posted card
 * (POST): a decline re-renders the form, a success redirects to `redirect_url` or shows the receipt,
 * a paid or deleted link is 410. The HTML itself: `pay-page.ts`.
 */
import { completeHtml, notFoundHtml, payPageHtml, unavailableHtml } from './pay-page';
import type { CardAttempt } from './records';
import type { SquareStore } from './store';

export interface HtmlReply {
  status: number;
  html: string;
  headers?: Record<string, string>;
}

const html = (status: number, text: string, headers?: Record<string, string>): HtmlReply => ({
  status,
  html: text,
  ...(headers ? { headers } : {}),
});

/** The page for one request (`form`: the posted fields, empty on GET). */
export function payPageReply(store: SquareStore, method: string, linkId: string, form: Record<string, string>): HtmlReply {
  const link = store.links.get(linkId);
  if (!link) return html(404, notFoundHtml());
  const order = store.orders.get(link.order_id)!;
  if (method === 'GET') {
    if (!store.payable(link)) return html(410, unavailableHtml());
    const prefill = link.pre_populated_data?.['buyer_email'];
    return html(
      200,
      payPageHtml({
        name: order.line_items[0]?.name ?? '',
        amount: order.total_money.amount,
        error: null,
        buyerEmail: typeof prefill === 'string' ? prefill : '',
      }),
    );
  }
  if (method !== 'POST') return html(405, notFoundHtml(), { allow: 'GET, POST' });
  const result = store.pay(linkId, cardFromForm(form))!;
  if (result.outcome === 'unavailable') return html(410, unavailableHtml());
  if (result.outcome === 'declined')
    return html(
      200,
      payPageHtml({
        name: order.line_items[0]?.name ?? '',
        amount: order.total_money.amount,
        error: 'Card declined.',
        buyerEmail: form['buyerEmail'],
      }),
    );
  if (result.redirectUrl) return html(303, '', { location: result.redirectUrl });
  return html(200, completeHtml(result.payment.amount_money.amount));
}

function cardFromForm(form: Record<string, string>): CardAttempt {
  return {
    card: form['cardNumber'] ?? '',
    cvv: form['cvv'],
    postalCode: form['postalCode'],
    expirationDate: form['expirationDate'] ?? '',
    buyerEmail: form['buyerEmail'],
  };
}
