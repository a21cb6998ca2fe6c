/**
 * The request body as text, for the simulators' HTTP servers: at most `limit` bytes, else the
 * request is destroyed and the promise rejects with the error `tooLarge()` makes (each simulator
 * answers an oversized body in its vendor's own error shape).
 *
 *     const text = await readBody(req, () => badRequest('Request body too large'));
 */
import type { IncomingMessage } from 'node:http';

/** The default body limit of every simulator: 1 MB, above any request a gateway sends. */
export const MAX_BODY_BYTES = 1_000_000;

export function readBody(
  req: IncomingMessage,
  tooLarge: () => Error = () => new Error('body too large'),
  limit = MAX_BODY_BYTES,
): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        reject(tooLarge());
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

/** Resolves after `ms` (a simulator's configured latency; never used to wait on state). */
export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
