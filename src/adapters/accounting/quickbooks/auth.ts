/**
 * The company's OAuth 2.0 tokens, through Intuit's own client `intuit-oauth` (4.2.5): the refresh
 * grant (`POST <tokenUrl>`, Basic `clientId:clientSecret`, `grant_type=refresh_token`).
 *
 * - The refresh token rotates: each refresh may return a new one and only the newest stays valid,
 *   so the new one is saved through the `RefreshTokenStore` **before** the access token that came
 *   with it is handed out. A failed save fails the call: a token nobody kept would strand the
 *   company at the next restart.
 * - The save is a compare-and-set against the token spent: when a concurrent refresh saved first,
 *   its (newer) token stays and is the one the next refresh loads.
 * - Where the store holds none (or no store is given), the config's token is used.
 * - One refresh at a time per adapter: callers that meet an expired token together share it.
 * - The access token is kept until a minute before `expires_in` (or until a 401 drops it).
 *
 * The SDK is tuned per instance, never globally: its token URL is a static of the class (two
 * companies on two URLs would race), its retries (three, on 429/5xx) would run outside the
 * upstream budget, and its HTTP call has no timeout. `loadResponse(request)` is where it sends, so
 * this instance's override sets the URL and the timeout and sends once; the retries are this
 * class's (no answer, 429, 5xx), under the credential's retry budget.
 *
 * The SDK is imported on the first refresh, not at start (`../../lazy-sdk.ts`): every vendor is
 * registered, and `intuit-oauth` alone holds ≈ 30 MB of RSS in a fresh process (axios, winston,
 * jsonwebtoken), which a gateway whose practices book nothing should not pay. Its client is built
 * once per token source, on that first refresh.
 */
import type OAuthClient from 'intuit-oauth';
import { retry } from '../../http';
import { lazySdk } from '../../lazy-sdk';
import { UpstreamError } from '../../ledger/port';
import type { RefreshTokenStore } from '../port';
import type { AdapterOptions } from '../../system';
import type { QuickbooksConnection } from './connection';
import { QUICKBOOKS_TOKEN_ENDPOINT } from './rate-limits';
import { tokenResponseSchema } from './schemas';

export interface TokenSourceOptions {
  /** Total time of one refresh grant, in ms. */
  timeoutMs: number;
  /** Retries of a grant that got no answer, a 429 or a 5xx. */
  maxRetries: number;
  /** Base of the jittered backoff between those retries, in ms. */
  retryBaseDelayMs: number;
  refreshTokens?: RefreshTokenStore;
  upstreamBudget?: AdapterOptions['upstreamBudget'];
  onUpstreamCall?: AdapterOptions['onUpstreamCall'];
  now?: () => number;
}

interface AxiosLikeError {
  authResponse?: { response?: { status?: number } };
  response?: { status?: number };
  code?: string;
}

/** The HTTP status out of whatever the SDK threw, `null` when no answer came. */
function statusOf(error: unknown): number | null {
  const e = (error ?? {}) as AxiosLikeError;
  return e.authResponse?.response?.status ?? e.response?.status ?? null;
}

/** What kind of failure left no answer: a system error code (`ECONNRESET`) or `timeout`, never the SDK's message itself. */
function failureKind(error: unknown): string {
  const e = (error ?? {}) as AxiosLikeError & { originalMessage?: string };
  const code = e.code ?? /\b(E[A-Z]{3,}|timeout)\b/.exec(e.originalMessage ?? '')?.[1];
  return code ?? 'timeout or network';
}

const intuitOAuthSdk = lazySdk(() => import('intuit-oauth'));

export class QuickbooksTokens {
  private sdk: Promise<OAuthClient> | null = null;
  private access: { token: string; expiresAt: number } | null = null;
  private refreshing: Promise<string> | null = null;
  private readonly now: () => number;

  constructor(
    private connection: QuickbooksConnection,
    private readonly options: TokenSourceOptions,
  ) {
    this.now = options.now ?? Date.now;
  }

  /** This instance's SDK client, built on the first refresh and shared by every later one. */
  private client(): Promise<OAuthClient> {
    if (!this.sdk) {
      const { connection, options } = this;
      this.sdk = intuitOAuthSdk.load().then(({ default: OAuthClientClass }) => {
        const sdk = new OAuthClientClass({
          clientId: connection.clientId,
          clientSecret: connection.clientSecret,
          environment: 'production',
          redirectUri: 'http://127.0.0.1/unused',
          logging: false,
        });
        const send = OAuthClientClass.prototype.loadResponse;
        const { tokenUrl } = connection;
        const timeout = options.timeoutMs;
        // Per instance (see the header): this URL, a timeout, one attempt.
        Object.assign(sdk, {
          loadResponse(this: OAuthClient, request: Record<string, unknown>) {
            return send.call(this, { ...request, url: tokenUrl, timeout });
          },
          shouldRetry: () => false,
        });
        return sdk;
      });
      // A failed import (a missing package) is not kept: the next refresh tries again.
      this.sdk.catch(() => {
        this.sdk = null;
      });
    }
    return this.sdk;
  }

