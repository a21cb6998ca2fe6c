/** The queue's own errors, and the text stored for a failed attempt (never a stack, never a secret). */

/** Thrown into a handler's signal (and recorded) when it ran past its kind's `timeoutMs`. */
export class JobTimeoutError extends Error {
  override readonly name = 'JobTimeoutError';
}

/** The signal's reason when another instance may own the job now. Nothing the run returns is kept. */
export class JobLeaseLostError extends Error {
  override readonly name = 'JobLeaseLostError';
}

/** An error's message for the queue's own log lines. */
export function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * The text stored for a failed attempt: the error's code and message, never its stack (paths, and
 * whatever a library put there), with URL passwords and bearer tokens blanked. Handlers must still
 * keep patient data and card numbers out of their error messages.
 */
export function errorText(error: unknown): string {
  let text: string;
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    text = `${typeof code === 'string' && code.length > 0 ? `${code}: ` : ''}${error.message || error.name}`;
  } else {
    text = typeof error === 'string' ? error : `a non-Error value was thrown: ${JSON.stringify(error) ?? String(error)}`;
  }
  return text
    .replace(/([a-z][a-z0-9+.-]*:\/\/[^:/@\s]*):[^@/\s]*@/gi, '$1:***@')
    .replace(/\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]+/gi, '$1 [redacted]');
}
