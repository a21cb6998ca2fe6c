/**
 * `npm run sandbox`: every registered system's simulator on a fixed port, for pointing a gateway
 * config (or a curl) at them by hand. `npm start` without a config starts them in-process by itself.
 * It prints the practices each simulator serves as config entries, ready to paste into `practices`.
 *
 * Environment: `<SYSTEM>_SANDBOX_PORT` for each system (e.g. `NEXHEALTH_SANDBOX_PORT`); by default
 * the systems take 4010, 4020, 4030, … in registry order. A simulator may read knobs of its own
 * (e.g. `NEXHEALTH_SANDBOX_FAULTS`, see that sandbox's README).
 *
 * `--patients N` grows the simulators that have a size knob (NexHealth: N more patients at the
 * smile-dental location, a deterministic seed) for trying practice-wide reports at scale.
 */
import { parseArgs } from 'node:util';
import { SYSTEMS } from '../adapters/registry';
import type { RunningSystemSandbox } from '../adapters/system';
import { ListenError } from '../server/listen';

/** A startup failure as one line on stderr (a taken port says which variable moves it), exit 1. */
function fail(error: unknown, portVariable: string): never {
  let message = error instanceof Error ? error.message : String(error);
  if (error instanceof ListenError) message += ` (set ${portVariable} to use another port)`;
  process.stderr.write(`ledger-gateway sandbox: ${message}\n`);
  process.exit(1);
}

const env = process.env;
const { values: args } = parseArgs({ options: { patients: { type: 'string' } } });
const patients = args.patients === undefined ? undefined : Number(args.patients);
if (patients !== undefined && (!Number.isSafeInteger(patients) || patients < 0)) {
  fail(new Error(`expected --patients to be a whole number ≥ 0, got "${args.patients}"`), '--patients');
}
const running: RunningSystemSandbox[] = [];
const practices: Array<Record<string, unknown>> = [];
for (const [index, descriptor] of SYSTEMS.entries()) {
  if (!descriptor.sandbox) continue;
  const portVariable = `${descriptor.system.toUpperCase()}_SANDBOX_PORT`;
  const port = Number(env[portVariable] ?? 4010 + 10 * index);
  const sandbox = await descriptor.sandbox.start({ port, patients }).catch(async (error: unknown) => {
    await Promise.allSettled(running.map((s) => s.close()));
    return fail(error, portVariable);
  });
  running.push(sandbox);
  practices.push(...sandbox.practices.map((p) => ({ ...p, system: descriptor.system })));
}
process.stdout.write(`${JSON.stringify({ practices }, null, 2)}\n`);
const stop = () => void Promise.all(running.map((s) => s.close())).then(() => process.exit(0));
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
