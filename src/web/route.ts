/**
 * `GET /pay/<token>`: the patient pay page, rendered on the server (./render.ts), and
 * `GET /pay/assets/pay-page.<hash>.js`: its script (./bundle.ts). No API key: the token is the
 * credential (src/flows/collection/pay-page-access.ts), and each page view takes one operation of
 * the client address's pay-page budget (`limits.payPageRequestsPerMinute`), like the API does.
 *
 * A wrong and an expired link get the same page (404, "not valid or has expired"). The headers keep
 * the token where it is: `Referrer-Policy: no-referrer` (the Pay link must not carry it to the
 * processor), `Cache-Control: no-store`, and a CSP allowing only the page's own script and socket.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { payPageCaller } from '../auth/pay-page-caller';
import type { GatewayServices } from '../graphql/context';
import { readPaymentPage } from '../graphql/resolvers/pay-page';
import { formatCents } from '../ledger/money';
import type { OperationGuard } from '../plugins/operation-guard';
import { payPageBundle } from './bundle';
import type { PaymentPageFieldsFragment } from './generated/graphql';
import { escapeHtml, renderPayPage } from './render';

export interface PayPageRouteDeps {
  services: GatewayServices;
  /** The operation guard: its per-key buckets hold the per-address budget. */
  guard: OperationGuard;
}

const PAGE_HEADERS = {
  'content-type': 'text/html; charset=utf-8',
  'cache-control': 'no-store',
  'referrer-policy': 'no-referrer',
  'x-content-type-options': 'nosniff',
  'content-security-policy':
    "default-src 'none'; script-src 'self'; style-src 'unsafe-inline'; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
};

/** Answers `/pay/…` and resolves true; false for any other path. */
export async function handlePayPageRoute(
  req: IncomingMessage,
  res: ServerResponse,
  path: string,
  deps: PayPageRouteDeps,
): Promise<boolean> {
  if (!path.startsWith('/pay/')) return false;
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.writeHead(405, { allow: 'GET, HEAD', 'content-type': 'text/plain; charset=utf-8' });
    res.end('expected GET');
    return true;
  }
  const rest = path.slice('/pay/'.length);
  if (rest.startsWith('assets/')) {
    const bundle = await payPageBundle();
    if (rest !== `assets/${bundle.name}`) return false;
    res.writeHead(200, {
      'content-type': 'text/javascript; charset=utf-8',
      'cache-control': 'public, max-age=31536000, immutable',
      'x-content-type-options': 'nosniff',
    });
    res.end(req.method === 'HEAD' ? undefined : bundle.code);
    return true;
  }
  const limits = deps.services.config.limits;
  const refused = deps.guard.admit(payPageCaller(req.socket.remoteAddress, limits.payPageRequestsPerMinute));
  if (refused) {
    const retryAfter = String((refused.extensions?.retryAfterSeconds as number | undefined) ?? 60);
    res.writeHead(429, { ...PAGE_HEADERS, 'retry-after': retryAfter });
    res.end(
      `<!doctype html><html lang="en"><title>Too many requests</title><main><h1>Too many requests</h1><p>Please try again in ${escapeHtml(retryAfter)} seconds.</p></main></html>`,
    );
    return true;
  }
  let token = '';
  try {
    token = decodeURIComponent(rest);
  } catch {
    // Not percent-decodable: looked up as it is, which finds nothing (the same answer as any wrong token).
    token = rest;
  }
  const read = await readPaymentPage(deps.services, token);
  const page: PaymentPageFieldsFragment | null = read
    ? {
        ...read.page,
        amount: money(read.page.amount, deps.services.config.currency),
        lines: read.page.lines.map((line) => ({ ...line, amount: money(line.amount, deps.services.config.currency) })),
      }
    : null;
  const bundle = await payPageBundle().catch(() => null);
  res.writeHead(page ? 200 : 404, PAGE_HEADERS);
  res.end(req.method === 'HEAD' ? undefined : renderPayPage(page, bundle ? { scriptUrl: `/pay/assets/${bundle.name}` } : {}));
  return true;
}

function money(cents: number, currency: string) {
  return { amount: formatCents(cents), currency };
}
