/**
 * The `/_sandbox/…` control surface (JSON, no auth, not logged, no faults), and the spec's knobs:
 *
 *   POST|GET|DELETE /_sandbox/faults            shared fault rules (`faultRulesFromJson`): 429 with
 *                                               `retryAfterSeconds` (default 1) or without (`null`), 500, 503, 504,
 *                                               `latencyMs`/`responseTimeMs` (timeouts), `reset`
 *   POST /_sandbox/claims/{patientAccountNumber}/advance   skip one step of its script
 *   POST /_sandbox/claims/{patientAccountNumber}/set       `{statusCategoryCode, statusCode, amountPaid?, paidDate?,
 *                                               checkNumber?, entityCode?}`: answered from now on
 *   GET|POST /_sandbox/claims                   list, or add a claim with its script (see `ClaimInput`)
 *   POST /_sandbox/members                      add a member (`rejection` makes every inquiry about her a payer rejection)
 *   GET|DELETE /_sandbox/requests               the request log (bodies without `x12`)
 *   POST /_sandbox/reset                        back to the seed
 *
 * Amounts in knob JSON are decimal strings (`"96.00"`), as on the wire.
 */
import { z } from 'zod';
import { type ControlReply, controlReply as ok, handleControls } from '../shared/sim-controls';
import { readAmount } from '../shared/wire-money';
import { type ClaimMember, type ClaimStep, PAYERS, type SeededClaim } from './seed';
import type { ServerParts } from './server';
import type { SimClaim } from './sim';

const Money = z.string().transform((text, ctx) => {
  const cents = readAmount(text);
  if (cents === null || cents < 0) {
    ctx.addIssue({ code: 'custom', message: `expected a decimal amount such as "96.00", got "${text}"` });
    return z.NEVER;
  }
  return cents;
});
const YYYYMMDD = z.string().regex(/^[0-9]{8}$/, 'expected YYYYMMDD');
/** Names are stored upper-cased, as the seed stores them (and as payers answer them). */
const Name = z
  .string()
  .min(1)
  .transform((s) => s.toUpperCase());
const Person = z.object({
  firstName: Name,
  lastName: Name,
  dateOfBirth: YYYYMMDD,
});
const Step = z.object({
  statusCategoryCode: z.string().min(2).max(3),
  statusCode: z.string().min(1),
  entityCode: z.string().optional(),
  amountPaid: Money.nullable().optional(),
  paidDate: z.union([z.string().regex(/^[0-9]{4}-[0-9]{2}-[0-9]{2}$/), z.literal(true)]).optional(),
  checkNumber: z.string().optional(),
  linesPaid: z.array(Money).optional(),
});
const Payer = z
  .string()
  .refine((id) => id in PAYERS, 'unknown payer id')
  .default('SANDBOX1');
const MemberInput = z.object({
  payerId: Payer,
  memberId: z.string().min(1),
  firstName: Name,
  lastName: Name,
  dateOfBirth: YYYYMMDD,
  dependents: z.array(Person).default([]),
  rejection: z
    .object({
      code: z.string().min(1),
      description: z.string().default('Rejected'),
      followupAction: z.string().default('Please Correct and Resubmit'),
    })
    .optional(),
});
/** A claim to add: its member must exist (seeded or added), unless `subscriber` creates her. */
const ClaimInput = z.object({
  payerId: Payer,
  memberId: z.string().min(1),
  patientAccountNumber: z.string().min(1),
  subscriber: Person.optional(),
  dependent: Person.optional(),
  serviceFrom: YYYYMMDD,
  serviceTo: YYYYMMDD.optional(),
  lines: z.array(z.object({ procedureId: z.string().min(1), submittedAmount: Money })).min(1),
  script: z.array(Step).min(1),
});

/** `/set`'s and `/claims`' step JSON → a script step. */
export function stepFromJson(json: unknown): ClaimStep {
  return toStep(Step.parse(json));
}

function toStep({ amountPaid, ...rest }: z.output<typeof Step>): ClaimStep {
  return { ...rest, ...(amountPaid !== undefined ? { amountPaid } : {}) } as ClaimStep;
}

export function memberFromJson(json: unknown): ClaimMember {
  return MemberInput.parse(json) as ClaimMember;
}

export function claimFromJson(parts: Pick<ServerParts, 'sim'>, json: unknown): SeededClaim {
  const input = ClaimInput.parse(json);
  const { sim } = parts;
  const memberKey = `${input.payerId}|${input.memberId}`;
  let member = sim.members.get(memberKey);
  if (!member && input.subscriber) {
    member = { payerId: input.payerId, memberId: input.memberId, ...input.subscriber, dependents: [] };
    sim.addMember(member);
  }
  if (!member) throw new Error(`no member ${input.memberId} under ${input.payerId}: add her first or send "subscriber"`);
  if (input.dependent && !member.dependents.some((d) => d.firstName === input.dependent!.firstName))
    member.dependents.push(input.dependent);
  return {
    payerId: input.payerId,
    memberId: input.memberId,
    patientAccountNumber: input.patientAccountNumber,
    ...(input.dependent ? { dependent: input.dependent } : {}),
    serviceFrom: input.serviceFrom,
    serviceTo: input.serviceTo ?? input.serviceFrom,
    lines: input.lines.map((l) => ({ procedureId: l.procedureId, submitted: l.submittedAmount })),
    script: input.script.map(toStep),
  };
}

/** A claim's state for the controls: its script, where it stands, what the next inquiry answers. */
export function claimStateJson(claim: SimClaim) {
  return {
    payerId: claim.payerId,
    memberId: claim.memberId,
    patientAccountNumber: claim.patientAccountNumber,
    position: claim.position,
    inquiries: claim.inquiries,
    next: claim.script[Math.min(claim.position, claim.script.length - 1)],
    script: claim.script,
  };
}

/** The shared controls (`../shared/sim-controls.ts`) and claim status's own. */
export function handleKnob(parts: ServerParts, method: string, path: string, raw: string): Promise<ControlReply> {
  const { sim, faults, log } = parts;
  return handleControls({ faults, log, reset: () => resetAll(parts) }, method, path, raw, (route, json) => {
    const one = /^POST \/claims\/([^/]+)\/(advance|set)$/.exec(route);
    if (one) {
      const found = sim.claimsByAccount(decodeURIComponent(one[1]!));
      if (found.length !== 1) return ok({ error: `${found.length} claims with account ${one[1]}` }, found.length ? 409 : 404);
      const claim = found[0]!;
      if (one[2] === 'advance') sim.advance(claim);
      else sim.set(claim, stepFromJson(json()));
      return ok(claimStateJson(claim));
    }
    switch (route) {
      case 'GET /claims':
        return ok([...sim.claims.values()].map(claimStateJson));
      case 'POST /claims':
        return ok(claimStateJson(sim.addClaim(claimFromJson(parts, json()))), 201);
      case 'POST /members': {
        const member = memberFromJson(json());
        sim.addMember(member);
        return ok({ payerId: member.payerId, memberId: member.memberId }, 201);
      }
      default:
        return undefined;
    }
  });
}

export function resetAll(parts: Pick<ServerParts, 'sim' | 'faults' | 'log'>): void {
  parts.sim.reset();
  parts.faults.clear();
  parts.log.length = 0;
}
