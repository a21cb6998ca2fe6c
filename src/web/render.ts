/**
 * The pay page's HTML, rendered on the server so everything that matters (practice, first name,
 * amount, lines, status, the Pay link) is there with JavaScript off; the script (./client/pay-page.ts)
 * only keeps the status live. Semantic, small and self-contained: one inline stylesheet (no CDN),
 * `lang`, a landmark, a table with a caption and header cells for the lines, the status in a polite
 * live region, visible focus, and colours of at least 4.5:1 contrast (#1a1a1a on #fff, #fff on
 * #0b5cad, #0a5c2e / #8a1c1c on white). Readable from 320 px: one column, no fixed widths.
 */
import type { PaymentPageFieldsFragment } from './generated/graphql';
import { pageStatus } from './state';

export interface RenderOptions {
  /** The bundled script's URL (./bundle.ts); none: the page stays static. */
  scriptUrl?: string;
}

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ESCAPES[c]!);
}

/** "$125.00" for USD, else "125.00 EUR": the decimal string as the API gives it, never a float. */
export function formatAmount(money: { amount: string; currency: string }): string {
  return money.currency === 'USD' ? `$${money.amount}` : `${money.amount} ${money.currency}`;
}

const STYLE = `
:root{color-scheme:light}
*{box-sizing:border-box}
body{margin:0;font:1.0625rem/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1a1a1a;background:#f4f5f7}
main{max-width:36rem;margin:0 auto;padding:1rem;background:#fff;min-height:100vh}
h1{font-size:1.375rem;margin:.5rem 0 1rem}
.practice{margin:0;color:#3d3d3d;font-weight:600}
.amount{font-size:2rem;font-weight:700;margin:.25rem 0 1rem}
table{width:100%;border-collapse:collapse;margin:0 0 1.25rem}
caption{text-align:left;font-weight:600;padding-bottom:.25rem}
th,td{padding:.5rem .25rem;border-bottom:1px solid #c9ccd1;text-align:left;vertical-align:top}
td.num,th.num{text-align:right;white-space:nowrap}
.status{padding:.75rem 1rem;border-radius:.375rem;border:2px solid #5c6066;margin:0 0 1.25rem;font-weight:600}
[data-status=posted] .status,[data-status=paid] .status{border-color:#0a5c2e;color:#0a5c2e}
[data-status=expired] .status,[data-status=canceled] .status,[data-status=failed] .status,[data-status=invalid] .status{border-color:#8a1c1c;color:#8a1c1c}
.pay{display:block;text-align:center;padding:.875rem 1rem;border-radius:.375rem;background:#0b5cad;color:#fff;font-weight:700;text-decoration:none;font-size:1.125rem}
.pay:hover{background:#084a8c}
a:focus-visible{outline:3px solid #1a1a1a;outline-offset:3px}
.pay[hidden]{display:none}
.fine{color:#4a4d52;font-size:.9375rem}
`;

/** The whole page for `page` (`null`: a wrong or expired link, one answer for both). */
export function renderPayPage(page: PaymentPageFieldsFragment | null, options: RenderOptions = {}): string {
  const status = pageStatus(page);
  const script = options.scriptUrl ? `<script type="module" src="${escapeHtml(options.scriptUrl)}"></script>` : '';
  const title = page ? `Pay ${escapeHtml(page.practiceName)}` : 'Payment link';
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<meta name="robots" content="noindex">
<title>${title}</title>
<style>${STYLE}</style>
${script}
</head>
<body>
<main id="pay-page" data-status="${status.state}" data-posting="${page ? page.posting : ''}" aria-labelledby="heading">
${page ? body(page, status) : invalidBody(status.message)}
</main>
</body>
</html>
`;
}

function invalidBody(message: string): string {
  return `<h1 id="heading">Payment link</h1>
<p id="status" class="status" role="status" aria-live="polite">${escapeHtml(message)}</p>`;
}

function body(page: PaymentPageFieldsFragment, status: ReturnType<typeof pageStatus>): string {
  const greeting = page.patientFirstName ? `Hello ${escapeHtml(page.patientFirstName)}, here is your bill` : 'Your bill';
  const lines = page.lines
    .map(
      (line) =>
        `<tr><td>${escapeHtml(line.description)}${line.serviceDate ? `<br><span class="fine">${escapeHtml(line.serviceDate)}</span>` : ''}</td>` +
        `<td class="num">${escapeHtml(formatAmount(line.amount))}</td></tr>`,
    )
    .join('\n');
  const pay = page.checkoutUrl
    ? `<a id="pay" class="pay" href="${escapeHtml(page.checkoutUrl)}"${status.payable ? '' : ' hidden'}>Pay ${escapeHtml(formatAmount(page.amount))}</a>`
    : '<a id="pay" class="pay" hidden>Pay</a>';
  const expires = new Date(page.expiresAt);
  return `<p class="practice">${escapeHtml(page.practiceName)}</p>
<h1 id="heading">${greeting}</h1>
<p class="amount" id="amount"><span class="fine">Amount due</span><br>${escapeHtml(formatAmount(page.amount))}</p>
<table>
<caption>What this pays</caption>
<thead><tr><th scope="col">Item</th><th scope="col" class="num">Amount</th></tr></thead>
<tbody>
${lines}
</tbody>
</table>
<p id="status" class="status" role="status" aria-live="polite">${escapeHtml(status.message)}</p>
${pay}
<p class="fine">You pay on the card processor's secure page, then come back to this link to see your payment posted.
This link works until <time datetime="${escapeHtml(page.expiresAt)}">${escapeHtml(expires.toUTCString())}</time> for paying.</p>`;
}
