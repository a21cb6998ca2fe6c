/**
 * The records the Square simulator keeps, in Square's own field names (snake_case) plus the
 * `merchantId` each belongs to, which the `*Json` renderers in `store.ts` leave out: sellers, orders,
 * payment links, payments, refunds and webhook subscriptions, and what a card attempt on the hosted
 * page carries.
 */

export interface Seller {
  token: string;
  merchantId: string;
  locationId: string;
}

/** The sandbox's sellers: one access token, merchant and location each. */
export const SQUARE_SELLERS: readonly Seller[] = [
  { token: 'EAAAsandbox_smile_dental', merchantId: 'MSANDBOXSMILE', locationId: 'LSANDBOXSMILE' },
  { token: 'EAAAsandbox_northside', merchantId: 'MSANDBOXNORTH', locationId: 'LSANDBOXNORTH' },
];

export interface Money {
  amount: number;
  currency: string;
}

export interface LineItem {
  uid: string;
  name: string;
  quantity: string;
  base_price_money: Money;
  total_money: Money;
}

export interface Tender {
  id: string;
  location_id: string;
  payment_id: string;
  amount_money: Money;
  type: 'CARD';
  created_at: string;
}

export interface Order {
  id: string;
  merchantId: string;
  location_id: string;
  reference_id?: string;
  line_items: LineItem[];
  state: 'DRAFT' | 'OPEN' | 'COMPLETED' | 'CANCELED';
  total_money: Money;
  tenders: Tender[];
  created_at: string;
  updated_at: string;
  version: number;
}

export interface PaymentLink {
  id: string;
  merchantId: string;
  version: number;
  description?: string;
  order_id: string;
  checkout_options?: Record<string, unknown>;
  pre_populated_data?: Record<string, unknown>;
  payment_note?: string;
  url: string;
  long_url: string;
  created_at: string;
  deleted: boolean;
}

export interface Payment {
  id: string;
  merchantId: string;
  status: 'APPROVED' | 'PENDING' | 'COMPLETED' | 'CANCELED' | 'FAILED';
  order_id: string;
  location_id: string;
  amount_money: Money;
  /** Completed refunds, in cents. */
  refunded: number;
  note?: string;
  buyer_email_address?: string;
  card_status: 'AUTHORIZED' | 'CAPTURED' | 'VOIDED' | 'FAILED';
  card_errors: Array<{ category: string; code: string; detail: string }>;
  last_4: string;
  created_at: string;
  updated_at: string;
}

export interface Refund {
  id: string;
  merchantId: string;
  status: 'PENDING' | 'COMPLETED' | 'REJECTED' | 'FAILED';
  location_id: string;
  payment_id: string;
  order_id: string;
  amount_money: Money;
  reason?: string;
  created_at: string;
  updated_at: string;
}

export interface Subscription {
  id: string;
  merchantId: string;
  name?: string;
  enabled: boolean;
  event_types: string[];
  notification_url: string;
  api_version: string;
  signature_key: string;
  created_at: string;
  updated_at: string;
}

export interface CardAttempt {
  card: string;
  cvv?: string;
  postalCode?: string;
  /** `MM/YY`; absent from the control endpoint means "a valid one". */
  expirationDate?: string;
  buyerEmail?: string;
}

export type PayOutcome =
  | { outcome: 'unavailable' }
  | { outcome: 'declined'; code: string; payment: Payment }
  | { outcome: 'paid'; payment: Payment; redirectUrl: string | null };

/** What the webhook hub needs to know of an event. */
export type Emit = (merchantId: string, type: string, dataType: string, id: string, object: Record<string, unknown>) => void;
