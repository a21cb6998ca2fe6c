/**
 * The claim-status simulator's state: members and claims per payer, each claim's script position
 * and the day each step was first answered (so a repeated step keeps its `effectiveDate`, and an
 * unchanged claim answers exactly the same fingerprint). The wire shapes are in `wire.ts`.
 */
import {
  type ClaimMember,
  type ClaimStep,
  PAYERS,
  type PayerPerson,
  type Rejection,
  type SeededClaim,
  seededClaims,
  seededMembers,
} from './seed';
import type { ClaimStatusInquiry } from './validate';

/** A claim with its progress through its script. */
export interface SimClaim extends SeededClaim {
  /** The index of the step the next inquiry answers (past the end: the last step, repeated). */
  position: number;
  /** How many inquiries it answered. */
  inquiries: number;
  /** `YYYY-MM-DD` each step was first answered, by step index. */
  reachedOn: Array<string | undefined>;
}

/** One claim's answer to one inquiry. */
export interface ClaimAnswer {
  claim: SimClaim | null;
  step: ClaimStep;
  effectiveDate: string;
}

/** What an inquiry comes to: the payer's rejection of it, or one answer per matching claim. */
export type InquiryOutcome = { kind: 'rejected'; rejection: Rejection } | { kind: 'claims'; answers: ClaimAnswer[] };

const REJECTIONS = {
  notFound: { code: '75', description: 'Subscriber/Insured Not Found', followupAction: 'Please Correct and Resubmit' },
  name: { code: '73', description: 'Invalid/Missing Subscriber/Insured Name', followupAction: 'Please Correct and Resubmit' },
  dob: {
    code: '71',
    description: 'Patient Birth Date Does Not Match That for the Patient on the Database',
    followupAction: 'Please Correct and Resubmit',
  },
} as const satisfies Record<string, Rejection>;

const key = (payerId: string, memberId: string) => `${payerId}|${memberId}`;
const sameName = (a: string, b: string) => a.trim().toUpperCase() === b.trim().toUpperCase();

export class ClaimStatusSim {
  readonly members = new Map<string, ClaimMember>();
  /** By `payerId|memberId|patientAccountNumber`. */
  readonly claims = new Map<string, SimClaim>();

  constructor(readonly now: () => number) {
    this.reset();
  }

  reset(): void {
    this.members.clear();
    this.claims.clear();
    for (const member of seededMembers()) this.addMember(member);
    for (const claim of seededClaims(this.now())) this.addClaim(claim);
  }

  knownPayer(payerId: string): boolean {
    return payerId in PAYERS;
  }

  addMember(member: ClaimMember): void {
    this.members.set(key(member.payerId, member.memberId), member);
  }

  addClaim(claim: SeededClaim): SimClaim {
    if (!claim.script.length) throw new Error('a claim needs at least one step');
    const sim: SimClaim = { ...claim, position: 0, inquiries: 0, reachedOn: [] };
    this.claims.set(`${key(claim.payerId, claim.memberId)}|${claim.patientAccountNumber}`, sim);
    return sim;
  }

  /** The claims with this patient account number (one, unless a test added the same number under two members). */
  claimsByAccount(patientAccountNumber: string): SimClaim[] {
    return [...this.claims.values()].filter((c) => c.patientAccountNumber === patientAccountNumber);
  }

  /** Skip one step: the next inquiry answers the step after the one it would have. */
  advance(claim: SimClaim): void {
    claim.position++;
  }

  /** Replace the script with one step, answered from now on. */
  set(claim: SimClaim, step: ClaimStep): void {
    claim.script = [step];
    claim.position = 0;
    claim.reachedOn = [];
  }

  /** The step the next inquiry will answer. */
  nextStep(claim: SimClaim): ClaimStep {
    return claim.script[Math.min(claim.position, claim.script.length - 1)]!;
  }

  /** Answer an inquiry whose payer is known: reject it, or answer (and advance) each matching claim. */
  inquire(inquiry: ClaimStatusInquiry): InquiryOutcome {
    const { subscriber, dependent, encounter } = inquiry;
    const member = this.members.get(key(inquiry.tradingPartnerServiceId, subscriber.memberId.trim()));
    if (!member) return { kind: 'rejected', rejection: REJECTIONS.notFound };
    if (member.rejection) return { kind: 'rejected', rejection: member.rejection };
    const mismatch = this.personMismatch(member, subscriber);
    if (mismatch) return { kind: 'rejected', rejection: mismatch };
    let patient: PayerPerson | null = null;
    if (dependent) {
      patient =
        member.dependents.find((d) => sameName(d.lastName, dependent.lastName) && sameName(d.firstName, dependent.firstName)) ??
        null;
      if (!patient) return { kind: 'rejected', rejection: REJECTIONS.name };
      const dob = this.personMismatch(patient, dependent);
      if (dob) return { kind: 'rejected', rejection: dob };
    }
    const candidates = [...this.claims.values()].filter(
      (c) =>
        c.payerId === member.payerId &&
        c.memberId === member.memberId &&
        (patient ? c.dependent && sameName(c.dependent.firstName, patient.firstName) : !c.dependent),
    );
    const account = encounter?.patientAccountNumber?.trim();
    const from = encounter?.beginningDateOfService;
    const to = encounter?.endDateOfService ?? from;
    const matching = account
      ? candidates.filter((c) => c.patientAccountNumber === account)
      : candidates.filter((c) => (!from || c.serviceTo >= from) && (!to || c.serviceFrom <= to));
    if (!matching.length) {
      return {
        kind: 'claims',
        answers: [{ claim: null, step: { statusCategoryCode: 'A4', statusCode: '35' }, effectiveDate: this.today() }],
      };
    }
    return { kind: 'claims', answers: matching.map((claim) => this.answer(claim)) };
  }

  private answer(claim: SimClaim): ClaimAnswer {
    const index = Math.min(claim.position, claim.script.length - 1);
    claim.reachedOn[index] ??= this.today();
    claim.position++;
    claim.inquiries++;
    return { claim, step: claim.script[index]!, effectiveDate: claim.reachedOn[index]! };
  }

  private personMismatch(known: PayerPerson, sent: { lastName: string; dateOfBirth?: string | undefined }): Rejection | null {
    if (!sameName(known.lastName, sent.lastName)) return REJECTIONS.name;
    if (sent.dateOfBirth !== undefined && sent.dateOfBirth !== known.dateOfBirth) return REJECTIONS.dob;
    return null;
  }

  today(): string {
    return new Date(this.now()).toISOString().slice(0, 10);
  }
}
