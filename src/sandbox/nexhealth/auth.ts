/**
 * Authentication: `POST /authenticates` with the raw api key in `Authorization` (no "Bearer") returns
 * a JWT-shaped bearer token valid for `ttlMs` (24 h by default, like NexHealth's sandbox). Every other
 * call sends `Authorization: Bearer <token>`; an unknown or expired token is a 401.
 */
import { createHmac, randomBytes } from 'node:crypto';
import { unauthorized } from './envelope';

export const DEFAULT_TOKEN_TTL_MS = 24 * 60 * 60 * 1000;

interface TokenInfo {
  apiKey: string;
  expiresAt: number;
}

export class TokenAuthority {
  private readonly tokens = new Map<string, TokenInfo>();
  private readonly secret = randomBytes(32);

  constructor(
    private readonly apiKey: string,
    private readonly ttlMs: number = DEFAULT_TOKEN_TTL_MS,
    private readonly now: () => number = Date.now,
  ) {}

  /** The raw `Authorization` header of `POST /authenticates` → a new token, or a 401. */
  authenticate(header: string | undefined): string {
    const key = (header ?? '').trim();
    if (!key || key !== this.apiKey) throw unauthorized('Invalid API key');
    const issued = this.now();
    const expiresAt = issued + this.ttlMs;
    const part = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
    const unsigned = `${part({ alg: 'HS256', typ: 'JWT' })}.${part({ sub: 'api_user', iat: Math.floor(issued / 1000), exp: Math.floor(expiresAt / 1000), jti: randomBytes(8).toString('hex') })}`;
    const token = `${unsigned}.${createHmac('sha256', this.secret).update(unsigned).digest('base64url')}`;
    this.tokens.set(token, { apiKey: key, expiresAt });
    return token;
  }

  /** The `Authorization: Bearer <token>` header of any other call → the api key it stands for, or a 401. */
  verify(header: string | undefined): string {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '');
    if (!match) throw unauthorized('Missing bearer token');
    const info = this.tokens.get(match[1]!);
    if (!info) throw unauthorized('Invalid token');
    if (info.expiresAt <= this.now()) {
      this.tokens.delete(match[1]!);
      throw unauthorized('Token has expired');
    }
    return info.apiKey;
  }

  /** Make every issued token expired (tests of re-authentication). */
  expireAll(): void {
    for (const info of this.tokens.values()) info.expiresAt = 0;
  }
}
