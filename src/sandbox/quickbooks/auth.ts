/**
 * OAuth 2.0 as the sandbox's token endpoint serves it (`POST /oauth2/v1/tokens/bearer`, HTTP Basic
 * `clientId:clientSecret`, form `grant_type=refresh_token&refresh_token=…`) and the bearer check of
 * every API call. Refresh tokens rotate on every use, `RT1-sandbox-<realm>` → `RT1-sandbox-<realm>-1`
 * → `…-2`, and the one just used stays valid 24 h of sandbox time; access tokens are opaque and
 * live 3,600 s of sandbox time (or until `expireAccessTokens`). A token of another realm → 401.
 */
import { randomBytes } from 'node:crypto';
import { QBO_CLIENT, type SeededRealm } from './realms';

export const ACCESS_TOKEN_TTL_SECONDS = 3_600;
/** How long a used refresh token still works: Intuit keeps the previous one valid for 24 h. */
export const ROTATED_GRACE_MS = 24 * 3_600_000;
/** What Intuit answers as a refresh token's remaining life (about 100 days). */
export const REFRESH_TOKEN_TTL_SECONDS = 8_726_400;

interface RefreshToken {
  realmId: string;
  /** Sandbox ms after which it no longer works; `null` until it is used (rotated). */
  validUntil: number | null;
}

interface AccessToken {
  realmId: string;
  expiresAt: number;
}

/** The OAuth error an answer carries (`invalid_client` 401, `invalid_grant` / `unsupported_grant_type` 400). */
export interface OAuthRefusal {
  status: number;
  body: { error: string; error_description?: string };
}

export class TokenAuthority {
  private refreshTokens = new Map<string, RefreshToken>();
  private accessTokens = new Map<string, AccessToken>();
  private rotations = new Map<string, number>();
  /** Every token grant so far (tests count refreshes). */
  grants = 0;

  constructor(
    private readonly realms: readonly SeededRealm[],
    private readonly now: () => number,
    private readonly accessTtlSeconds = ACCESS_TOKEN_TTL_SECONDS,
  ) {
    this.reset();
  }

  reset(): void {
    this.refreshTokens.clear();
    this.accessTokens.clear();
    this.rotations.clear();
    this.grants = 0;
    for (const realm of this.realms) this.refreshTokens.set(realm.refreshToken, { realmId: realm.realmId, validUntil: null });
  }

  /** The token endpoint: the answer to a refresh, or the OAuth refusal. */
  refresh(authorization: string | undefined, form: URLSearchParams): { status: number; body: unknown } | OAuthRefusal {
    const basic = authorization?.match(/^Basic\s+(.+)$/i)?.[1];
    const decoded = basic ? Buffer.from(basic, 'base64').toString('utf8') : '';
    if (decoded !== `${QBO_CLIENT.clientId}:${QBO_CLIENT.clientSecret}`) {
      return { status: 401, body: { error: 'invalid_client' } };
    }
    if (form.get('grant_type') !== 'refresh_token') {
      return { status: 400, body: { error: 'unsupported_grant_type', error_description: 'expected grant_type=refresh_token' } };
    }
    const presented = form.get('refresh_token') ?? '';
    const token = this.refreshTokens.get(presented);
    const now = this.now();
    if (!token || (token.validUntil !== null && token.validUntil <= now)) {
      return { status: 400, body: { error: 'invalid_grant', error_description: 'Incorrect or invalid refresh token' } };
    }
    if (token.validUntil === null) token.validUntil = now + ROTATED_GRACE_MS;
    const n = (this.rotations.get(token.realmId) ?? 0) + 1;
    this.rotations.set(token.realmId, n);
    const rotated = `RT1-sandbox-${token.realmId}-${n}`;
    this.refreshTokens.set(rotated, { realmId: token.realmId, validUntil: null });
    const access = `eyJqbyI6InNhbmRib3gifQ.${token.realmId}.${randomBytes(12).toString('hex')}`;
    this.accessTokens.set(access, { realmId: token.realmId, expiresAt: now + this.accessTtlSeconds * 1000 });
    this.grants++;
    return {
      status: 200,
      body: {
        token_type: 'bearer',
        access_token: access,
        expires_in: this.accessTtlSeconds,
        refresh_token: rotated,
        x_refresh_token_expires_in: REFRESH_TOKEN_TTL_SECONDS,
      },
    };
  }

  /** Why a bearer token does not open `realmId` (the 401's detail), or `null` when it does. */
  check(authorization: string | undefined, realmId: string): string | null {
    const bearer = authorization?.match(/^Bearer\s+(.+)$/i)?.[1]?.trim();
    if (!bearer) return 'Authorization header is missing or not a Bearer token';
    const token = this.accessTokens.get(bearer);
    if (!token) return 'Token invalid: the access token is not known';
    if (token.expiresAt <= this.now()) return `Token expired: ${bearer.slice(0, 12)}…`;
    if (token.realmId !== realmId) return `Token invalid: the access token was issued for another company than ${realmId}`;
    return null;
  }

  /** Expire every access token of a realm now (the "token expired mid-run" knob). */
  expireAccessTokens(realmId?: string): number {
    let expired = 0;
    const now = this.now();
    for (const token of this.accessTokens.values()) {
      if (realmId !== undefined && token.realmId !== realmId) continue;
      if (token.expiresAt > now) expired++;
      token.expiresAt = Math.min(token.expiresAt, now);
    }
    return expired;
  }

  /** Mint an access token without the endpoint (tests of the API that do not exercise OAuth). */
  issue(realmId: string): string {
    const access = `eyJqbyI6InNhbmRib3gifQ.${realmId}.${randomBytes(12).toString('hex')}`;
    this.accessTokens.set(access, { realmId, expiresAt: this.now() + this.accessTtlSeconds * 1000 });
    return access;
  }
}
