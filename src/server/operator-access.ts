/**
 * Who may read what only an operator should see: `/metrics` (each practice's volume) and the
 * detailed `/readyz` (each practice's connection health and its last upstream error). On the main
 * port that is a request bearing an API key for every practice (`"practices": ["*"]`) or the
 * configured `server.metricsToken`; on the `server.metricsBind` listener, anyone who can reach it
 * (it binds to loopback unless told otherwise). Everyone else gets the status alone.
 *
 *     const isOperator = operatorAccess(keys, config.server.metricsToken);
 *     if (!isOperator(req)) return json(res, 401, …);
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { ApiKeyRing } from '../auth/api-keys';

const digest = (value: string) => createHash('sha256').update(value, 'utf8').digest();

/** A check of `Authorization: Bearer …`: an all-practices API key, or `token` (compared in constant time). */
export function operatorAccess(keys: ApiKeyRing, token?: string): (req: IncomingMessage) => boolean {
  const tokenDigest = token === undefined ? undefined : digest(token);
  return (req) => {
    const header = req.headers.authorization;
    if (keys.authenticate(header)?.practices === '*') return true;
    if (!tokenDigest || typeof header !== 'string') return false;
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
    return match !== null && timingSafeEqual(digest(match[1]!), tokenDigest);
  };
}
