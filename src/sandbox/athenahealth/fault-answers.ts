/**
 * How the sandbox answers in place of a route when a fault fires (see `faults.ts` for which rules
 * fire): the status, headers and body of each answering kind, including the non-JSON ones (HTML 502,
 * plain-text 503, truncated JSON) and a dropped socket. `latency` is not answered here: the server
 * waits and goes on.
 */
import type { ServerResponse } from 'node:http';
import type { RequestLogEntry } from './context';
import type { FaultRule } from './faults';

/** Write one answer and record its status in the request log; `raw` sends `body` as HTML text. */
export type Send = (status: number, body: unknown, headers?: Record<string, string>, raw?: boolean) => void;

/** Answer `rule` on `res`; `false` when the kind is not an answering one. */
export function answerFault(rule: FaultRule, send: Send, res: ServerResponse, entry: RequestLogEntry): boolean {
  switch (rule.kind) {
    case '429':
      send(429, { error: 'Too many requests' }, { 'retry-after': String(rule.retryAfterSeconds ?? 1) });
      return true;
    case '500':
      send(500, { error: 'Internal Server Error', detailedmessage: 'An unexpected error occurred (sandbox fault).' });
      return true;
    case '502':
      send(502, '<html><body><h1>502 Bad Gateway</h1></body></html>', {}, true);
      return true;
    case '503':
      entry.status = 503;
      res.writeHead(503, { 'content-type': 'text/plain' });
      res.end('Service Unavailable');
      return true;
    case '400':
      send(400, { error: 'Invalid parameter.', detailedmessage: 'The request was rejected (sandbox fault).' });
      return true;
    case '401':
      send(401, { error: 'Invalid or expired access token' });
      return true;
    case 'malformed':
      entry.status = 200;
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('[{"patientid": "50');
      return true;
    case 'reset':
      res.socket?.destroy();
      return true;
    default:
      return false;
  }
}
