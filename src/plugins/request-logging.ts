/**
 * One log line per GraphQL operation:
 *
 *     {"msg":"graphql operation","requestId":"…","keyName":"portal","operation":"PatientBalance",
 *      "operationType":"query","practiceIds":["smile-dental"],"durationMs":12.3,"outcome":"ok",
 *      "errorCodes":[]}
 *
 *     new ApolloServer({ plugins: [apolloOperationGuard(guard), requestLogging({ logger }), ...] })
 *
 * What it never logs: variables other than practice ids (no names, amounts, card data), the query
 * text, or anything derived from it (not even its hash: a hash of a document with a card number in a
 * literal can be brute-forced). Practice ids are taken from the variables `practiceId` and
 * `input.practiceId` and from `practiceId:` / `practice(id:)` arguments, and only when they look like
 * a practice id (lowercase letters, digits, dashes).
 *
 * The request id is the incoming `x-request-id` header when it is a sane token (1–128 of
 * `A–Z a–z 0–9 . _ : -`), else a fresh UUID; it is echoed in the `x-request-id` response header and
 * available to resolvers through `requestIdOf(contextValue)`.
 *
 * Level: `info`, `warn` when an upstream failed (an `UpstreamError` behind an error), `error` when the
 * response carries an INTERNAL_SERVER_ERROR. A request that fails inside Apollo itself (a plugin
 * throwing) is logged at `error` with outcome `crash`.
 *
 * Upstream failures: the client gets a safe message and this line's request id
 * (src/graphql/upstream-errors.ts); the line gets what the operator needs under that id, in
 * `upstream`: per failure its path, code, system, HTTP status, endpoint and the vendor's text.
 * That text is logged as the adapter kept it (credentials masked, src/logging/scrub-secrets.ts): it
 * may in principle quote a patient's data, but it is the only account of what the system refused,
 * and the log is the operator's; the client never sees it. At most `maxUpstreamFailures` entries
 * (`upstreamFailures` counts them all), each text cut at 1,000 characters.
 */
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import type { ApolloServerPlugin, BaseContext, GraphQLRequestContext } from '@apollo/server';
import { Kind, visit, type DocumentNode, type ValueNode } from 'graphql';
import type { Logger } from 'pino';
import { upstreamFailureOf, upstreamLogEntry } from '../graphql/upstream-errors';
import { outcomeOf } from './metrics';

export interface RequestLoggingOptions {
  /** Where the lines go (required). */
  logger: Logger;
  /** Message of every line. Default `graphql operation`. */
  message?: string;
  /** Clock in milliseconds for durations. Default `performance.now`. */
  now?: () => number;
  /** New request ids. Default `crypto.randomUUID`. */
  generateId?: () => string;
  /** Most practice ids listed in one line. Default 20. */
  maxPracticeIds?: number;
  /** Most upstream failures detailed in one line. Default 20. */
  maxUpstreamFailures?: number;
}

const SANE_REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;
const PRACTICE_ID = /^[a-z0-9][a-z0-9-]{0,62}$/;

/** Per operation, keyed by its context value. */
const started = new WeakMap<object, { requestId: string; startedAt: number }>();

/**
 * The request id of each error an operation met, for the error formatting (Apollo's `formatError`
 * sees the error, not the context): Apollo hands `didEncounterErrors` and `formatError` the same objects.
 */
const errorRequestIds = new WeakMap<object, string>();

/** The request id of the operation that met `error` (undefined outside requestLogging). */
export function requestIdOfError(error: unknown): string | undefined {
  return error && typeof error === 'object' ? errorRequestIds.get(error) : undefined;
}

/** The request id of the operation whose context this is (undefined outside requestLogging). */
export function requestIdOf(contextValue: object): string | undefined {
  return started.get(contextValue)?.requestId;
}

/** The incoming `x-request-id` when it is a sane token, else undefined. */
export function saneRequestId(header: string | undefined | null): string | undefined {
  if (!header) return undefined;
  const value = header.trim();
  return SANE_REQUEST_ID.test(value) ? value : undefined;
}

function practiceIdValue(value: unknown, out: Set<string>): void {
  if (typeof value === 'string' && PRACTICE_ID.test(value)) out.add(value);
}

/**
 * Where a document names a practice: the string literals and the variables of its `practiceId` /
 * `practice(id:)` arguments (also `input: { practiceId: … }` written inline). A property of the
 * document alone, so it is found once per document (Apollo hands every request of the same text the
 * same cached DocumentNode) and only the variables' values are read per request.
 */
type PracticeIdSite = { literal: string } | { variable: string };

const sitesByDocument = new WeakMap<DocumentNode, readonly PracticeIdSite[]>();

