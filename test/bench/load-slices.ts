/**
 * Closed-loop load on one GraphQL server over a kept undici agent, in slices, so that several
 * servers' slices can alternate within one measure: a change in the machine's load over the measure
 * (other work on a shared machine) then touches every server alike, and their ratio keeps still
 * where back-to-back measures of a few seconds each swung it by 2× (README, "Benchmark").
 *
 *     const gw = loadSlices(gatewayUrl, body, headers, { concurrency: 16 });
 *     const bare = loadSlices(bareUrl, body, jsonHeaders, { concurrency: 16 });
 *     await Promise.all([gw.slice(1, { warmUp: true }), bare.slice(1, { warmUp: true })]);
 *     for (let i = 0; i < 4; i += 1) { await gw.slice(1.25); await bare.slice(1.25); }
 *     const { rps, p50, cpuMsPerRequest } = gw.take();
 */
import { Agent, request } from 'undici';
import { now, summarize } from './stats';

export interface LoadSlicesOptions {
  /** Requests in flight, one per connection (default 16). */
  concurrency?: number;
  /** Throw at the end of a slice in which a request failed (default `false`: failures are counted). */
  failOnError?: boolean;
}

export interface SliceFigures {
  /** Counted requests per second of the slices' own time. */
  rps: number;
  p50: number;
  p99: number;
  errors: number;
  requests: number;
  /** This process's CPU per request (the server when in-process, and the load generator). */
  cpuMsPerRequest: number;
}

export function loadSlices(url: string, body: string, headers: Record<string, string>, options: LoadSlicesOptions = {}) {
  const concurrency = options.concurrency ?? 16;
  const agent = new Agent({ connections: concurrency, pipelining: 1 });
  const total = { requests: 0, errors: 0, cpuUs: 0, seconds: 0, times: [] as number[] };
  /** Load for `seconds`; counted unless `warmUp`. Resolves to the requests completed in the slice. */
  const slice = async (seconds: number, { warmUp = false } = {}): Promise<number> => {
    let done = 0;
    let errors = 0;
    const times: number[] = [];
    const cpu = process.cpuUsage();
    const start = now();
    const until = start + seconds * 1000;
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (now() < until) {
          const t0 = now();
          const res = await request(`${url}/graphql`, { method: 'POST', body, headers, dispatcher: agent });
          const text = await res.body.text();
          if (res.statusCode !== 200 || text.includes('"errors"')) errors += 1;
          done += 1;
          times.push(now() - t0);
        }
      }),
    );
    if (errors && options.failOnError) throw new Error(`${url}: ${errors} of ${done} requests failed`);
    if (warmUp) return done;
    const used = process.cpuUsage(cpu);
    total.requests += done;
    total.errors += errors;
    total.cpuUs += used.user + used.system;
    total.seconds += (now() - start) / 1000;
    total.times.push(...times);
    return done;
  };
  return {
    slice,
    /** The counted slices' figures since the last `take`. */
    take(): SliceFigures {
      const s = summarize(total.times);
      const result = {
        rps: total.requests / total.seconds,
        p50: s.p50,
        p99: s.p99,
        errors: total.errors,
        requests: total.requests,
        cpuMsPerRequest: total.cpuUs / 1000 / total.requests,
      };
      Object.assign(total, { requests: 0, errors: 0, cpuUs: 0, seconds: 0, times: [] });
      return result;
    },
    close: () => agent.close(),
  };
}
