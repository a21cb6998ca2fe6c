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
  /** A task's end: its slot passes to the first waiting task, or becomes free. */
  const release = () => {
    const next = waiting.shift();
    if (next) next();
    else active--;
  };
  const start = <T>(task: () => Promise<T>): Promise<T> => {
    let running: Promise<T>;
    try {
      running = task();
    } catch (error) {
      release();
      return Promise.reject(error);
    }
    return running.then(
      (value) => {
        release();
        return value;
      },
      (error: unknown) => {
        release();
        throw error;
      },
    );
  };
  // A free slot runs the task at once (no await before it: a promise fewer per call, on every
  // upstream exchange); a full limiter queues it, FIFO, and hands it the slot of the task that ends.
  return <T>(task: () => Promise<T>): Promise<T> => {
    if (active < concurrency) {
      active++;
      return start(task);
    }
    return new Promise<void>((resolve) => waiting.push(resolve)).then(() => start(task));
  };
}
