/**
 * Validating an athenahealth response body against its zod schema (`schemas.ts`). A body that does
 * not fit becomes an `UPSTREAM_UNAVAILABLE` UpstreamError naming the method, the endpoint template and
 * up to three failing paths, never a value from the body.
 */
import type { z } from 'zod';
import { UpstreamError } from '../port';

export function parseResponse<S extends z.ZodTypeAny>(schema: S, json: unknown, method: string, endpoint: string): z.output<S> {
  const parsed = schema.safeParse(json);
  if (!parsed.success) {
    // zod issues name paths and expectations, never values: nothing of the patient leaks
    const where = parsed.error.issues
      .slice(0, 3)
      .map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`)
      .join('; ');
    throw new UpstreamError(
      `athenahealth: malformed response from ${method} ${endpoint} (${where})`,
      'UPSTREAM_UNAVAILABLE',
      200,
      endpoint,
    );
  }
  return parsed.data;
}
