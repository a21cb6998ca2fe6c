/**
 * The whole gateway for end-to-end tests: both ledger vendors' sandboxes, both processors' sandboxes
 * (smile-dental collects through Stripe, bright-dentrix through Square), the messaging sandboxes
 * (smile-dental and northside send SMS through Twilio's, email through SendGrid's; their webhooks
 * point at the gateway's `/webhooks/twilio|sendgrid/<practiceId>`) and the gateway, each in-process
 * on port 0, a `memory://` store, and a `gql()` that speaks to the public GraphQL API over HTTP like
 * any client. Tests count upstream requests through the sandboxes' request logs, and messages
 * through the messaging sandboxes' sent logs.
 */
import { parseConfig, type GatewayConfig } from '../../src/config';
import { createLogger } from '../../src/logging/logger';
import { athenahealthSandboxPractices } from '../../src/sandbox/athenahealth/mode';
import { nexhealthSandboxPractices } from '../../src/sandbox/nexhealth/mode';
import { startGateway, type GatewayOptions, type RunningGateway } from '../../src/server/gateway';
import { startAthenahealthSandbox, type AthenahealthSandbox } from '../../src/sandbox/athenahealth';
import { startNexhealthSandbox, type NexhealthSandbox, type NexhealthSandboxOptions } from '../../src/sandbox/nexhealth';
import { SANDBOX_PROCESSOR_PAYMENT_TYPES } from '../../src/sandbox/nexhealth/mode';
import { startSquareSandbox, type SquareSandbox } from '../../src/sandbox/square';
import { squareSandboxPractices } from '../../src/sandbox/square/mode';
import { startStripeSandbox, type StripeSandbox } from '../../src/sandbox/stripe';
import { stripeSandboxPractices } from '../../src/sandbox/stripe/mode';
import { startFhirSandbox, type FhirSandbox } from '../../src/sandbox/fhir';
import { fhirSandboxPractices } from '../../src/sandbox/fhir/mode';
import { type AvailitySandbox, startAvailitySandbox } from '../../src/sandbox/availity';
import { availitySandboxPractices } from '../../src/sandbox/availity/mode';
import { type ClaimStatusSandbox, startClaimStatusSandbox } from '../../src/sandbox/claim-status';
import { claimStatusSandboxPractices } from '../../src/sandbox/claim-status/mode';
import { startSendgridSandbox, type SendgridSandbox, type SendgridSandboxOptions } from '../../src/sandbox/sendgrid';
import { sendgridSandboxPractices } from '../../src/sandbox/sendgrid/mode';
import { startTwilioSandbox, type TwilioSandbox, type TwilioSandboxOptions } from '../../src/sandbox/twilio';
import { twilioSandboxPractices } from '../../src/sandbox/twilio/mode';

export const KEYS = {
  /** Every practice. */
  all: 'test-key-all-practices-000000000001',
  /** smile-dental only. */
  smile: 'test-key-smile-dental-only-00000002',
  /** Every practice, introspection off. */
  noIntrospection: 'test-key-no-introspection-000000003',
} as const;

export interface TestGateway {
  gateway: RunningGateway;
  nex: NexhealthSandbox;
  athena: AthenahealthSandbox;
  /** smile-dental's processor. */
  stripe: StripeSandbox;
  /** bright-dentrix's processor. */
  square: SquareSandbox;
  /** The FHIR sandbox (summit-health, lakeview-epic, open-fhir), when `fhir: true`. */
  fhir: FhirSandbox | null;
  /** The Availity sandbox, the FHIR practices' `coverage.eligibility`, when `coverage: true`. */
  availity: AvailitySandbox | null;
  /** The claim-status sandbox, the FHIR practices' `coverage.claimStatus`, when `coverage: true`. */
  claimStatus: ClaimStatusSandbox | null;
  /** smile-dental's and northside's SMS provider (`messaging.sms`). */
  twilio: TwilioSandbox;
  /** smile-dental's and northside's email provider (`messaging.email`). */
  sendgrid: SendgridSandbox;
  url: string;
  config: GatewayConfig;
  gql<T = any>(query: string, variables?: Record<string, unknown>, key?: string | null): Promise<GqlResult<T>>;
  /**
   * A second gateway lifetime over the same config (store, sandboxes): closes the running gateway and
   * starts a new one with `options` (not the first lifetime's `gateway` options). `gateway` and `url`
   * then name the new one. The sandboxes' request logs are kept, so counts span both lifetimes.
   * `whileDown` runs after the old gateway closed and before the new one starts (e.g. land writes
   * upstream while no gateway listens).
   */
  restartGateway(options?: GatewayOptions & { awaitSettled?: boolean; whileDown?: () => Promise<void> }): Promise<RunningGateway>;
  close(): Promise<void>;
}

