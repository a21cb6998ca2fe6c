/**
 * The hosted payment page at `payment_link.url` (`/pay/{link_id}`): plain HTML that works without
 * JavaScript. The amount is in `#amount`; the form posts `buyerEmail`, `cardNumber`, `expirationDate`
 * (`MM/YY`), `cvv` and `postalCode` (each input's `id` equals its `name`) with `#pay-button`.
 * A decline re-renders the form with `#payment-error`; a paid or deleted link shows
 * `#link-unavailable` (HTTP 410); a success answers 303 to `redirect_url` unchanged, or shows
 * `#payment-complete` when the link has none.
 */
import { decimalText } from '../shared/wire-money';

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function page(title: string, body: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title></head>
<body>
${body}
</body></html>
`;
}

export function payPageHtml(input: { name: string; amount: number; error: string | null; buyerEmail?: string }): string {
  const error = input.error ? `<div id="payment-error" role="alert">${escapeHtml(input.error)}</div>\n` : '';
  return page(
    `Pay ${input.name}`,
    `<h1 id="item-name">${escapeHtml(input.name)}</h1>
<p>Amount due: <span id="amount">$${decimalText(input.amount)}</span></p>
${error}<form method="post">
  <label for="buyerEmail">Email</label> <input id="buyerEmail" name="buyerEmail" type="email" value="${escapeHtml(input.buyerEmail ?? '')}">
  <label for="cardNumber">Card number</label> <input id="cardNumber" name="cardNumber" inputmode="numeric" autocomplete="cc-number">
  <label for="expirationDate">Expiration (MM/YY)</label> <input id="expirationDate" name="expirationDate" placeholder="MM/YY" autocomplete="cc-exp">
  <label for="cvv">CVV</label> <input id="cvv" name="cvv" inputmode="numeric" autocomplete="cc-csc">
  <label for="postalCode">Postal code</label> <input id="postalCode" name="postalCode" autocomplete="postal-code">
  <button id="pay-button" type="submit">Pay $${decimalText(input.amount)}</button>
</form>`,
  );
}

export function completeHtml(amount: number): string {
  return page('Payment complete', `<div id="payment-complete">Payment of $${decimalText(amount)} complete. Thank you.</div>`);
}

export function unavailableHtml(): string {
  return page('Link unavailable', '<div id="link-unavailable">This payment link is no longer available.</div>');
}

export function notFoundHtml(): string {
  return page('Not found', '<div id="not-found">No such payment link.</div>');
}
