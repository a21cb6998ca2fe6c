/**
 * The `/_sandbox/…` control routes every JSON simulator has (JSON in and out, no auth, not logged,
 * no faults), shared by the Availity and claim-status simulators; a simulator adds its own knobs:
 *
 *   POST|GET|DELETE /_sandbox/faults   shared fault rules (`faultRulesFromJson`)
 *   GET|DELETE /_sandbox/requests      the request log
 *   POST /_sandbox/reset               back to the seed
 *
 * A bad body answers 400 with `{error}` (zod's message made readable); an unknown route 404.
 *
 *     controls: (method, path, raw) =>
 *       handleControls({ faults, log, reset }, method, path, raw, (route, json) =>
 *         route === 'GET /clock' ? controlReply({ now: clock.now() }) : undefined),
 */
import { z } from 'zod';
import { type FaultInjector, type FaultRule, faultRulesFromJson } from './fault-injection';
import type { SimAnswer } from './sim-server';

/** A control's answer: always a JSON body. */
export interface ControlReply extends SimAnswer {
  body: unknown;
}

/** `{ok: true}` with a 200 unless told otherwise. */
export const controlReply = (body: unknown = { ok: true }, status = 200): ControlReply => ({ status, body });

export interface SimControlsOptions {
  faults: FaultInjector;
  /** The simulator's request log (emptied in place, so holders of the array see it). */
  log: unknown[];
  /** Back to the seed: the simulator's state, its faults and its log. */
  reset: () => void;
  /** How `POST /faults` adds a rule (a vendor's default `Retry-After`, say). Default: `faults.add(rule)`. */
  addFault?: (rule: FaultRule) => string;
}

/**
 * The simulator's own knobs: `route` is `METHOD /path` below `/_sandbox` (`POST /clock/advance`),
 * `json()` the body parsed (`{}` when empty). `undefined` leaves the route to the shared ones.
 */
export type OwnControls = (route: string, json: () => unknown) => ControlReply | undefined | Promise<ControlReply | undefined>;

export async function handleControls(
  options: SimControlsOptions,
  method: string,
  path: string,
  raw: string,
  own: OwnControls,
): Promise<ControlReply> {
  const { faults, log } = options;
  const addFault = options.addFault ?? ((rule: FaultRule) => faults.add(rule));
  const json = (): unknown => (raw.trim() ? JSON.parse(raw) : {});
  const route = `${method} ${path.slice('/_sandbox'.length)}`;
  try {
    const reply = await own(route, json);
    if (reply) return reply;
    switch (route) {
      case 'POST /faults':
        return controlReply({ ids: faultRulesFromJson(raw || '[]').map(addFault) }, 201);
      case 'GET /faults':
        return controlReply(faults.list().map((f) => ({ ...f, rule: { ...f.rule, path: String(f.rule.path ?? '') } })));
      case 'DELETE /faults':
        faults.clear();
        return controlReply();
      case 'GET /requests':
        return controlReply(log);
      case 'DELETE /requests':
        log.length = 0;
        return controlReply();
      case 'POST /reset':
        options.reset();
        return controlReply();
      default:
        return controlReply({ error: `unknown control ${route}` }, 404);
    }
  } catch (error) {
    return controlReply({ error: error instanceof z.ZodError ? z.prettifyError(error) : (error as Error).message }, 400);
  }
}
