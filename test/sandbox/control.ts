/**
 * A simulator's `/_sandbox/…` control over raw HTTP, as the tests of the JSON simulators (Availity,
 * claim status) turn them: JSON in, the status and the parsed JSON out.
 */

export async function sandboxControl(url: string, method: string, path: string, body?: unknown) {
  const res = await fetch(`${url}/_sandbox/${path}`, {
    method,
    headers: { 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: res.status, json: (await res.json()) as any };
}