  /** A valid access token: the cached one, or a refreshed one. */
  async accessToken(): Promise<string> {
    if (this.refreshing) return this.refreshing;
    if (this.access && this.now() < this.access.expiresAt) return this.access.token;
    return this.refresh();
  }

  /** Forget `used` after a 401, at once (when it is still the cached one): calls queued behind it then wait for a refresh. */
  invalidate(used: string): void {
    if (this.access?.token === used) this.access = null;
  }

  /**
   * A token to replace `used`, which QuickBooks just refused (401): the one a concurrent refresh is
   * getting or already got, else a new refresh. Calls that met the same expiry share one refresh.
   */
  async replace(used: string): Promise<string> {
    if (this.refreshing) return this.refreshing;
    if (this.access && this.access.token !== used && this.now() < this.access.expiresAt) return this.access.token;
    this.invalidate(used);
    return this.refresh();
  }

  /** Refresh now (one refresh shared by concurrent callers). */
  refresh(): Promise<string> {
    if (!this.refreshing) {
      this.refreshing = this.doRefresh().finally(() => {
        this.refreshing = null;
      });
    }
    return this.refreshing;
  }

  private async doRefresh(): Promise<string> {
    const stored = await this.options.refreshTokens?.load();
    const refreshToken = stored ?? this.connection.refreshToken;
    const budget = this.options.upstreamBudget;
    // A refresh whose answer was lost may be repeated: the token spent stays valid a while (Intuit:
    // 24 h), and the grant changes nothing else. Retried on no answer, 429 and 5xx, under the budget.
    const json = await retry<unknown>(
      async (attempt) => {
        try {
          return { done: true, value: await this.exchange(refreshToken, attempt) };
        } catch (error) {
          if (!(error instanceof UpstreamError)) throw error;
          const retryable = error.status === null || error.status === 429 || error.status >= 500;
          return { done: false, error, retryable };
        }
      },
      {
        maxRetries: this.options.maxRetries,
        baseDelayMs: this.options.retryBaseDelayMs,
        mayRetry: budget ? () => budget.mayRetry() : undefined,
      },
    );
    const parsed = tokenResponseSchema.safeParse(json);
    if (!parsed.success) {
      throw new UpstreamError(
        'QuickBooks token refresh answered without access_token / refresh_token',
        'UPSTREAM_UNAVAILABLE',
        200,
        QUICKBOOKS_TOKEN_ENDPOINT,
      );
    }
    const { access_token, refresh_token, expires_in = 3600 } = parsed.data;
    if (this.options.refreshTokens && (refresh_token !== refreshToken || stored === null)) {
      // Compare-and-set against the token this refresh spent: a concurrent refresh (another
      // practice on this company, another instance) that saved first keeps its newer token. Our
      // access token is still good, and the next refresh loads the newest from the store and spends that.
      await this.options.refreshTokens.save(refresh_token, stored ?? null);
    }
    // Without a store the rotated token lives in memory only (the config's is older but, per Intuit, valid a while).
    if (!this.options.refreshTokens) this.connection = { ...this.connection, refreshToken: refresh_token };
    const margin = Math.min(60, expires_in / 10) * 1000;
    this.access = { token: access_token, expiresAt: this.now() + expires_in * 1000 - margin };
    return access_token;
  }

  /** One refresh grant through the SDK, reported and counted; its failures as `UpstreamError`s that quote nothing sent. */
  private async exchange(refreshToken: string, attempt: number): Promise<unknown> {
    const endpoint = QUICKBOOKS_TOKEN_ENDPOINT;
    // Before the budget is asked: a refresh that cannot load the SDK spends no exchange.
    const sdk = await this.client();
    const done = await this.options.upstreamBudget?.beforeExchange({ endpoint, attempt });
    const started = performance.now();
    let status: number | null = null;
    try {
      const answer = await sdk.refreshUsingToken(refreshToken);
      status = 200;
      return answer.json;
    } catch (error) {
      status = statusOf(error);
      // Never the SDK's error as is: it carries the request (Basic credentials, refresh token).
      throw new UpstreamError(
        status === null
          ? `QuickBooks token refresh got no answer (${failureKind(error)}, limit ${this.options.timeoutMs} ms)`
          : `QuickBooks token refresh refused (HTTP ${status}): the refresh token or the app's credentials are not accepted; reconnect the company`,
        'UPSTREAM_UNAVAILABLE',
        status,
        endpoint,
      );
    } finally {
      void done?.(status, null);
      try {
        this.options.onUpstreamCall?.({ endpoint, method: 'POST', status, durationMs: performance.now() - started, attempt });
      } catch {
        // an observer's failure is not the upstream's
      }
    }
  }
}
