/**
 * A counting semaphore: at most `concurrency` tasks run at once, the rest wait in FIFO order.
 *
 *     const limit = createLimiter(8);
 *     const results = await Promise.all(ids.map((id) => limit(() => fetchOne(id))));
 */
export type Limiter = <T>(task: () => Promise<T>) => Promise<T>;

export function createLimiter(concurrency: number): Limiter {
  if (!Number.isInteger(concurrency) || concurrency < 1) {
    throw new RangeError(`expected a concurrency of at least 1, got ${concurrency}`);
  }
  let active = 0;
  const waiting: Array<() => void> = [];
  const release = () => {
    active--;
    const next = waiting.shift();
    if (next) next();
  };
  return async <T>(task: () => Promise<T>): Promise<T> => {
    if (active >= concurrency) {
      await new Promise<void>((resolve) => waiting.push(resolve));
    }
    active++;
    try {
      return await task();
    } finally {
      release();
    }
  };
}
