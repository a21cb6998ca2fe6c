/**
 * The gateway's configuration: the JSON documented in the top-level README, validated with zod. Every error names the
 * bad key and what was expected, e.g. `practices[1].connection.baseUrl: expected a URL, got "foo"`.
 *
 *     const config = parseConfig(JSON.parse(await readFile(path, 'utf8')));
 *
 * Secrets (API keys, client secrets) come from the file or from the environment: any string value
 * of the form `env:NAME` is replaced by `process.env.NAME` (an error names the key if it is unset),
 * so a config file can be committed without its secrets.
 */
import { readFile } from 'node:fs/promises';
import { Cron } from 'croner';
import { IANAZone } from 'luxon';
import { z } from 'zod';
import { httpUrl, nonEmpty, vendorId } from './adapters/connection-fields';
import type { Channel } from './adapters/messaging/port';
import {
  ACCOUNTING_SYSTEMS,
  LEDGER_SYSTEMS,
  MESSAGING_CHANNEL_KEYS,
  MESSAGING_SYSTEMS,
  PROCESSOR_SYSTEMS,
} from './adapters/registry';
import type {
  AccountingSystemDescriptor,
  LedgerSystemDescriptor,
  MessagingSystemDescriptor,
  ProcessorSystemDescriptor,
} from './adapters/system';
import { parseDecimal } from './ledger/money';
import { TRANSACTION_ID_PREFIX, TRANSACTION_ID_PREFIX_RULE } from './ledger/transaction-id';
import { withTrustedDocuments } from './auth/trusted-documents';
import { corsOrigin } from './server/cors';
import { coverage } from './coverage-config';

const url = httpUrl;

const practiceId = z
  .string()
  .regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'expected a practice id of lowercase letters, digits and dashes');

/**
 * A practice's payment processor (`processor: { system, connection, paymentTypeId }`): its
 * `connection` is validated by that processor's own schema; `paymentTypeId` is the ledger's payment
 * type its collections post as (the same whatever the processor, so it is not in `connection`).
 */
function processorOf(descriptor: ProcessorSystemDescriptor) {
  return z.strictObject({
    system: z.literal(descriptor.system),
    connection: descriptor.connection,
    paymentTypeId: nonEmpty,
  });
}

type ProcessorSchema = ReturnType<typeof processorOf>;

const processor = z.discriminatedUnion('system', PROCESSOR_SYSTEMS.map(processorOf) as [ProcessorSchema, ...ProcessorSchema[]], {
  error: `expected processor.system to be one of ${PROCESSOR_SYSTEMS.map((d) => `"${d.system}"`).join(', ')}`,
});

export type ProcessorConfig = z.output<typeof processor>;

/** One channel's provider (`messaging.sms`, `messaging.email`): its `connection` is validated by that provider's own schema. */
function messagingEntryOf(descriptor: MessagingSystemDescriptor) {
  return z.strictObject({ system: z.literal(descriptor.system), connection: descriptor.connection });
}

type MessagingEntrySchema = ReturnType<typeof messagingEntryOf>;
export type MessagingEntryConfig = z.output<MessagingEntrySchema>;

/** The providers registered for `channel`, as a union on `system`; a channel without any refuses every entry. */
function messagingChannel(channel: Channel): z.ZodType<MessagingEntryConfig> {
  const key = MESSAGING_CHANNEL_KEYS[channel];
  const systems = MESSAGING_SYSTEMS.filter((d) => d.channel === channel);
  if (systems.length === 0) return z.never({ error: `expected no messaging.${key}: no ${channel} provider is registered` });
  return z.discriminatedUnion('system', systems.map(messagingEntryOf) as [MessagingEntrySchema, ...MessagingEntrySchema[]], {
    error: `expected messaging.${key}.system to be one of ${systems.map((d) => `"${d.system}"`).join(', ')}`,
  });
}

/**
 * A practice's messaging providers, one per channel (`messaging: { sms?: { system, connection },
 * email?: { system, connection } }`); a provider may only stand under the key of its channel.
 */
const messaging = z.strictObject({ sms: messagingChannel('SMS').optional(), email: messagingChannel('EMAIL').optional() });

export type MessagingConfig = z.output<typeof messaging>;