export interface GqlResult<T> {
  status: number;
  data: T | null | undefined;
  errors?: Array<{ message: string; path?: Array<string | number>; extensions?: Record<string, any> }>;
}

export interface TestGatewayOptions {
  nexhealth?: NexhealthSandboxOptions;
  /** Twilio sandbox options; default status steps 5 ms apart and a 10 ms connection retry. */
  twilio?: TwilioSandboxOptions;
  /** SendGrid sandbox options; default a 10 ms batch window and retries after 10, 20, 40, 80 ms. */
  sendgrid?: SendgridSandboxOptions;
  /** Gateway options; `awaitSettled: false` returns before every practice connection was tried. */
  gateway?: GatewayOptions & { awaitSettled?: boolean };
  config?: (raw: Record<string, any>) => void;
  /** Also start the FHIR sandbox and configure its three practices. Default false. */
  fhir?: boolean;
  /** Also start the coverage sandboxes and give the FHIR practices (`fhir: true`) their `coverage`. Default false. */
  coverage?: boolean;
}

export async function startTestGateway(options: TestGatewayOptions = {}): Promise<TestGateway> {
  const nex = await startNexhealthSandbox({
    port: 0,
    rateLimits: false,
    insertion: 'manual',
    webhookRetryDelaysMs: [20, 40],
    ...options.nexhealth,
  });
  const athena = await startAthenahealthSandbox({ port: 0 });
  // Short webhook retries: a delivery the gateway refused comes back within milliseconds.
  const stripe = await startStripeSandbox({ port: 0, retryDelaysMs: [10, 20, 40, 80] });
  const square = await startSquareSandbox({ port: 0, webhookRetryDelaysMs: [10, 20, 40, 80], refundCompleteDelayMs: 5 });
  const fhir = options.fhir ? await startFhirSandbox({ port: 0 }) : null;
  const availity = options.coverage ? await startAvailitySandbox({ port: 0 }) : null;
  const claimStatus = options.coverage ? await startClaimStatusSandbox({ port: 0 }) : null;
  const eligibility = new Map(availity ? availitySandboxPractices(availity).map((p) => [p.id, p] as const) : []);
  const inquiries = new Map(claimStatus ? claimStatusSandboxPractices(claimStatus).map((p) => [p.id, p] as const) : []);
  const withCoverage = <P extends { id: string }>(practice: P) => {
    const e = eligibility.get(practice.id);
    const c = inquiries.get(practice.id);
    if (!e || !c) return practice;
    return {
      ...practice,
      coverage: {
        eligibility: { clearinghouse: 'availity', connection: e.connection, ...e.service },
        claimStatus: { clearinghouse: 'office-ally', connection: c.connection, ...c.service },
      },
    };
  };
  // Short steps and windows: statuses and events reach the gateway within milliseconds.
  const twilio = await startTwilioSandbox({ port: 0, stepDelayMs: 5, connectionRetryDelayMs: 10, ...options.twilio });
  const sendgrid = await startSendgridSandbox({
    port: 0,
    batchWindowMs: 10,
    retryDelaysMs: [10, 20, 40, 80],
    ...options.sendgrid,
  });
  const sms = new Map(twilioSandboxPractices(twilio.url).map((p) => [p.id, p.connection] as const));
  const email = new Map(sendgridSandboxPractices(sendgrid.url).map((p) => [p.id, p.connection] as const));
  const withMessaging = <P extends { id: string }>(practice: P) => {
    const smsConnection = sms.get(practice.id);
    const emailConnection = email.get(practice.id);
    if (!smsConnection && !emailConnection) return practice;
    return {
      ...practice,
      messaging: {
        ...(smsConnection ? { sms: { system: 'twilio', connection: smsConnection } } : {}),
        ...(emailConnection ? { email: { system: 'sendgrid', connection: emailConnection } } : {}),
      },
    };
  };
  /** Twilio's inbound messages and SendGrid's events go to the running gateway (its port changes on a restart). */
  const pointWebhooks = (gatewayUrl: string) => {
    for (const { id, connection } of twilioSandboxPractices(twilio.url)) {
      twilio.sim.setInboundUrl(`${gatewayUrl}/webhooks/twilio/${id}`, connection.accountSid);
    }
    for (const account of Object.values(sendgrid.accounts)) {
      sendgrid.setWebhookUrl(`${gatewayUrl}/webhooks/sendgrid/${account.practiceId}`, account.apiKey);
    }
  };
  const processors = new Map<string, { system: string; connection: Record<string, unknown> }>([
    ...stripeSandboxPractices(stripe.url).map((p) => [p.id, { system: 'stripe', connection: p.connection }] as const),
    ...squareSandboxPractices(square.url).map((p) => [p.id, { system: 'square', connection: p.connection }] as const),
  ]);
  const withProcessor = <P extends { id: string }>(practice: P) => {
    const processor = processors.get(practice.id);
    const paymentTypeId = SANDBOX_PROCESSOR_PAYMENT_TYPES[practice.id];
    return processor && paymentTypeId ? { ...practice, processor: { ...processor, paymentTypeId } } : practice;
  };
  const raw: Record<string, any> = {
    server: { port: 0, host: '127.0.0.1' },
    store: { url: 'memory://' },
    transactionIdPrefix: 'LG',
    logLevel: 'silent',
    apiKeys: [
      { name: 'all', key: KEYS.all, practices: ['*'] },
      { name: 'smile', key: KEYS.smile, practices: ['smile-dental'] },
      { name: 'quiet', key: KEYS.noIntrospection, practices: ['*'], introspection: false },
    ],
    practices: [
      ...[...nexhealthSandboxPractices(nex).map(withProcessor), ...athenahealthSandboxPractices(athena)].map(withMessaging),
      ...(fhir ? fhirSandboxPractices(fhir).map(withCoverage) : []),
    ],
  };
  options.config?.(raw);
  const config = parseConfig(raw);
  const baseOptions: GatewayOptions = {
    logger: createLogger({ level: 'silent' }),
    adapterOptions: { retryBaseDelayMs: 1, maxRetries: 2, timeoutMs: 2000 },
  };
  let gateway = await startGateway(config, { ...baseOptions, ...options.gateway });
  pointWebhooks(gateway.url);
  if (options.gateway?.awaitSettled !== false) await gateway.settled;
  nex.resetRequestLog();
  athena.resetRequestLog();
  stripe.requests.length = 0;
  square.resetRequestLog();
  fhir?.resetRequestLog();
  if (availity) availity.requests.length = 0;
  if (claimStatus) claimStatus.requests.length = 0;
  twilio.requests.length = 0;
  sendgrid.requests.length = 0;
  let url = gateway.url;
  return {
    get gateway() {
      return gateway;
    },
    nex,
    athena,
    stripe,
    square,
    fhir,
    availity,
    claimStatus,
    twilio,
    sendgrid,
    get url() {
      return url;
    },
    config,
    async restartGateway({ whileDown, ...restartOptions } = {}) {
      await gateway.close();
      await whileDown?.();
      gateway = await startGateway(config, { ...baseOptions, ...restartOptions });
      url = gateway.url;
      pointWebhooks(url);
      if (restartOptions.awaitSettled !== false) await gateway.settled;
      return gateway;
    },
    async gql(query, variables = {}, key: string | null = KEYS.all) {
      const response = await fetch(`${url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(key ? { authorization: `Bearer ${key}` } : {}) },
        body: JSON.stringify({ query, variables }),
      });
      const body = (await response.json()) as GqlResult<any>;
      return { status: response.status, data: body.data, errors: body.errors };
    },
    async close() {
      await gateway.close();
      await Promise.all([
        nex.close(),
        athena.close(),
        stripe.close(),
        square.close(),
        twilio.close(),
        sendgrid.close(),
        fhir?.close(),
        availity?.close(),
        claimStatus?.close(),
      ]);
    },
  };
}

/** Requests in a sandbox log as comparable strings, e.g. `GET /charges?patient_id=12&...`. */
export function requestKeys(requests: ReadonlyArray<{ method: string; path: string; query: Record<string, unknown> }>): string[] {
  return requests.map((r) => {
    const query = Object.keys(r.query)
      .sort()
      .map((k) => `${k}=${JSON.stringify(r.query[k])}`)
      .join('&');
    return `${r.method} ${r.path}?${query}`;
  });
}
