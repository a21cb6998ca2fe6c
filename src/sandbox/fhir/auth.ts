/**
 * The token endpoint (SMART Backend Services, client_credentials) and bearer checks. An assertion is
 * accepted only when: `alg` RS384, `kid` registered for the client, signature valid, `iss` = `sub` =
 * client id, `aud` = the mount's token URL exactly, not expired and `exp − now` ≤ 300 s, `jti` never
 * seen; else 401 `invalid_client`. Tokens live 300 s, bound to the mount that issued them.
 */
import { randomBytes } from 'node:crypto';
import { decodeJwt, decodeProtectedHeader, errors as joseErrors, jwtVerify } from 'jose';
import type { ClientRegistry } from './clients';
import { forbidden, OAuthError, unauthorized } from './outcome';
import { type MountDefinition, parseScope, type ScopeGrant } from './profiles';

export const TOKEN_TTL_SECONDS = 300;
const MAX_ASSERTION_LIFETIME_SECONDS = 300;
const ASSERTION_TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';

interface IssuedToken {
  clientId: string;
  profile: MountDefinition['profile'];
  grants: ScopeGrant[];
  scope: string;
  expiresAtMs: number;
}

export class TokenAuthority {
  private readonly tokens = new Map<string, IssuedToken>();
  private readonly usedJti = new Map<string, number>();
  /** Lifetime of new tokens in seconds; the `tokens/expire` knob can shorten it. */
  ttlSeconds = TOKEN_TTL_SECONDS;

  constructor(
    private readonly clients: ClientRegistry,
    private readonly now: () => number,
  ) {}

  /** `POST {tokenPath}`: form body, optional Basic header (oracle only). */
  async issue(mount: MountDefinition, tokenUrl: string, form: URLSearchParams, authorization: string | undefined) {
    if (form.get('grant_type') !== 'client_credentials')
      throw new OAuthError(
        400,
        'invalid_grant',
        `grant_type must be client_credentials, got ${form.get('grant_type') ?? 'nothing'}`,
      );
    const clientId = authorization?.startsWith('Basic ')
      ? this.checkBasic(mount, authorization)
      : await this.checkAssertion(mount, tokenUrl, form);
    const requested = (form.get('scope') ?? '').split(' ').filter(Boolean);
    const scopes = requested.length > 0 ? requested : mount.scopes;
    const grants: ScopeGrant[] = [];
    for (const scope of scopes) {
      const grant = parseScope(mount, scope);
      if (!grant) throw new OAuthError(400, 'invalid_scope', `scope ${scope} is not known to this server`);
      grants.push(grant);
    }
    const accessToken = randomBytes(24).toString('base64url');
    const scope = scopes.join(' ');
    this.tokens.set(accessToken, {
      clientId,
      profile: mount.profile,
      grants,
      scope,
      expiresAtMs: this.now() + this.ttlSeconds * 1000,
    });
    return { access_token: accessToken, token_type: 'bearer', expires_in: this.ttlSeconds, scope };
  }

  private checkBasic(mount: MountDefinition, authorization: string): string {
    if (!mount.acceptsBasic)
      throw new OAuthError(401, 'invalid_client', 'this server accepts only private_key_jwt client assertions');
    const decoded = Buffer.from(authorization.slice('Basic '.length), 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    const clientId = colon < 0 ? decoded : decoded.slice(0, colon);
    const client = this.clients.find(clientId, mount.profile);
    if (!client || client.secret === null || colon < 0 || decoded.slice(colon + 1) !== client.secret)
      throw new OAuthError(401, 'invalid_client', 'client id or secret not recognised');
    return clientId;
  }

  private async checkAssertion(mount: MountDefinition, tokenUrl: string, form: URLSearchParams): Promise<string> {
    const invalid = (why: string) => new OAuthError(401, 'invalid_client', why);
    if (form.get('client_assertion_type') !== ASSERTION_TYPE) throw invalid(`client_assertion_type must be ${ASSERTION_TYPE}`);
    const assertion = form.get('client_assertion');
    if (!assertion) throw invalid('client_assertion is missing');
    let header: ReturnType<typeof decodeProtectedHeader>;
    let claims: ReturnType<typeof decodeJwt>;
    try {
      header = decodeProtectedHeader(assertion);
      claims = decodeJwt(assertion);
    } catch {
      throw invalid('client_assertion is not a JWT');
    }
    if (header.alg !== 'RS384') throw invalid(`client_assertion alg must be RS384, got ${String(header.alg)}`);
    const clientId = typeof claims.iss === 'string' ? claims.iss : '';
    const client = this.clients.find(clientId, mount.profile);
    if (!client) throw invalid(`client ${clientId || '(no iss)'} is not registered`);
    const key = typeof header.kid === 'string' ? client.keys.get(header.kid) : undefined;
    if (!key) throw invalid(`kid ${String(header.kid)} is not registered for ${clientId}`);
    const nowMs = this.now();
    try {
      await jwtVerify(assertion, key, {
        algorithms: ['RS384'],
        audience: tokenUrl,
        issuer: clientId,
        subject: clientId,
        currentDate: new Date(nowMs),
        requiredClaims: ['exp', 'jti'],
      });
    } catch (error) {
      if (error instanceof joseErrors.JWTClaimValidationFailed)
        throw invalid(`client_assertion claim ${error.claim}: ${error.message} (aud must be ${tokenUrl})`);
      if (error instanceof joseErrors.JWTExpired) throw invalid('client_assertion has expired');
      throw invalid(`client_assertion rejected: ${error instanceof Error ? error.message : String(error)}`);
    }
    const nowSeconds = Math.floor(nowMs / 1000);
    const exp = claims.exp ?? 0;
    if (exp - nowSeconds > MAX_ASSERTION_LIFETIME_SECONDS)
      throw invalid(`client_assertion exp is ${exp - nowSeconds} s away; at most ${MAX_ASSERTION_LIFETIME_SECONDS} s allowed`);
    const jti = String(claims.jti);
    for (const [seen, until] of this.usedJti) if (until < nowSeconds) this.usedJti.delete(seen);
    if (this.usedJti.has(`${clientId} ${jti}`)) throw invalid(`client_assertion jti ${jti} was already used`);
    this.usedJti.set(`${clientId} ${jti}`, exp);
    return clientId;
  }

  /** The grants of a valid bearer token for `mount`; 401 otherwise. */
  verify(mount: MountDefinition, authorization: string | undefined): IssuedToken {
    const token = authorization?.startsWith('Bearer ') ? authorization.slice('Bearer '.length).trim() : '';
    if (!token) throw unauthorized('Authorization: Bearer <token> is required');
    const issued = this.tokens.get(token);
    if (!issued || issued.profile !== mount.profile) throw unauthorized('the access token is not valid for this server');
    if (issued.expiresAtMs <= this.now()) throw unauthorized('the access token has expired');
    return issued;
  }

  /** 403 unless the token grants `access` on `type` (an FT needs both Basic and FinancialTransaction writes). */
  require(token: IssuedToken, type: string, access: 'read' | 'write'): void {
    if (!token.grants.some((g) => g.type === type && g[access]))
      throw forbidden(`the access token lacks system/${type}.${access}`);
  }

  /** Makes every issued token expired: the next call with one answers 401. */
  expireAll(): void {
    const past = this.now() - 1;
    for (const token of this.tokens.values()) token.expiresAtMs = past;
  }
}

export type { IssuedToken };
