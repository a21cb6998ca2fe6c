/**
 * The HTTP plumbing the athenahealth sandbox's routes share: the error a route throws to answer with
 * a status (`HttpFailure`, built by `fail` in athenahealth's `{ error, detailedmessage }` shape), the
 * error texts athenahealth answers with, what a route returns, and small request readers (the body,
 * the form content type, integer query parameters).
 */
import type { IncomingMessage } from 'node:http';

export const ATHENA_PATIENT_NOT_FOUND = 'The specified patient does not exist in that department.';
export const ATHENA_INVALID_PRACTICE = 'Invalid practice.';
export const ATHENA_APPOINTMENT_NOT_FOUND = 'The specified appointment does not exist.';

export type RequestHeaders = IncomingMessage['headers'];

/** What a route answers: a status, a JSON body and extra headers. */
export interface RouteResult {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
}

/** Thrown by a route (or the router) to answer with this status, body and headers instead. */
export class HttpFailure extends Error {
  constructor(
    readonly status: number,
    readonly body: unknown,
    readonly headers: Record<string, string> = {},
  ) {
    super(`HTTP ${status}`);
  }
}

export const fail = (status: number, error: string, detailedmessage?: string): HttpFailure =>
  new HttpFailure(status, detailedmessage ? { error, detailedmessage } : { error });

export function isForm(headers: RequestHeaders): boolean {
  return /^application\/x-www-form-urlencoded\b/i.test(headers['content-type'] ?? '');
}

export function positiveInt(v: string | null): number | undefined {
  if (v === null || !/^\d+$/.test(v)) return undefined;
  const n = Number(v);
  return n > 0 ? n : undefined;
}

export function nonNegativeInt(v: string | null): number | undefined {
  if (v === null || !/^\d+$/.test(v)) return undefined;
  return Number(v);
}

export async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}