/**
 * A practice's books (`accounting: { system, connection, depositAccountId, itemId, paymentMethodId? }`):
 * its `connection` is validated by that system's own schema; the ids beside it are the practice's
 * entities in its books, sent with each booking: the account the money goes to (and a refund
 * leaves from), the service item of the one line, and the payment method to tag entries with
 * (none sent when absent).
 */
function accountingOf(descriptor: AccountingSystemDescriptor) {
  return z.strictObject({
    system: z.literal(descriptor.system),
    connection: descriptor.connection,
    depositAccountId: vendorId,
    itemId: vendorId,
    paymentMethodId: vendorId.optional(),
  });
}

type AccountingSchema = ReturnType<typeof accountingOf>;

const accounting = z.discriminatedUnion(
  'system',
  ACCOUNTING_SYSTEMS.map(accountingOf) as [AccountingSchema, ...AccountingSchema[]],
  {
    error: `expected accounting.system to be one of ${ACCOUNTING_SYSTEMS.map((d) => `"${d.system}"`).join(', ')}`,
  },
);

export type AccountingConfig = z.output<typeof accounting>;

export type { ClaimStatusConfig, CoverageConfig, EligibilityConfig } from './coverage-config';

/**
 * A practice's time zone (`timeZone`, an IANA name such as `America/New_York`): reminders' quiet
 * hours and `billing.schedule` are read in it. Checked by luxon's own zone database, so a name the
 * runtime cannot resolve is refused at start, not at the first send. Default {@link DEFAULT_TIME_ZONE}
 * (for `sendReminder`'s quiet hours); a practice with `billing` must name its own (a cycle at 10:00
 * UTC is 05:00 in New York).
 */
export const DEFAULT_TIME_ZONE = 'UTC';

const timeZone = z.string().refine((name) => IANAZone.isValidZone(name), {
  message: 'expected an IANA time zone such as "America/New_York"',
});

/** `"HH:MM"`, 00:00 … 23:59, in the practice's time zone. */
const clockTime = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'expected a time of day "HH:MM" (00:00 … 23:59)');

/**
 * Reminders and billing cycles (`billing`, src/flows/billing-cycle/README.md). Every default is here:
 * - `schedule`: a cron pattern (5 fields, or 6 with seconds; parsed by croner) in the practice's
 *   `timeZone` at which the cycle starts by itself; absent: only `startBillingCycle` starts one.
 * - `quietHours`: `[from, to]`, default `["21:00", "08:00"]`: no message leaves between them (the
 *   span may cross midnight); a reminder due inside waits, `QUEUED`. Equal times: no quiet hours.
 * - `minBalance`: default `"10.00"`: a scheduled cycle's smallest collectible balance.
 * - `channels`: default `["SMS", "EMAIL"]`: a scheduled cycle's channels.
 * - `reminderEveryDays`: default 7: at most one cycle reminder per guarantor in that many days.
 * - `onClaimProcessed`: default false: true, a claim the payer processed with a patient share gets a
 *   checkout and a reminder, once per claim event (src/flows/claim-watch/README.md).
 */
export const billingSchema = z.strictObject({
  schedule: z
    .string()
    .refine(
      (pattern) => {
        try {
          new Cron(pattern, { paused: true });
          return true;
        } catch {
          return false;
        }
      },
      { message: 'expected a cron pattern of 5 or 6 fields, e.g. "0 10 * * 1"' },
    )
    .optional(),
  quietHours: z.tuple([clockTime, clockTime]).default(['21:00', '08:00']),
  minBalance: z
    .string()
    .default('10.00')
    .transform((text, ctx) => {
      try {
        const cents = parseDecimal(text);
        if (cents > 0) return cents;
      } catch {
        // reported below
      }
      ctx.addIssue({ code: 'custom', message: `expected a positive decimal amount such as "10.00", got "${text}"` });
      return z.NEVER;
    }),
  channels: z
    .array(z.enum(['SMS', 'EMAIL']))
    .min(1, 'expected at least one channel')
    .refine((list) => new Set(list).size === list.length, 'expected each channel at most once')
    .default(['SMS', 'EMAIL']),
  reminderEveryDays: z.number().int().min(1).max(365).default(7),
  onClaimProcessed: z.boolean().default(false),
});

export type BillingConfig = z.output<typeof billingSchema>;