function practiceIdSites(document: DocumentNode): readonly PracticeIdSite[] {
  const known = sitesByDocument.get(document);
  if (known) return known;
  const sites: PracticeIdSite[] = [];
  const fromArgument = (value: ValueNode) => {
    if (value.kind === Kind.STRING) sites.push({ literal: value.value });
    else if (value.kind === Kind.VARIABLE) sites.push({ variable: value.name.value });
  };
  visit(document, {
    [Kind.FIELD]: (field) => {
      for (const argument of field.arguments ?? []) {
        const name = argument.name.value;
        if (name === 'practiceId' || (name === 'id' && field.name.value === 'practice')) fromArgument(argument.value);
        // `input: { practiceId: "…" }` written inline.
        if (argument.value.kind === Kind.OBJECT) {
          for (const inner of argument.value.fields) if (inner.name.value === 'practiceId') fromArgument(inner.value);
        }
      }
    },
  });
  sitesByDocument.set(document, sites);
  return sites;
}

/** Practice ids an operation touches, from its variables and its `practiceId` / `practice(id:)` arguments. */
export function practiceIdsOf(
  document: DocumentNode | undefined,
  variables: Readonly<Record<string, unknown>> | undefined,
): string[] {
  const found = new Set<string>();
  const vars = variables ?? {};
  practiceIdValue(vars.practiceId, found);
  const input = vars.input;
  if (input && typeof input === 'object' && !Array.isArray(input)) {
    practiceIdValue((input as Record<string, unknown>).practiceId, found);
  }
  if (document) {
    for (const site of practiceIdSites(document)) practiceIdValue('literal' in site ? site.literal : vars[site.variable], found);
  }
  return [...found];
}

export function requestLogging<TContext extends BaseContext = BaseContext>(
  options: RequestLoggingOptions,
): ApolloServerPlugin<TContext> {
  const { logger } = options;
  const message = options.message ?? 'graphql operation';
  const now = options.now ?? (() => performance.now());
  const generateId = options.generateId ?? randomUUID;
  const maxPracticeIds = options.maxPracticeIds ?? 20;
  const maxUpstreamFailures = options.maxUpstreamFailures ?? 20;

  function baseFields(requestContext: GraphQLRequestContext<TContext>, requestId: string, startedAt: number) {
    const caller = (requestContext.contextValue as { caller?: { keyName?: unknown } | null }).caller;
    return {
      requestId,
      ...(typeof caller?.keyName === 'string' ? { keyName: caller.keyName } : {}),
      operation: requestContext.operationName ?? null,
      operationType: requestContext.operation?.operation ?? null,
      practiceIds: practiceIdsOf(requestContext.document, requestContext.request.variables).slice(0, maxPracticeIds),
      durationMs: Math.round(Math.max(0, now() - startedAt) * 10) / 10,
    };
  }

  return {
    async requestDidStart(requestContext) {
      const startedAt = now();
      const requestId = saneRequestId(requestContext.request.http?.headers.get('x-request-id')) ?? generateId();
      started.set(requestContext.contextValue, { requestId, startedAt });
      const upstream: Array<ReturnType<typeof upstreamLogEntry>> = [];
      let upstreamFailures = 0;
      return {
        async didEncounterErrors({ errors }) {
          for (const error of errors) {
            errorRequestIds.set(error, requestId);
            const failure = upstreamFailureOf(error);
            if (!failure) continue;
            upstreamFailures++;
            if (upstream.length < maxUpstreamFailures) {
              upstream.push(upstreamLogEntry(failure, error.path));
            }
          }
        },
        async willSendResponse(context) {
          context.response.http.headers.set('x-request-id', requestId);
          // Let the plugin that replaces the response (the operation guard) run first.
          await Promise.resolve();
          const { outcome, errors } = outcomeOf(context.response);
          const errorCodes = [...new Set(errors.map((e) => String(e.extensions?.code ?? 'INTERNAL_SERVER_ERROR')))];
          const level = errorCodes.includes('INTERNAL_SERVER_ERROR') ? 'error' : upstreamFailures ? 'warn' : 'info';
          // A line the logger would drop (a quieter level) is not built: its practice ids and fields cost per request.
          if (!logger.isLevelEnabled(level)) return;
          const details = upstreamFailures ? { upstream, upstreamFailures } : {};
          logger[level]({ ...baseFields(context, requestId, startedAt), outcome, errorCodes, ...details }, message);
        },
      };
    },
    async unexpectedErrorProcessingRequest({ requestContext, error }) {
      // Only the error's name: its message is Apollo's to log (and might quote input).
      const { requestId, startedAt } = started.get(requestContext.contextValue) ?? { requestId: generateId(), startedAt: now() };
      logger.error(
        {
          ...baseFields(requestContext, requestId, startedAt),
          outcome: 'crash',
          errorCodes: ['INTERNAL_SERVER_ERROR'],
          err: { name: error.name },
        },
        message,
      );
    },
  };
}
