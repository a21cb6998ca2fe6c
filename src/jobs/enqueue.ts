/** `queue.enqueue`: check the payload and options, insert the job (or find the one its key names). */
import { describeValue, key, positiveInt } from './arguments';
import { DEFAULTS, type QueueContext } from './context';
import { definitionOf } from './definitions';
import { message } from './errors';
import { insertJob } from './job-store';
import type { EnqueueOptions, EnqueueResult, JobRecord } from './types';
import { nudge } from './worker';

/** The payload as JSON, or a TypeError saying why it cannot be one (or is too big to be one). */
function payloadJson(kind: string, payload: unknown): string {
  let json: string | undefined;
  try {
    json = JSON.stringify(payload);
  } catch (error) {
    throw new TypeError(
      `enqueue(${JSON.stringify(kind)}): the payload must be JSON, but serializing it failed: ${message(error)}`,
    );
  }
  if (json === undefined) {
    throw new TypeError(`enqueue(${JSON.stringify(kind)}): the payload must be JSON, got ${describeValue(payload)}`);
  }
  const bytes = Buffer.byteLength(json);
  if (bytes > DEFAULTS.maxPayloadBytes) {
    throw new TypeError(
      `enqueue(${JSON.stringify(kind)}): the payload is ${bytes} bytes of JSON; at most ${DEFAULTS.maxPayloadBytes} ` +
        '(store ids in a job, not documents)',
    );
  }
  return json;
}

export async function enqueueJob<P>(
  ctx: QueueContext,
  kind: string,
  payload: P,
  options: EnqueueOptions,
): Promise<EnqueueResult<P>> {
  const def = definitionOf(ctx, kind);
  const json = payloadJson(kind, payload);
  const at = ctx.now();
  const runAt = options.runAt ?? at;
  if (!(runAt instanceof Date) || Number.isNaN(runAt.getTime())) {
    throw new TypeError(`enqueue(${JSON.stringify(kind)}): runAt must be a valid Date, got ${describeValue(runAt)}`);
  }
  const { row, created } = await insertJob(options.tx ?? ctx.sql, {
    kind,
    payloadJson: json,
    singletonKey: key(options.singletonKey, 'singletonKey'),
    idempotencyKey: key(options.idempotencyKey, 'idempotencyKey'),
    runAt,
    maxAttempts: positiveInt(options.maxAttempts, 'maxAttempts', def.maxAttempts),
    now: at,
  });
  // Inside a caller's transaction the row is not visible to a pass until it commits: the
  // timer finds it then.
  if (created && !options.tx && runAt.getTime() <= at.getTime()) nudge(ctx);
  return { job: row as JobRecord<P>, created };
}
