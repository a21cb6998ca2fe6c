/**
 * A key locked to persisted documents (`apiKeys[].documents`, src/auth/trusted-documents.ts), on
 * both transports: its request is turned into a plain one carrying the manifest's text before Apollo
 * or graphql-ws sees it, or refused. Apollo therefore never sees such a key's `persistedQuery`
 * extension, so its automatic persisted queries can neither register a hash for the key nor serve it
 * one another key registered; graphql-ws, which bypasses Apollo, is checked in `onSubscribe` the same
 * way. Everything after (the operation guard, validation, execution) runs on the manifest's text.
 * A refusal is charged to the key's rate like any operation (the guard's order: the rate first), so
 * refused requests cannot be sent faster than allowed ones.
 *
 *     const outcome = trustedHttpRequest(caller.documents, req.method, body, url.search);
 *     if ('refusal' in outcome) return writeGraphQLError(res, guard.admit(caller) ?? outcome.refusal);
 */
import type { ServerResponse } from 'node:http';
import { GraphQLError } from 'graphql';
import { resolveTrustedDocument, type TrustedDocuments, type TrustedResolution } from '../auth/trusted-documents';

type Refusal = Extract<TrustedResolution, { refusal: unknown }>['refusal'];

/**
 * The refusal as a GraphQL error with its HTTP head (`extensions.http`, as the operation guard's
 * errors carry it): an unknown id answers 200 with no-cache, like Apollo's own
 * PERSISTED_QUERY_NOT_FOUND (APQ clients read the code from a 200 and retry with the text, which is
 * then refused with 400).
 */
function refusalError(refusal: Refusal): GraphQLError {
  const http =
    refusal.code === 'PERSISTED_QUERY_NOT_FOUND'
      ? { status: 200, headers: new Map([['cache-control', 'private, no-cache, must-revalidate']]) }
      : { status: 400 };
  return new GraphQLError(refusal.message, { extensions: { code: refusal.code, http } });
}

/** Answer `error` alone over HTTP: its `extensions.http` status and headers, the rest as the body. */
export function writeGraphQLError(res: ServerResponse, error: GraphQLError): void {
  const { http, ...extensions } = error.extensions as { http?: { status?: number; headers?: Map<string, string> } };
  for (const [name, value] of http?.headers ?? []) res.setHeader(name, value);
  res.writeHead(http?.status ?? 400, { 'content-type': 'application/json; charset=utf-8' });
  res.end(JSON.stringify({ errors: [{ message: error.message, extensions }] }));
}

/** `extensions` without `persistedQuery`, or undefined when nothing else is left. */
function otherExtensions(extensions: unknown): Record<string, unknown> | undefined {
  if (!extensions || typeof extensions !== 'object' || Array.isArray(extensions)) return undefined;
  const { persistedQuery: _persisted, ...rest } = extensions as Record<string, unknown>;
  return Object.keys(rest).length ? rest : undefined;
}

function parseJson(text: string | null): unknown {
  if (text === null) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined; // not an id carrier: the request is refused for lack of an id, or Apollo reports it
  }
}

export type TrustedHttpOutcome = { body: unknown; search: string } | { refusal: GraphQLError };

/**
 * A POST body or a GET query string of a locked key, as Apollo should receive it: the id
 * (`documentId`, or `extensions.persistedQuery.sha256Hash`) replaced by `query` with the manifest's
 * text; `operationName`, `variables` and other extensions kept. A batch (an array body) has no single
 * id and is refused.
 */
export function trustedHttpRequest(
  documents: TrustedDocuments,
  method: string,
  body: unknown,
  search: string,
): TrustedHttpOutcome {
  if (method === 'GET') {
    const params = new URLSearchParams(search);
    const extensions = parseJson(params.get('extensions'));
    const resolution = resolveTrustedDocument(documents, {
      query: params.get('query') ?? undefined,
      documentId: params.get('documentId') ?? undefined,
      extensions,
    });
    if ('refusal' in resolution) return { refusal: refusalError(resolution.refusal) };
    params.delete('documentId');
    params.set('query', resolution.document);
    const rest = otherExtensions(extensions);
    if (rest) params.set('extensions', JSON.stringify(rest));
    else params.delete('extensions');
    return { body, search: `?${params.toString()}` };
  }
  const request = body && typeof body === 'object' && !Array.isArray(body) ? (body as Record<string, unknown>) : {};
  const resolution = resolveTrustedDocument(documents, request);
  if ('refusal' in resolution) return { refusal: refusalError(resolution.refusal) };
  const { query: _query, documentId: _id, extensions, ...rest } = request;
  const kept = otherExtensions(extensions);
  return { body: { ...rest, query: resolution.document, ...(kept ? { extensions: kept } : {}) }, search };
}

/**
 * A graphql-ws `subscribe` payload of a locked key, with `query` the manifest's text, or the refusal
 * (its HTTP head included: the caller charges the rate first, then drops the head with the guard's
 * `withoutHttpHead`, as graphql-ws answers with the operation's `error` message).
 */
export function trustedWsPayload<P extends { query: string; documentId?: unknown; extensions?: unknown }>(
  documents: TrustedDocuments,
  payload: P,
): { payload: P } | { refusal: GraphQLError } {
  const resolution = resolveTrustedDocument(documents, payload);
  if ('refusal' in resolution) return { refusal: refusalError(resolution.refusal) };
  return { payload: { ...payload, query: resolution.document } };
}
