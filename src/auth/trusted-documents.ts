/**
 * Trusted documents: an API key with `documents` (the path of a persisted-documents manifest) runs
 * only the documents of that manifest, named by their id, over HTTP and graphql-ws alike; query text
 * of its own, and Apollo's automatic persisted queries (APQ) registering a new hash, are refused.
 * Keys without `documents` are not affected. The README's "Typed clients" section shows the client
 * side (`@graphql-codegen/client-preset` writes the manifest).
 *
 * The manifest is the JSON object client-preset's `persistedDocuments` writes,
 * `{ "<hash>": "<document text>" }`. The hash is whatever the client's build chose (client-preset's
 * default is sha1, `hashAlgorithm: 'sha256'` matches Apollo's APQ field name); the gateway does not
 * recompute it, it looks the id up, so the manifest, a file the operator deploys, is the authority.
 *
 *     const documents = readTrustedDocuments('./persisted-documents.json'); // or a list of problems
 *     resolveTrustedDocument(documents, { extensions: { persistedQuery: { version: 1, sha256Hash } } });
 *     // → { document: 'query Balance($id: ID!) { … }' }
 */
import { readFileSync } from 'node:fs';
import { parse } from 'graphql';
import { z } from 'zod';
import type { ErrorCode } from '../errors';

/** The documents one key may run, by id. */
export interface TrustedDocuments {
  /** The manifest's path as configured (for messages and logs). */
  readonly path: string;
  readonly byId: ReadonlyMap<string, string>;
}

/** `{ "<hash>": "<document>" }`, each document an executable GraphQL document. */
const manifestSchema = z
  .record(z.string().min(1, 'expected a non-empty document id'), z.string().min(1, 'expected a non-empty document'))
  .superRefine((manifest, ctx) => {
    const ids = Object.keys(manifest);
    if (ids.length === 0) ctx.addIssue({ code: 'custom', message: 'expected at least one document', input: undefined });
    for (const id of ids) {
      try {
        // noLocation: only whether it parses matters here; the gateway parses it again per request.
        parse(manifest[id]!, { noLocation: true });
      } catch (error) {
        ctx.addIssue({
          code: 'custom',
          path: [id],
          message: `expected a GraphQL document (${(error as Error).message})`,
          input: undefined,
        });
      }
    }
  });

/**
 * The manifest at `path` (relative paths from the working directory), or the reasons it cannot be
 * used, each naming the file (and the document id, for a bad entry).
 */
export function readTrustedDocuments(path: string): TrustedDocuments | { problems: string[] } {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    return {
      problems: [`cannot read the persisted-documents manifest ${path} (${(error as NodeJS.ErrnoException).code ?? 'error'})`],
    };
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    return { problems: [`expected the persisted-documents manifest ${path} to be JSON (${(error as Error).message})`] };
  }
  const result = manifestSchema.safeParse(raw);
  if (!result.success) {
    return {
      problems: result.error.issues.map((issue) => {
        const where = issue.path.length ? ` at "${issue.path.map(String).join('.')}"` : '';
        const shape = issue.code === 'invalid_type' ? ' (expected { "<hash>": "<document>" }, as client-preset writes it)' : '';
        return `persisted-documents manifest ${path}${where}: ${issue.message}${shape}`;
      }),
    };
  }
  return { path, byId: new Map(Object.entries(result.data)) };
}

/**
 * For config.ts: the `apiKeys[]` entry with its `documents` path replaced by the documents read
 * from it; a manifest that cannot be used is a config error on `apiKeys[i].documents` naming the
 * key and the file (and never echoing the key's secret).
 */
export function withTrustedDocuments<K extends { name: string; documents?: string | undefined }>(
  key: K,
  ctx: z.RefinementCtx,
): Omit<K, 'documents'> & { documents?: TrustedDocuments } {
  const { documents: path, ...rest } = key;
  if (path === undefined) return rest;
  const documents = readTrustedDocuments(path);
  if ('problems' in documents) {
    for (const problem of documents.problems) {
      // `input: undefined`: the default input is the whole key entry, secret included.
      ctx.addIssue({ code: 'custom', path: ['documents'], message: `key "${key.name}": ${problem}`, input: undefined });
    }
    return z.NEVER;
  }
  return { ...rest, documents };
}

/** What a persisted-document request may carry, over HTTP (body or query string) or graphql-ws. */
export interface PersistedRequest {
  query?: unknown;
  /** The GraphQL-over-HTTP draft's field: the id, optionally prefixed `sha256:`. */
  documentId?: unknown;
  /** Apollo's (and client-preset with Apollo Client's) field: `{ persistedQuery: { version: 1, sha256Hash } }`. */
  extensions?: unknown;
}

export type TrustedResolution =
  | { document: string }
  | { refusal: { code: Extract<ErrorCode, `PERSISTED_QUERY_${string}`>; message: string } };

function idOf(request: PersistedRequest): string | undefined {
  if (typeof request.documentId === 'string' && request.documentId) return request.documentId;
  const extensions = request.extensions;
  if (extensions && typeof extensions === 'object') {
    const persisted = (extensions as { persistedQuery?: unknown }).persistedQuery;
    const hash = persisted && typeof persisted === 'object' ? (persisted as { sha256Hash?: unknown }).sha256Hash : undefined;
    if (typeof hash === 'string' && hash) return hash;
  }
  return undefined;
}

/**
 * The document a locked key's request names, or why it is refused:
 * - query text (with or without an id: sending both is APQ registering a hash) →
 *   `PERSISTED_QUERY_NOT_ALLOWED`; graphql-ws requires a `query` string, so an empty one counts as none;
 * - no id → `PERSISTED_QUERY_NOT_ALLOWED`;
 * - an id the manifest lacks → `PERSISTED_QUERY_NOT_FOUND` (Apollo's code for an unknown hash, so an
 *   APQ client retries with the text and is then told it is not allowed).
 */
export function resolveTrustedDocument(documents: TrustedDocuments, request: PersistedRequest): TrustedResolution {
  const id = idOf(request);
  if (typeof request.query === 'string' && request.query.length > 0) {
    const message = id
      ? 'this API key runs only its persisted documents: registering a document (automatic persisted queries) is off for it; send the id alone'
      : 'this API key runs only its persisted documents: expected documentId or extensions.persistedQuery.sha256Hash, got query text';
    return { refusal: { code: 'PERSISTED_QUERY_NOT_ALLOWED', message } };
  }
  if (id === undefined) {
    return {
      refusal: {
        code: 'PERSISTED_QUERY_NOT_ALLOWED',
        message: 'this API key runs only its persisted documents: expected documentId or extensions.persistedQuery.sha256Hash',
      },
    };
  }
  const document = documents.byId.get(id) ?? (id.startsWith('sha256:') ? documents.byId.get(id.slice(7)) : undefined);
  if (document === undefined) {
    // The id is the client's own value; it is an id, not data, but cut so a long one cannot bloat the answer.
    return {
      refusal: { code: 'PERSISTED_QUERY_NOT_FOUND', message: `no persisted document "${id.slice(0, 80)}" for this API key` },
    };
  }
  return { document };
}
