/**
 * What the pay page says, from what `paymentPage` answers: one function for the server's first
 * render and the browser's live updates, so both always show the same words for the same state.
 * `state` is the page's `data-status` (the browser tests wait on it).
 */
export type PageState = 'open' | 'paid' | 'posted' | 'expired' | 'canceled' | 'failed' | 'invalid';

export interface PageStatusInput {
  status: 'OPEN' | 'PAID' | 'EXPIRED' | 'CANCELED';
  posting: 'PENDING' | 'SUBMITTED' | 'COMPLETED' | 'FAILED';
}

export interface PageStatus {
  state: PageState;
  /** The status line, read out by screen readers when it changes (an aria-live region). */
  message: string;
  /** Whether the Pay link is offered. */
  payable: boolean;
}

export function pageStatus(page: PageStatusInput | null): PageStatus {
  if (!page) {
    return {
      state: 'invalid',
      message: 'This payment link is not valid or has expired. Please contact the practice for a new one.',
      payable: false,
    };
  }
  switch (page.status) {
    case 'OPEN':
      return {
        state: 'open',
        message: 'Ready to pay. If your card is declined, you can try again or use another card.',
        payable: true,
      };
    case 'PAID':
      if (page.posting === 'COMPLETED') return { state: 'posted', message: 'Paid — posted to your account', payable: false };
      return {
        state: 'paid',
        message: 'Paid — we are posting it to your account. This page updates by itself.',
        payable: false,
      };
    case 'EXPIRED':
      return {
        state: 'expired',
        message: 'This payment link has expired. Nothing was charged. Please contact the practice for a new one.',
        payable: false,
      };
    case 'CANCELED':
      return { state: 'canceled', message: 'This payment was canceled. Nothing was charged.', payable: false };
  }
  return { state: 'failed', message: 'This payment could not be completed. Nothing was charged.', payable: false };
}
