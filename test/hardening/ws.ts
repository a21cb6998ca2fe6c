/** A graphql-ws client for tests: one operation, its results and errors, and how the socket closed. */
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';

export interface WsOutcome {
  results: Array<{ data?: unknown; errors?: Array<{ message: string; extensions?: Record<string, any> }> }>;
  /** Errors from an `error` message (refused before execution), or the close event. */
  errors: Array<{ message: string; extensions?: Record<string, any> }>;
  closeCode: number | null;
}

/**
 * Subscribe once and collect until the operation completes, errors, or `waitMs` passes (a live
 * subscription is then disposed). `key: null` sends no Authorization.
 */
export async function wsOnce(
  httpUrl: string,
  key: string | null,
  query: string,
  variables: Record<string, unknown> = {},
  waitMs = 1500,
): Promise<WsOutcome> {
  const outcome: WsOutcome = { results: [], errors: [], closeCode: null };
  const client = createClient({
    url: httpUrl.replace(/^http/, 'ws') + '/graphql',
    webSocketImpl: WebSocket,
    connectionParams: key ? { Authorization: `Bearer ${key}` } : {},
    retryAttempts: 0,
    lazy: true,
    on: { closed: (event) => (outcome.closeCode = (event as { code?: number }).code ?? null) },
  });
  try {
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        dispose();
        resolve();
      }, waitMs);
      const dispose = client.subscribe(
        { query, variables },
        {
          next: (value) => outcome.results.push(value as WsOutcome['results'][number]),
          error: (error) => {
            clearTimeout(timer);
            if (Array.isArray(error)) outcome.errors.push(...(error as WsOutcome['errors']));
            else if (error && typeof error === 'object' && 'code' in error) {
              outcome.closeCode = (error as { code: number }).code;
              outcome.errors.push({ message: String((error as { reason?: string }).reason ?? 'closed') });
            } else outcome.errors.push({ message: String((error as Error)?.message ?? error) });
            resolve();
          },
          complete: () => {
            clearTimeout(timer);
            resolve();
          },
        },
      );
    });
  } finally {
    await client.dispose();
  }
  return outcome;
}

/** Every error code in a ws outcome. */
export function wsCodes(outcome: WsOutcome): string[] {
  return [...outcome.errors, ...outcome.results.flatMap((r) => r.errors ?? [])].map(
    (e) => e.extensions?.code ?? `(no code: ${e.message})`,
  );
}
