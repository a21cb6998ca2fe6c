/**
 * The NexHealth response envelope, on every response (success and failure alike):
 *
 *     { code: boolean, description: string | string[] | null, error: string[], data: …, count?, page_info? }
 *
 * Handlers return an `Envelope` (with the HTTP status) or throw a `NexHttpError`; the server turns
 * either into JSON. Failures carry `code: false` and the HTTP status says which failure it is.
 */
import { decimalText } from '../shared/wire-money';
import type { Cents } from './types';

export interface PageInfo {
  has_previous_page: boolean;
  has_next_page: boolean;
  start_cursor: string | null;
  end_cursor: string | null;
}

export interface EnvelopeBody {
  code: boolean;
  description: string | string[] | null;
  error: string[];
  data: unknown;
  count?: number;
  page_info?: PageInfo;
}

/** A handler's answer: an HTTP status, a body, and optional extra headers. */
export interface Reply {
  status: number;
  body: EnvelopeBody;
  headers?: Record<string, string>;
}

/** A failure answer: `code: false`, the message in `description` and `error[]`. */
export class NexHttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = 'NexHttpError';
  }

  toReply(): Reply {
    return { status: this.status, body: failureBody(this.message), headers: this.headers };
  }
}

export function failureBody(message: string): EnvelopeBody {
  return { code: false, description: message, error: [message], data: null };
}

export function ok(data: unknown, status = 200, description: string | null = null): Reply {
  return { status, body: { code: true, description, error: [], data } };
}

/** A monetary field of a read: `{ amount: "62.00", currency: "USD" }`. */
export interface WireMoney {
  amount: string;
  currency: string;
}

export function money(cents: Cents): WireMoney {
  return { amount: decimalText(cents), currency: 'USD' };
}

export function moneyOrNull(cents: Cents | null): WireMoney | null {
  return cents === null ? null : money(cents);
}

export const badRequest = (message: string) => new NexHttpError(400, message);
export const notFound = (message = 'Not found') => new NexHttpError(404, message);
export const forbidden = (message: string) => new NexHttpError(403, message);
export const unauthorized = (message = 'Unauthorized') => new NexHttpError(401, message);
