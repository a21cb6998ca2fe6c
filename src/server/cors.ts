/**
 * CORS for `/graphql`: browser apps served from another origin (a frontend team's app, a patient
 * portal) may call the API when their origin is listed in `server.corsOrigins`. Empty (the default):
 * no CORS header is ever written, and browsers keep cross-origin pages out, as before.
 *
 *     const cors = createCors({ origins: config.server.corsOrigins });
 *     if (cors(req, res)) return; // a preflight, answered
 *
 * An allowed origin gets `Access-Control-Allow-Origin` (its own value, never `*`) on every answer,
 * errors included, so the app can read why it was refused; its preflight (`OPTIONS` with
 * `Access-Control-Request-Method`) is answered 204 with the methods and headers below. Any other
 * origin's preflight is answered 204 with no CORS header, which the browser treats as a refusal.
 * `Access-Control-Allow-Credentials` is never sent: the API authenticates with a bearer key the app
 * puts in `Authorization`, never with cookies, so a browser must not attach the user's cookies.
 * Websockets are not subject to CORS (browsers do not preflight them); they authenticate with
 * `connectionParams` the same way, never with cookies.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { z } from 'zod';

/** An origin as browsers send it in `Origin`: `scheme://host[:port]`, nothing after. */
export const corsOrigin = z.string().refine(
  (text) => {
    try {
      const parsed = new URL(text);
      return /^https?:$/.test(parsed.protocol) && parsed.origin === text;
    } catch {
      return false;
    }
  },
  { message: 'expected an origin such as "https://app.example.com" (scheme, host and port only, no path or trailing slash)' },
);

export interface CorsOptions {
  /** Origins allowed, compared exactly with the request's `Origin`. Default: none (no CORS headers). */
  origins?: readonly string[];
  /** How long a browser may cache a preflight answer. Default: 600 s (browsers cap it at 7200 or less). */
  maxAgeSeconds?: number;
}

/** What a cross-origin client of `/graphql` sends: GET and POST (Apollo's GET runs queries only). */
const ALLOW_METHODS = 'GET, POST';
/**
 * The request headers a client needs: its key, the JSON body's type, Apollo's CSRF-prevention
 * headers (a GET must carry one of the last two) and the request id the gateway echoes.
 */
const ALLOW_HEADERS = 'authorization, content-type, apollo-require-preflight, x-apollo-operation-name, x-request-id';
/** Response headers beyond the safelisted ones the app may read: a 429's wait and the log's request id. */
const EXPOSE_HEADERS = 'retry-after, x-request-id';

/**
 * Sets the CORS headers of `req`'s answer on `res`; true when it answered `req` itself (a preflight),
 * false when the caller should go on and answer.
 */
export function createCors(options: CorsOptions = {}): (req: IncomingMessage, res: ServerResponse) => boolean {
  const origins = new Set(options.origins ?? []);
  const maxAge = String(options.maxAgeSeconds ?? 600);
  return (req, res) => {
    if (origins.size === 0) return false;
    // The answer depends on Origin, so a shared cache must not serve one origin's answer to another.
    res.setHeader('vary', 'Origin');
    const origin = req.headers.origin;
    const allowed = typeof origin === 'string' && origins.has(origin);
    if (req.method === 'OPTIONS') {
      if (allowed && req.headers['access-control-request-method']) {
        res.setHeader('access-control-allow-origin', origin);
        res.setHeader('access-control-allow-methods', ALLOW_METHODS);
        res.setHeader('access-control-allow-headers', ALLOW_HEADERS);
        res.setHeader('access-control-max-age', maxAge);
      }
      res.writeHead(204).end();
      return true;
    }
    if (allowed) {
      res.setHeader('access-control-allow-origin', origin);
      res.setHeader('access-control-expose-headers', EXPOSE_HEADERS);
    }
    return false;
  };
}
