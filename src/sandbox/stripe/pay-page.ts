/**
 * The hosted payment page at `{sandbox}/c/pay/{session_id}`: plain HTML that works without
 * JavaScript, with the element ids of Stripe's real page (so one browser script drives both):
 * `#amount`, a `<form method="post">` with `email`, `cardNumber`, `cardExpiry`, `cardCvc`,
 * `billingName`, `billingCountry` (a select, `US` by default) and `billingPostalCode`, the submit
 * button `.SubmitButton[data-testid=hosted-payment-submit-button]`, `#cancel-link`, and on a
 * decline `<div id="card-errors" role="alert">`.
 */
import type { Session } from './sim';

const escapeHtml = (text: string): string =>
  text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c);

export function formatAmount(cents: number, currency: string): string {
  const value = (cents / 100).toFixed(2).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return currency === 'usd' ? `$${value}` : `${value} ${currency.toUpperCase()}`;
}

export interface PageValues {
  email?: string;
  billingName?: string;
  billingCountry?: string;
  billingPostalCode?: string;
}

export function payPage(session: Session, values: PageValues = {}, cardError: string | null = null): string {
  const email = values.email ?? session.customer_email ?? '';
  const country = values.billingCountry ?? 'US';
  const countries = ['US', 'CA', 'GB', 'MX']
    .map((c) => `<option value="${c}"${c === country ? ' selected' : ''}>${c}</option>`)
    .join('');
  const cancel = session.cancel_url ? `<p><a id="cancel-link" href="${escapeHtml(session.cancel_url)}">Back</a></p>` : '';
  const error = cardError ? `<div id="card-errors" role="alert">${escapeHtml(cardError)}</div>` : '';
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Pay ${escapeHtml(session.lineItemName)}</title></head>
<body>
<h1>${escapeHtml(session.lineItemName)}</h1>
<p>Amount due: <span id="amount">${formatAmount(session.amount_total, session.currency)}</span></p>
${cancel}
${error}
<form method="post">
  <label for="email">Email</label> <input id="email" name="email" type="email" value="${escapeHtml(email)}">
  <label for="cardNumber">Card number</label> <input id="cardNumber" name="cardNumber" inputmode="numeric" autocomplete="cc-number" required>
  <label for="cardExpiry">Expiration (MM / YY)</label> <input id="cardExpiry" name="cardExpiry" autocomplete="cc-exp" placeholder="MM / YY" required>
  <label for="cardCvc">CVC</label> <input id="cardCvc" name="cardCvc" autocomplete="cc-csc" required>
  <label for="billingName">Name on card</label> <input id="billingName" name="billingName" value="${escapeHtml(values.billingName ?? '')}">
  <label for="billingCountry">Country</label> <select id="billingCountry" name="billingCountry">${countries}</select>
  <label for="billingPostalCode">ZIP</label> <input id="billingPostalCode" name="billingPostalCode" value="${escapeHtml(values.billingPostalCode ?? '')}">
  <button type="submit" class="SubmitButton" data-testid="hosted-payment-submit-button">Pay</button>
</form>
</body></html>
`;
}

export function closedPage(session: Session): string {
  const why =
    session.status === 'complete' ? 'This checkout session has already been paid.' : 'This checkout session has expired.';
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Checkout closed</title></head>
<body><p id="session-closed" data-status="${session.status}">${why}</p></body></html>
`;
}
