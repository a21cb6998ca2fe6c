/**
 * Promises created in this process per request of one document: the gateway's own asynchronous
 * work, which its CPU per request follows (each promise is an allocation, a microtask and, under
 * AsyncLocalStorage, an async hook). Counted with an `async_hooks` init hook, enabled only for the
 * count (a hook makes every promise dearer) and after a warm-up; the client's own promises are in
 * the count, alike for every server.
 *
 *     const n = await promisesPerRequest(() => gql(gateway.url, THREE_LEVEL_QUERY, variables));
 */
import { createHook } from 'node:async_hooks';

export async function promisesPerRequest(once: () => Promise<unknown>, requests = 50): Promise<number> {
  for (let i = 0; i < 10; i += 1) await once(); // warm caches (reference data, documents), untimed
  let promises = 0;
  const hook = createHook({
    init(_id, type) {
      if (type === 'PROMISE') promises += 1;
    },
  });
  hook.enable();
  try {
    for (let i = 0; i < requests; i += 1) await once();
  } finally {
    hook.disable();
  }
  return promises / requests;
}