/** `billing` at its defaults: the rules reminders of a practice without a `billing` block follow (`sendReminder`'s quiet hours). */
export const DEFAULT_BILLING: Readonly<BillingConfig> = Object.freeze(billingSchema.parse({}));

/** A practice of one ledger system: its `connection` is validated by that system's own schema. */
function practiceOf(descriptor: LedgerSystemDescriptor) {
  return z.strictObject({
    id: practiceId,
    name: nonEmpty,
    system: z.literal(descriptor.system),
    connection: descriptor.connection,
    processor: processor.optional(),
    messaging: messaging.optional(),
    coverage: coverage.optional(),
    timeZone: timeZone.optional(),
    billing: billingSchema.optional(),
    accounting: accounting.optional(),
  });
}

type PracticeSchema = ReturnType<typeof practiceOf>;

const practice = z.discriminatedUnion('system', LEDGER_SYSTEMS.map(practiceOf) as [PracticeSchema, ...PracticeSchema[]], {
  error: `expected system to be one of ${LEDGER_SYSTEMS.map((d) => `"${d.system}"`).join(', ')}`,
});

const apiKey = z
  .strictObject({
    name: nonEmpty,
    /** The key itself, or `sha256:<hex>` of it, so the file need not hold the key. */
    key: z.string().min(16, 'expected a key of at least 16 characters (or sha256:<64 hex digits>)'),
    practices: z.array(z.union([practiceId, z.literal('*')])).min(1, 'expected at least one practice id'),
    introspection: z.boolean().default(true),
    /** Requests per minute for this key (default: limits.requestsPerMinute). */
    requestsPerMinute: z.number().int().positive().optional(),
    /** A persisted-documents manifest: the key runs only its documents (src/auth/trusted-documents.ts). */
    documents: nonEmpty.optional(),
  })
  .refine((k) => !k.key.startsWith('sha256:') || /^sha256:[0-9a-f]{64}$/.test(k.key), {
    message: 'expected sha256: followed by 64 lowercase hex digits',
    path: ['key'],
  })
  .transform(withTrustedDocuments);

/**
 * What one operation may ask for, over HTTP and graphql-ws alike (src/plugins/operation-guard). The
 * defaults are written here and nowhere else: code and tests that need them read `defaultLimits`.
 */
