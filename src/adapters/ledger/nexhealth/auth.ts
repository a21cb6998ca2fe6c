/**
 * NexHealth authentication: `POST /authenticates` with the raw API key (no "Bearer") answers a JWT
 * that every other call sends as `Authorization: Bearer <token>`. The token is cached and shared; a
 * 401 elsewhere invalidates it (once per failing token, so concurrent 401s trigger one re-auth).
 *
 *     const tokens = new TokenCache(() => authenticateOnce());
 *     const token = await tokens.get();
 *     // ... on a 401 with `token`:
 *     tokens.invalidate(token);
 */
export class TokenCache {
  private token: string | null = null;
  private inflight: Promise<string> | null = null;

  constructor(private readonly fetchToken: () => Promise<string>) {}

  /** The cached token, if there is one: lets a caller skip a promise on every call but the first. */
  current(): string | null {
    return this.token;
  }

  /** The cached token, or the one being fetched, or a fresh one. */
  get(): Promise<string> {
    if (this.token !== null) return Promise.resolve(this.token);
    if (this.inflight) return this.inflight;
    const pending = this.fetchToken().then(
      (token) => {
        this.token = token;
        this.inflight = null;
        return token;
      },
      (err: unknown) => {
        this.inflight = null;
        throw err;
      },
    );
    this.inflight = pending;
    return pending;
  }

  /** Forget `token` if it is still the current one (a newer token is kept). */
  invalidate(token: string): void {
    if (this.token === token) this.token = null;
  }

  clear(): void {
    this.token = null;
  }
}
