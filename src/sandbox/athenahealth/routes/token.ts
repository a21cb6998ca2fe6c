/**
 * OAuth for the athenahealth sandbox: `POST /oauth2/v1/token` (client credentials over HTTP Basic, a
 * form with the one scope the spec requires, a rolling per-minute limit on new tokens answered with
 * 429 and `Retry-After`), and the bearer check every `/v1/…` route passes first.
 */
import { randomBytes } from 'node:crypto';
import type { SandboxContext } from '../context';
import { fail, HttpFailure, isForm, type RequestHeaders, type RouteResult } from '../http';

/** The OAuth scope the token endpoint requires (spec). */
export const ATHENA_TOKEN_SCOPE = 'athena/service/Athenanet.MDP.*';

export function issueToken(ctx: SandboxContext, headers: RequestHeaders, body: string): RouteResult {
  const auth = headers.authorization ?? '';
  const basic = /^Basic\s+(.+)$/i.exec(auth);
  const decoded = basic ? Buffer.from(basic[1]!, 'base64').toString('utf8') : '';
  const sep = decoded.indexOf(':');
  const id = sep >= 0 ? decoded.slice(0, sep) : '';
  const secret = sep >= 0 ? decoded.slice(sep + 1) : '';
  if (!basic || id !== ctx.clientId || secret !== ctx.clientSecret) {
    throw new HttpFailure(401, { error: 'invalid_client', detailedmessage: 'Client authentication failed.' });
  }
  if (!isForm(headers)) throw fail(400, 'invalid_request', 'Expected application/x-www-form-urlencoded.');
  const form = new URLSearchParams(body);
  if (form.get('grant_type') !== 'client_credentials') throw fail(400, 'unsupported_grant_type');
  if (form.get('scope') !== ATHENA_TOKEN_SCOPE) throw fail(400, 'invalid_scope');
  const t = ctx.now().getTime();
  ctx.tokenIssueTimes = ctx.tokenIssueTimes.filter((at) => at > t - 60_000);
  if (ctx.tokenIssueTimes.length >= ctx.tokenRequestsPerMinute) {
    const retryAfter = Math.max(1, Math.ceil((ctx.tokenIssueTimes[0]! + 60_000 - t) / 1000));
    throw new HttpFailure(429, { error: 'Too many token requests.' }, { 'retry-after': String(retryAfter) });
  }
  ctx.tokenIssueTimes.push(t);
  const accessToken = randomBytes(18).toString('hex');
  ctx.tokens.set(accessToken, t + ctx.tokenTtlSeconds * 1000);
  // expires_in as a string, like the real API: loose types on purpose.
  return { status: 200, body: { access_token: accessToken, expires_in: String(ctx.tokenTtlSeconds), token_type: 'Bearer' } };
}

/** Throws 401 unless the request carries a live bearer token issued by this sandbox. */
export function authorize(ctx: SandboxContext, headers: RequestHeaders): void {
  const m = /^Bearer\s+(.+)$/i.exec(headers.authorization ?? '');
  const expiry = m ? ctx.tokens.get(m[1]!.trim()) : undefined;
  if (expiry === undefined || expiry <= ctx.now().getTime()) {
    throw fail(401, 'Invalid or expired access token');
  }
}