export const limitsSchema = z
  .strictObject({
    /** Deepest field nesting; a top-level field is depth 1. */
    maxDepth: z.number().int().positive().default(12),
    /** Most aliased fields in the operation that runs. */
    maxAliases: z.number().int().positive().default(30),
    /** Most lexical tokens in the document. */
    maxTokens: z.number().int().positive().default(5000),
    /** Highest estimated cost (the model is in src/plugins/operation-guard/cost.ts). */
    maxCost: z.number().int().positive().default(20000),
    /** Operations per minute per API key, unless the key sets its own. */
    requestsPerMinute: z.number().int().positive().default(600),
    /**
     * Operations per minute per client address for callers without an API key (the patient pay
     * page's `paymentPage` / `paymentPageChanged`, and `GET /pay/<token>`): a page view costs one,
     * its live status one, each fallback poll one.
     */
    payPageRequestsPerMinute: z.number().int().positive().default(60),
    /** Largest GraphQL request body accepted over HTTP; also the largest websocket message (`maxPayload`). */
    maxBodyBytes: z.number().int().positive().default(1_000_000),
    /**
     * Websockets (src/server/ws-limits.ts). Most connections one API key may hold open: a client
     * multiplexes its operations over one socket, so 100 leaves room for many processes and tabs
     * while an idle flood of one key cannot starve the others. The next one is closed with 4429.
     */
    maxWsConnectionsPerKey: z.number().int().positive().default(100),
    /** Most websockets open from one remote address, before or after connection_init (4429 beyond). */
    maxWsConnectionsPerAddress: z.number().int().positive().default(100),
    /**
     * Practice-wide reports (src/reports/README.md): how long a practice's snapshot of a location-wide
     * scan answers without asking the upstream what changed, in ms. After it, or after one of the
     * practice's own writes, the next report refreshes it with `updated_since` (usually one call).
     */
    reportSnapshotTtlMs: z.number().int().positive().default(30_000),
    /** How long a new websocket may take to send connection_init before it is closed with 4408. */
    wsConnectionInitTimeoutMs: z.number().int().positive().default(5000),
    /** Keep-alive: a ping this often; a socket that has not answered within the same time is terminated. */
    wsPingIntervalMs: z.number().int().positive().default(12_000),
    /** A websocket with no operation running and no message from the client this long is closed (1000). */
    wsIdleTimeoutMs: z.number().int().positive().default(300_000),
    /**
     * A subscriber's websocket holding more unsent bytes than this when an event is due is closed with
     * 1013 (try again later; src/server/fanout.ts): a client that stopped reading costs a bounded buffer.
     */
    maxWsBufferedBytes: z.number().int().positive().default(1_048_576),
    /**
     * The largest amount any money input of a mutation may carry (a payment, a refund, an adjustment's
     * absolute value, each split, each part of a card collection and its total): a decimal string,
     * parsed to integer cents. Above it: AMOUNT_OUT_OF_RANGE, nothing written (src/ledger/README.md).
     */
    maxAmount: z
      .string()
      .default('100000.00')
      .transform((text, ctx) => {
        let cents = 0;
        try {
          cents = parseDecimal(text);
        } catch {
          // Not a strict decimal, or past the safe-integer range of cents: refused just below.
        }
        if (cents > 0) return cents;
        ctx.addIssue({
          code: 'custom',
          message: `expected a positive decimal amount with at most 2 decimals, such as "100000.00", got ${JSON.stringify(text)}`,
        });
        return z.NEVER;
      }),
    /**
     * Most upstream HTTP exchanges (first attempts and retries) one GraphQL request may cause; past
     * it, the fields still reading fail with QUERY_TOO_COMPLEX and the rest answer (src/upstream-budget).
     */
    maxUpstreamCalls: z.number().int().positive().default(500),
    /** Most calendar days one `Practice.reconciliation(from, to)` may cover, both ends included (366: a leap year). */
    maxReconciliationDays: z.number().int().positive().default(366),
  })
  .prefault({});

export type LimitsConfig = z.output<typeof limitsSchema>;

/** Every limit at its default: what `limits` becomes when a config leaves it out. */
export const defaultLimits: Readonly<LimitsConfig> = Object.freeze(limitsSchema.parse(undefined));

export const configSchema = z
  .strictObject({
    server: z
      .strictObject({
        port: z.number().int().min(0).max(65535).default(4000),
        host: nonEmpty.default('127.0.0.1'),
        publicUrl: url.optional(),
        /**
         * `host:port` (or `port`, then on 127.0.0.1) of a second listener for operators: `/metrics`
         * and the detailed `/readyz`, with no key. Unset: no second listener.
         */
        metricsBind: z
          .string()
          .regex(/^(?:(?:\[[0-9a-fA-F:.]+\]|[^\s:/[\]]+):)?\d{1,5}$/, 'expected host:port, [ipv6]:port or a port')
          .transform((bind) => {
            const at = bind.lastIndexOf(':');
            const host = at < 0 ? '127.0.0.1' : bind.slice(0, at).replace(/^\[(.*)\]$/, '$1');
            return { host, port: Number(at < 0 ? bind : bind.slice(at + 1)) };
          })
          .refine((bind) => bind.port <= 65535, 'expected a port from 0 to 65535')
          .optional(),
        /**
         * A bearer token that reads `/metrics` and the detailed `/readyz` on the main port, besides an
         * API key for every practice (`"practices": ["*"]`). `env:NAME` keeps it out of the file.
         */
        metricsToken: z.string().min(16, 'expected a token of at least 16 characters').optional(),
        /**
         * Browser origins allowed to call `/graphql` cross-origin (`https://app.example.com`, exactly an
         * origin: scheme, host, port). Empty: no CORS headers at all (src/server/cors.ts).
         */
        corsOrigins: z.array(corsOrigin).default([]),
      })
      .prefault({}),
    store: z
      .strictObject({
        url: z
          .string()
          .regex(/^(memory:\/\/|pglite:\/\/|postgres(ql)?:\/\/)/, 'expected memory://, pglite://PATH or postgres://…')
          .default('pglite://./.data/ledger'),
        /**
         * Embedded stores (`memory://`, `pglite://`): let V8 recompile PGlite's hot WebAssembly with its
         * optimizing compiler. Off: ≈ 70 MB less RSS, the store's statements measured as fast
         * (src/transactions/wasm-tier.ts). Process-wide, decided by the first store opened.
         */
        wasmTierUp: z.boolean().default(false),
      })
      .prefault({}),
    transactionIdPrefix: z.string().regex(TRANSACTION_ID_PREFIX, TRANSACTION_ID_PREFIX_RULE).default('LG'),
    currency: z
      .string()
      .regex(/^[A-Z]{3}$/, 'expected an ISO 4217 code such as USD')
      .default('USD'),
    apiKeys: z.array(apiKey).min(1, 'expected at least one API key'),
    practices: z.array(practice).min(1, 'expected at least one practice'),
    limits: limitsSchema,
    logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  })
  .superRefine((config, ctx) => {
    const ids = new Set<string>();
    config.practices.forEach((p, i) => {
      if (ids.has(p.id))
        ctx.addIssue({ code: 'custom', message: `duplicate practice id "${p.id}"`, path: ['practices', i, 'id'] });
      ids.add(p.id);
      if (p.billing && !p.timeZone)
        ctx.addIssue({
          code: 'custom',
          message: 'expected a timeZone for a practice with billing',
          path: ['practices', i, 'timeZone'],
        });
    });
    config.apiKeys.forEach((k, i) => {
      k.practices.forEach((p, j) => {
        if (p !== '*' && !ids.has(p)) {
          ctx.addIssue({ code: 'custom', message: `unknown practice "${p}"`, path: ['apiKeys', i, 'practices', j] });
        }
      });
    });
  });

