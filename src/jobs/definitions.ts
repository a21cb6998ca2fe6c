/**
 * What an instance declares at start-up: its job kinds (`define`, options validated and defaulted)
 * and its schedules (`schedule`). Every instance declares the same ones.
 */
import { describeValue, positiveInt } from './arguments';
import { checkBackoff, DEFAULT_BACKOFF } from './backoff';
import { DEFAULTS, type Definition, type QueueContext } from './context';
import { compileCron, registerSchedule, type LocalSchedule } from './schedules';
import type { DefineOptions, JobHandler, ScheduleOptions, ScheduleRecord } from './types';

/** The definition of `kind` on this queue; throws, naming the defined kinds, if there is none. */
export function definitionOf(ctx: QueueContext, kind: string): Definition {
  const def = ctx.definitions.get(kind);
  if (!def) {
    const known = [...ctx.definitions.keys()];
    throw new TypeError(
      `no job kind ${JSON.stringify(kind)} is defined on this queue; defined: ${known.length ? known.join(', ') : 'none'}`,
    );
  }
  return def;
}

/** `queue.define`: validate the kind, its handler and options, and remember them. */
export function defineKind(ctx: QueueContext, kind: string, handler: JobHandler<never>, options: DefineOptions): void {
  if (typeof kind !== 'string' || kind.length === 0 || kind.length > 100) {
    throw new TypeError(`a job kind must be a string of 1 to 100 characters, got ${describeValue(kind)}`);
  }
  if (ctx.definitions.has(kind)) throw new TypeError(`job kind ${JSON.stringify(kind)} is already defined`);
  if (typeof handler !== 'function') throw new TypeError(`the ${kind} handler must be a function, got ${describeValue(handler)}`);
  const where = `define(${JSON.stringify(kind)})`;
  const kindLease = positiveInt(options.leaseMs, `${where}: leaseMs`, ctx.leaseMs);
  ctx.definitions.set(kind, {
    kind,
    handler: handler as JobHandler<unknown>,
    maxAttempts: positiveInt(options.maxAttempts, `${where}: maxAttempts`, DEFAULTS.maxAttempts),
    backoff: checkBackoff(options.backoff ?? DEFAULT_BACKOFF, where),
    concurrency: positiveInt(options.concurrency, `${where}: concurrency`, DEFAULTS.concurrency),
    leaseMs: kindLease,
    heartbeatMs: ctx.heartbeatMs ?? Math.max(1, Math.floor(kindLease / 3)),
    timeoutMs: positiveInt(options.timeoutMs, `${where}: timeoutMs`, DEFAULTS.timeoutMs),
  });
}

/** `queue.schedule`: validate a cron schedule of a defined kind, register it in `job_schedules`, fire it from now on. */
export async function addSchedule(
  ctx: QueueContext,
  name: string,
  options: ScheduleOptions<unknown> & { kind: string },
): Promise<ScheduleRecord> {
  if (typeof name !== 'string' || name.length === 0 || name.length > 200) {
    throw new TypeError(`a schedule name must be a string of 1 to 200 characters, got ${describeValue(name)}`);
  }
  const def = definitionOf(ctx, options.kind);
  const timezone = options.timezone ?? 'UTC';
  const payload = (options.payload ?? {}) as Record<string, unknown>;
  if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) {
    throw new TypeError(`schedule ${JSON.stringify(name)}: payload must be an object, got ${describeValue(payload)}`);
  }
  const local: LocalSchedule = {
    name,
    kind: def.kind,
    cron: compileCron(options.cron, timezone, name),
    pattern: options.cron,
    timezone,
    payload,
    maxAttempts: def.maxAttempts,
  };
  const record = await registerSchedule(ctx.sql, local, ctx.now());
  ctx.schedules.set(name, local);
  return record;
}
