/**
 * The FHIR REST interactions past auth: instance reads, searches (and their follow-up pages), the
 * generic batch Bundle, and creates dispatched to the write handlers. Batch entries go through the
 * same read and search code as single requests, so an entry answers exactly what its GET would.
 */
import type { IssuedToken, TokenAuthority } from './auth';
import type { MountState, SandboxSettings } from './context';
import { createFinancialTransaction } from './financial-transaction';
import { badRequest, FhirHttpError, forbidden, notFound, type Reply } from './outcome';
import { createPaymentReconciliation } from './payment-reconciliation';
import { requestedCount, runSearch } from './search';

const MAX_BATCH_ENTRIES = 50;
const TYPE = /^[A-Z][A-Za-z]+$/;
const ID = /^[A-Za-z0-9\-.]{1,64}$/;

export interface RestRequest {
  method: string;
  /** Path below the service root, without leading `/` (`Patient/p1`, `ChargeItem`, ``). */
  relative: string;
  params: URLSearchParams;
  /** The full URL as received, for `link[self]`. */
  selfUrl: string;
  headers: Record<string, string | undefined>;
  body: unknown;
}

export function handleRest(
  state: MountState,
  auth: TokenAuthority,
  token: IssuedToken,
  settings: SandboxSettings,
  req: RestRequest,
): Reply {
  const { mount } = state;
  const segments = req.relative === '' ? [] : req.relative.split('/');
  if (req.method === 'GET') return read(state, auth, token, req.relative, req.params, req.selfUrl);
  if (req.method !== 'POST') throw new FhirHttpError(405, `${req.method} is not supported here`);
  if (mount.writes.length === 0) throw forbidden(`this ${mount.profile} server accepts no writes`);
  if (segments.length === 0) return batch(state, auth, token, settings, req.body);
  const type = segments[0] ?? '';
  if (segments.length !== 1 || !mount.writes.includes(type))
    throw badRequest(`create of ${req.relative} is not supported by this server`);
  if (type === 'Basic') {
    auth.require(token, 'Basic', 'write');
    auth.require(token, 'FinancialTransaction', 'write');
    return createFinancialTransaction(state, settings, req.body);
  }
  auth.require(token, type, 'write');
  return createPaymentReconciliation(state, req.body, req.headers);
}

/** A GET below the service root: a follow-up page, an instance read, or a search. */
function read(
  state: MountState,
  auth: TokenAuthority,
  token: IssuedToken,
  relative: string,
  params: URLSearchParams,
  selfUrl: string,
): Reply {
  const { mount, store, pager, baseUrl } = state;
  const segments = relative === '' ? [] : relative.split('/');
  const page = pager.continuation(baseUrl, params, selfUrl);
  if (page !== null) return { status: 200, body: page };
  const type = segments[0] ?? '';
  if (!TYPE.test(type)) throw notFound(`no resource type in ${relative || '/'}`);
  if (segments.length === 2) {
    const id = segments[1] ?? '';
    if (type === 'Basic' && mount.writes.includes('Basic'))
      throw notFound(`Basic/${id}: FinancialTransactions cannot be read back`);
    if (!mount.instanceReads.includes(type)) throw badRequest(`read of ${type} is not supported by this server`);
    auth.require(token, type, 'read');
    const resource = ID.test(id) ? store.get(type, id) : undefined;
    if (!resource) throw notFound(`${type}/${id} not found`);
    return { status: 200, body: resource, headers: { ETag: 'W/"0"' } };
  }
  if (segments.length !== 1) throw badRequest(`${relative} is not a supported interaction`);
  if (!mount.searches[type])
    throw badRequest(`no supported search parameters provided: ${type} search is not supported by this server`);
  auth.require(token, type, 'read');
  const matches = runSearch(mount, store, type, params);
  return {
    status: 200,
    body: pager.first(baseUrl, type, params, matches, requestedCount(params) ?? mount.defaultPageSizes?.[type] ?? null),
  };
}

interface BatchEntry {
  request?: { method?: unknown; url?: unknown };
}

/** `POST {base}` with a batch Bundle: each GET entry answered in request order (generic only). */
function batch(state: MountState, auth: TokenAuthority, token: IssuedToken, settings: SandboxSettings, body: unknown): Reply {
  if (!state.mount.batch || !settings.batchEnabled) throw badRequest('batch is not supported by this server');
  const bundle = body as { resourceType?: unknown; type?: unknown; entry?: unknown } | undefined;
  if (bundle?.resourceType !== 'Bundle' || bundle.type !== 'batch')
    throw badRequest(
      `POST to the service root takes a Bundle of type batch, got ${String(bundle?.resourceType)}/${String(bundle?.type)}`,
    );
  const entries = Array.isArray(bundle.entry) ? (bundle.entry as BatchEntry[]) : [];
  if (entries.length > MAX_BATCH_ENTRIES)
    throw badRequest(`a batch holds at most ${MAX_BATCH_ENTRIES} entries, got ${entries.length}`);
  const answered = entries.map((entry) => {
    const method = entry.request?.method;
    const url = entry.request?.url;
    let reply: Reply;
    try {
      if (method !== 'GET') throw badRequest(`batch entries must be GET, got ${String(method)}`);
      if (typeof url !== 'string' || url.startsWith('/') || /^[a-z]+:/i.test(url))
        throw badRequest(`batch entry urls are relative (Patient/p1), got ${String(url)}`);
      const question = url.indexOf('?');
      const relative = question < 0 ? url : url.slice(0, question);
      const params = new URLSearchParams(question < 0 ? '' : url.slice(question + 1));
      reply = read(state, auth, token, relative, params, `${state.baseUrl}/${url}`);
    } catch (error) {
      if (!(error instanceof FhirHttpError)) throw error;
      reply = error.toReply();
    }
    const status = `${reply.status} ${STATUS_TEXT[reply.status] ?? ''}`.trim();
    return reply.status < 300 ? { resource: reply.body, response: { status } } : { response: { status, outcome: reply.body } };
  });
  return { status: 200, body: { resourceType: 'Bundle', type: 'batch-response', entry: answered } };
}

const STATUS_TEXT: Record<number, string> = {
  200: 'OK',
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
};