export type GatewayConfig = z.output<typeof configSchema>;
export type PracticeConfig = GatewayConfig['practices'][number];
export type ApiKeyConfig = GatewayConfig['apiKeys'][number];

export class ConfigError extends Error {
  constructor(readonly issues: string[]) {
    super(`invalid configuration:\n  ${issues.join('\n  ')}`);
    this.name = 'ConfigError';
  }
}

function pathText(path: ReadonlyArray<PropertyKey>): string {
  return path.reduce<string>(
    (text, key) => (typeof key === 'number' ? `${text}[${key}]` : text ? `${text}.${String(key)}` : String(key)),
    '',
  );
}

/** Replace `env:NAME` strings by the environment's value; errors name the key. */
function resolveEnv(value: unknown, env: NodeJS.ProcessEnv, path: Array<string | number>, issues: string[]): unknown {
  if (typeof value === 'string' && value.startsWith('env:')) {
    const name = value.slice(4);
    const resolved = env[name];
    if (resolved === undefined) issues.push(`${pathText(path)}: expected environment variable ${name} to be set`);
    return resolved ?? value;
  }
  if (Array.isArray(value)) return value.map((v, i) => resolveEnv(v, env, [...path, i], issues));
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, resolveEnv(v, env, [...path, k], issues)]));
  }
  return value;
}

/** Validate a parsed config object; throws ConfigError listing every bad key. */
export function parseConfig(raw: unknown, env: NodeJS.ProcessEnv = process.env): GatewayConfig {
  const issues: string[] = [];
  const resolved = resolveEnv(raw, env, [], issues);
  if (issues.length) throw new ConfigError(issues);
  const result = configSchema.safeParse(resolved);
  if (!result.success) {
    throw new ConfigError(
      result.error.issues.map((issue) => {
        const where = pathText(issue.path) || '(root)';
        const secret = /key|secret/i.test(String(issue.path.at(-1) ?? ''));
        const got = 'input' in issue && issue.input !== undefined && !secret ? `, got ${JSON.stringify(issue.input)}` : '';
        return `${where}: ${issue.message}${issue.code === 'invalid_type' ? '' : got}`;
      }),
    );
  }
  return result.data;
}

/** Read and validate a config file. */
export async function loadConfigFile(path: string, env: NodeJS.ProcessEnv = process.env): Promise<GatewayConfig> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new ConfigError([`${path}: cannot read the file (${(error as NodeJS.ErrnoException).code ?? 'error'})`]);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    throw new ConfigError([`${path}: expected JSON (${(error as Error).message})`]);
  }
  return parseConfig(raw, env);
}
