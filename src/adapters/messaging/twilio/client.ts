/**
 * The official `twilio` SDK (6.3.1), configured for the gateway (see `README.md` here):
 * - a custom `httpClient` (the SDK's supported route to any host: `edge`/`region` only rewrite
 *   `*.twilio.com` names) that sends every request to the connection's `baseUrl`, reports it
 *   (`onUpstreamCall`, endpoint templates without SIDs) and counts it against the upstream budget;
 * - `autoRetry` off (the SDK's default, written down): a create is never sent twice by the SDK;
 * - the Auth Token, or an API key with the AccountSid still in every path.
 * Async: the SDK is loaded here, on the adapter's first call, not at import (`sdk.ts`); so is the
 * request client, since it extends one of the SDK's classes.
 */
import type twilio from 'twilio';
import type SdkRequestClient from 'twilio/lib/base/RequestClient';
import type SdkResponse from 'twilio/lib/http/response';
import type { AdapterOptions } from '../../system';
import type { TwilioConnection } from './connection';
import { type TwilioModule, twilioSdk } from './sdk';

export const DEFAULT_TIMEOUT_MS = 10_000;

/** `/2010-04-01/Accounts/AC…/Messages/SM….json` → `/2010-04-01/Accounts/{AccountSid}/Messages/{Sid}.json`: no ids in metrics. */
export function endpointTemplate(pathname: string): string {
  return pathname
    .replace(/\/Accounts\/AC[0-9a-fA-F]{32}/, '/Accounts/{AccountSid}')
    .replace(/\/Messages\/(SM|MM)[0-9a-fA-F]{32}/, '/Messages/{Sid}');
}

function retryAfterMs(headers: unknown): number | null {
  const value = (headers as Record<string, unknown> | undefined)?.['retry-after'];
  const seconds = Number(Array.isArray(value) ? value[0] : value);
  return value !== undefined && Number.isFinite(seconds) && seconds >= 0 ? seconds * 1000 : null;
}

/**
 * A 2xx whose body is not JSON: the exchange happened (a create did create), but what it made is
 * unknown. The SDK would throw a bare `SyntaxError` that looks like no exchange at all.
 */
export class UnreadableAnswer extends Error {
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message);
    this.name = 'UnreadableAnswer';
  }
}

/** Axios leaves a body it could not parse as the string received. */
function readable(body: unknown): boolean {
  if (typeof body !== 'string') return true;
  try {
    JSON.parse(body);
    return true;
  } catch {
    return false;
  }
}

type RequestClientOptions = Pick<AdapterOptions, 'onUpstreamCall' | 'upstreamBudget'>;

/** The class below, made once per loaded SDK (its base class exists only then). */
let requestClientClass: ReturnType<typeof defineRequestClient> | undefined;

/**
 * The SDK's own request client (axios underneath, unchanged), with the request's scheme, host and
 * port replaced by the connection's: the SDK always builds `https://api.twilio.com/…` and follows
 * `next_page_uri` on that host.
 */
export function createBaseUrlRequestClient(
  sdk: TwilioModule,
  baseUrl: string,
  options: RequestClientOptions,
  timeoutMs: number,
): SdkRequestClient {
  requestClientClass ??= defineRequestClient(sdk);
  return new requestClientClass(baseUrl, options, timeoutMs);
}

function defineRequestClient(sdk: TwilioModule) {
  return class BaseUrlRequestClient extends sdk.RequestClient {
    constructor(
      private readonly baseUrl: string,
      private readonly options: RequestClientOptions,
      timeoutMs: number,
    ) {
      super({ timeout: timeoutMs, autoRetry: false });
    }

    override async request<TData>(opts: SdkRequestClient.RequestOptions<TData>): Promise<SdkResponse<TData>> {
      const target = new URL(opts.uri);
      const base = new URL(this.baseUrl);
      target.protocol = base.protocol;
      target.host = base.host;
      const endpoint = endpointTemplate(target.pathname);
      const done = await this.options.upstreamBudget?.beforeExchange({ endpoint, attempt: 1 });
      const started = performance.now();
      let status: number | null = null;
      let retryAfter: number | null = null;
      try {
        const response = await super.request<TData>({ ...opts, uri: target.toString() });
        status = response.statusCode;
        if (status === 429) retryAfter = retryAfterMs(response.headers);
        if (status >= 200 && status < 300 && !readable(response.body)) {
          throw new UnreadableAnswer(
            `Twilio ${String(opts.method).toUpperCase()} ${endpoint} answered ${status} with a body that is not JSON`,
            status,
          );
        }
        return response;
      } finally {
        void done?.(status, retryAfter);
        this.options.onUpstreamCall?.({
          endpoint,
          method: String(opts.method).toUpperCase(),
          status,
          durationMs: performance.now() - started,
          attempt: 1,
        });
      }
    }
  };
}

export type TwilioClient = ReturnType<typeof twilio>;

export async function createTwilioClient(connection: TwilioConnection, options: AdapterOptions = {}): Promise<TwilioClient> {
  const sdk = await twilioSdk.load();
  const httpClient = createBaseUrlRequestClient(sdk, connection.baseUrl, options, options.timeoutMs ?? DEFAULT_TIMEOUT_MS);
  const [username, password] =
    connection.apiKeySid && connection.apiKeySecret
      ? [connection.apiKeySid, connection.apiKeySecret]
      : [connection.accountSid, connection.authToken];
  return sdk(username, password, { accountSid: connection.accountSid, httpClient, autoRetry: false });
}
