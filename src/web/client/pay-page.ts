/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
/**
 * The pay page's script (bundled by ../bundle.ts with esbuild; no framework): keeps the status live.
 * The page is complete without it; this only updates `data-status`, the status line (an aria-live
 * region, so a screen reader hears "Paid — posted to your account") and the Pay link.
 *
 * Live: graphql-ws `paymentPageChanged(token)`, reconnecting with backoff when the socket drops.
 * Fallback: while the socket is not connected, `paymentPage(token)` over HTTP every `POLL_MS`.
 * Both stop once the state is final. The documents are the typed ones of ./documents.ts.
 */
import { createClient } from 'graphql-ws';
import type { PaymentPageFieldsFragment } from '../generated/graphql';
import { pageStatus, type PageState } from '../state';
import { PaymentPageChanged, PaymentPageQuery } from './documents';

/** How often the fallback poll asks while the websocket is down. */
const POLL_MS = 5_000;
const FINAL: ReadonlySet<PageState> = new Set(['posted', 'expired', 'canceled', 'failed', 'invalid']);

const main = document.getElementById('pay-page');
const token = decodeURIComponent(location.pathname.split('/').pop() ?? '');

function show(page: PaymentPageFieldsFragment | null): void {
  if (!main) return;
  const status = pageStatus(page);
  main.dataset.posting = page?.posting ?? '';
  if (main.dataset.status === status.state) return;
  main.dataset.status = status.state;
  const line = document.getElementById('status');
  if (line) line.textContent = status.message;
  const pay = document.getElementById('pay');
  if (pay) pay.hidden = !status.payable || !page?.checkoutUrl;
  if (FINAL.has(status.state)) stop();
}

let pollTimer: ReturnType<typeof setTimeout> | null = null;
let stopped = false;
let unsubscribe: (() => void) | null = null;

async function poll(): Promise<void> {
  pollTimer = null;
  if (stopped) return;
  try {
    const response = await fetch('/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: String(PaymentPageQuery), variables: { token } }),
    });
    const result = (await response.json()) as { data?: { paymentPage: PaymentPageFieldsFragment | null } };
    if (result.data) show(result.data.paymentPage);
  } catch {
    // Offline as well: the next poll tries again.
  }
  schedulePoll();
}

function schedulePoll(): void {
  if (!stopped && pollTimer === null && main?.dataset.live !== 'connected') pollTimer = setTimeout(poll, POLL_MS);
}

function stop(): void {
  stopped = true;
  if (pollTimer) clearTimeout(pollTimer);
  pollTimer = null;
  unsubscribe?.();
  unsubscribe = null;
}

function start(): void {
  if (!main || !token || FINAL.has(main.dataset.status as PageState)) return;
  const client = createClient({
    url: `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/graphql`,
    lazy: true,
    // Reconnect for as long as the page is open, backing off up to 30 s.
    retryAttempts: Number.POSITIVE_INFINITY,
    shouldRetry: () => true,
    retryWait: (retries) => new Promise((resolve) => setTimeout(resolve, Math.min(30_000, 1_000 * 2 ** retries))),
    on: {
      connected: () => {
        main.dataset.live = 'connected';
        if (pollTimer) clearTimeout(pollTimer);
        pollTimer = null;
      },
      closed: () => {
        main.dataset.live = 'disconnected';
        schedulePoll();
      },
    },
  });
  const subscribe = () => {
    unsubscribe = client.subscribe<{ paymentPageChanged: PaymentPageFieldsFragment | null }>(
      { query: String(PaymentPageChanged), variables: { token } },
      {
        next: (result) => {
          if (result.data) show(result.data.paymentPageChanged);
        },
        error: () => {
          // A refused operation (e.g. rate limited): poll, and subscribe again after a while.
          main.dataset.live = 'disconnected';
          schedulePoll();
          if (!stopped) setTimeout(subscribe, POLL_MS);
        },
        complete: () => undefined,
      },
    );
  };
  subscribe();
  // Until the socket is up, the poll covers it.
  schedulePoll();
  addEventListener('pagehide', () => client.dispose());
}

start();
