/** JSON text parsed, or `undefined` when it is not JSON (a proxy's HTML page, an empty body). */
export function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
