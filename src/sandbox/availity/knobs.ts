/**
 * The `/_sandbox/…` control surface (JSON, no auth, not logged, no faults), for processes that
 * cannot reach the in-process API, and the spec's knobs:
 *
 *   POST|GET|DELETE /_sandbox/faults     shared fault rules (`faultRulesFromJson`); a forced 429 has no
 *                                        `Retry-After` unless the rule sets `retryAfterSeconds`
 *   POST /_sandbox/tokens/expire         `{accessToken?}`: that token, or every token, expires now
 *   GET|POST /_sandbox/rate-limit        `{perSecond?, perDay?}` per client (default 100/s, 100,000/day)
 *   POST /_sandbox/members               `{memberId, patient{firstName,lastName,birthDate,gender?}, relationshipCode?,
 *                                        subscriberMemberId?, steps[{statusCode, plans?, validationMessages?, benefitsOf?}]}`
 *   POST /_sandbox/coverages/{id}/expire the coverage id expires now (a GET answers 404)
 *   GET|POST /_sandbox/clock, /_sandbox/clock/advance `{ms}`: the simulator's time (tokens, expiry, rate windows)
 *   GET|DELETE /_sandbox/requests        the request log
 *   POST /_sandbox/reset                 back to the seed (members, coverages, tokens, faults, log, clock)
 */
import { z } from 'zod';
import type { FaultInjector, FaultRule } from '../shared/fault-injection';
import { type ControlReply, controlReply as ok, handleControls } from '../shared/sim-controls';
import type { CoverageStep, SeededMember } from './members';
import type { AvailitySim } from './sim';
import type { ServerParts } from './server';

/** Availity sends no `Retry-After`: a forced 429 carries one only when its rule says so. */
export function addAvailityFault(faults: FaultInjector, rule: FaultRule): string {
  return faults.add({ ...rule, retryAfterSeconds: rule.retryAfterSeconds ?? null });
}

const Day = z.string().regex(/^[0-9]{4}-[0-9]{2}-[0-9]{2}$/, 'expected YYYY-MM-DD');
const Step = z.object({
  statusCode: z.string().min(1).max(3),
  plans: z.array(z.record(z.string(), z.unknown())).optional(),
  validationMessages: z
    .array(
      z.object({ code: z.string(), errorMessage: z.string(), field: z.string().optional(), index: z.number().int().optional() }),
    )
    .optional(),
  /** Copy the plans of the first complete step of this member (e.g. `AVL000001`). */
  benefitsOf: z.string().optional(),
});
const Member = z.object({
  memberId: z.string().regex(/^[A-Z0-9]{6,20}$/, 'member ids are 6-20 upper-case letters or digits'),
  patient: z.object({
    firstName: z
      .string()
      .min(1)
      .transform((s) => s.toUpperCase()),
    lastName: z
      .string()
      .min(1)
      .transform((s) => s.toUpperCase()),
    birthDate: Day,
    gender: z.enum(['M', 'F', 'U']).optional(),
  }),
  relationshipCode: z.string().default('18'),
  subscriberMemberId: z.string().optional(),
  steps: z.array(Step).min(1),
});
const RateLimitInput = z.object({ perSecond: z.number().int().min(1).optional(), perDay: z.number().int().min(1).optional() });
const Advance = z.object({ ms: z.number().int().min(0) });
const Expire = z.object({ accessToken: z.string().optional() });

/** A member from the knob's JSON; `benefitsOf` resolved against the members known now. */
export function memberFromJson(sim: AvailitySim, json: unknown): SeededMember {
  const input = Member.parse(json);
  const steps: CoverageStep[] = input.steps.map(({ benefitsOf, ...step }) => {
    if (benefitsOf === undefined) return step as CoverageStep;
    const source = sim.members.get(benefitsOf)?.steps.find((s) => s.plans);
    if (!source) throw new Error(`benefitsOf: no member ${benefitsOf} with plans`);
    return { ...(step as CoverageStep), plans: source.plans };
  });
  const { subscriberMemberId, steps: _steps, ...rest } = input;
  return { ...rest, ...(subscriberMemberId ? { subscriberMemberId } : {}), steps } as SeededMember;
}

/** The shared controls (`../shared/sim-controls.ts`) and Availity's own. */
export function handleKnob(parts: ServerParts, method: string, path: string, raw: string): Promise<ControlReply> {
  const { sim, faults } = parts;
  const shared = {
    faults,
    log: parts.log,
    reset: () => resetAll(parts),
    addFault: (rule: FaultRule) => addAvailityFault(faults, rule),
  };
  return handleControls(shared, method, path, raw, (route, json) => {
    const expire = /^POST \/coverages\/([^/]+)\/expire$/.exec(route);
    if (expire) {
      const coverage = sim.coverages.get(decodeURIComponent(expire[1]!));
      if (!coverage) return ok({ error: `no coverage ${expire[1]}` }, 404);
      coverage.expiresAt = sim.clock.now();
      return ok({ id: coverage.id });
    }
    switch (route) {
      case 'POST /tokens/expire':
        return ok({ expired: sim.expireTokens(Expire.parse(json()).accessToken) });
      case 'GET /rate-limit':
        return ok(sim.rateLimit);
      case 'POST /rate-limit':
        sim.rateLimit = { ...sim.rateLimit, ...RateLimitInput.parse(json()) };
        return ok(sim.rateLimit);
      case 'POST /members': {
        const member = memberFromJson(sim, json());
        sim.addMember(member);
        return ok({ memberId: member.memberId }, 201);
      }
      case 'GET /clock':
        return ok({ now: new Date(sim.clock.now()).toISOString() });
      case 'POST /clock/advance':
        return ok({ now: new Date(sim.clock.advance(Advance.parse(json()).ms)).toISOString() });
      default:
        return undefined;
    }
  });
}

export function resetAll(parts: ServerParts): void {
  parts.sim.reset();
  parts.sim.clock.reset();
  parts.faults.clear();
  parts.log.length = 0;
}
