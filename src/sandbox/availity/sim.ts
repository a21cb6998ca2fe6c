/**
 * The Availity simulator's state: OAuth2 clients and their tokens, the rate limit per client, the
 * members, and the coverages (each with its script position). Pure state over the sandbox clock;
 * the HTTP shapes are in `wire.ts`, the pipeline in `server.ts`.
 */
import { randomBytes } from 'node:crypto';
import type { SandboxClock } from './clock';
import { type CoverageStep, type MockScenario, mockScenarios, type SeededMember, seededMembers } from './members';
import type { CoverageForm } from './validate';

/** An application registered with the sandbox (Availity's client credentials). */
export interface AvailityClient {
  clientId: string;
  clientSecret: string;
  /** False: tokens are issued but `/coverages` answers 403 (the application is not subscribed to the product). */
  subscribed: boolean;
}

export const AVAILITY_SANDBOX_CLIENTS = {
  /** The client every sandbox practice uses. */
  main: { clientId: 'availity-sandbox-client', clientSecret: 'availity-sandbox-secret', subscribed: true },
  /** A client whose application is not subscribed to the Coverages product: 403 on every call. */
  unsubscribed: { clientId: 'availity-sandbox-unsubscribed', clientSecret: 'availity-sandbox-secret-2', subscribed: false },
} as const satisfies Record<string, AvailityClient>;

/** The one payer the sandbox knows. */
export const AVAILITY_PAYER = { payerId: 'SANDBOX1', name: 'ACME HEALTH PPO' } as const;

/** Tokens live 5 minutes (the spec). */
export const TOKEN_LIFETIME_SECONDS = 300;
export const DEFAULT_SCOPE = 'healthcare-hipaa-transactions';

export interface RateLimit {
  perSecond: number;
  perDay: number;
}

export interface SimToken {
  accessToken: string;
  clientId: string;
  scope: string;
  expiresAt: number;
}

/** A coverage inquiry as the sandbox keeps it. */
export interface SimCoverage {
  id: string;
  clientId: string;
  customerId: string | null;
  controlNumber: string;
  createdAt: number;
  updatedAt: number;
  expiresAt: number;
  form: CoverageForm;
  /** The member the request named (after the patient was matched), `null` when unknown. */
  member: SeededMember | null;
  /** The subscriber's data echoed for a dependent. */
  subscriber: SeededMember | null;
  steps: CoverageStep[];
  /** How many answers it has given (POST and GETs); the next is `steps[min(answered, length - 1)]`. */
  answered: number;
  current: CoverageStep;
}

const MEMBER_ID = /^[A-Z0-9]{6,20}$/;

export class AvailitySim {
  readonly clients = new Map<string, AvailityClient>();
  readonly members = new Map<string, SeededMember>();
  readonly coverages = new Map<string, SimCoverage>();
  readonly scenarios: Record<string, MockScenario> = mockScenarios();
  private tokens = new Map<string, SimToken>();
  private nextId = 1;
  private usage = new Map<string, { second: number; inSecond: number; day: number; inDay: number }>();
  rateLimit: RateLimit;

  constructor(
    readonly clock: SandboxClock,
    private readonly initialClients: AvailityClient[],
    private readonly initialRateLimit: RateLimit,
    /** How long a coverage id lives (`expirationDate`); a GET after it is a 404. */
    readonly coverageTtlMs: number,
  ) {
    this.rateLimit = { ...initialRateLimit };
    this.reset();
  }

  reset(): void {
    this.clients.clear();
    for (const client of this.initialClients) this.clients.set(client.clientId, { ...client });
    this.members.clear();
    for (const member of seededMembers()) this.members.set(member.memberId, member);
    this.coverages.clear();
    this.tokens.clear();
    this.usage.clear();
    this.nextId = 1;
    this.rateLimit = { ...this.initialRateLimit };
  }

  /** The client when the credentials match one, else `null`. */
  authenticate(clientId: string, clientSecret: string): AvailityClient | null {
    const client = this.clients.get(clientId);
    return client && client.clientSecret === clientSecret ? client : null;
  }

  issueToken(client: AvailityClient, scope: string): SimToken {
    const token: SimToken = {
      accessToken: randomBytes(24).toString('hex'),
      clientId: client.clientId,
      scope,
      expiresAt: this.clock.now() + TOKEN_LIFETIME_SECONDS * 1000,
    };
    this.tokens.set(token.accessToken, token);
    return token;
  }

  /** The live token, or `null` when unknown or expired. */
  token(accessToken: string): SimToken | null {
    const token = this.tokens.get(accessToken);
    return token && token.expiresAt > this.clock.now() ? token : null;
  }

  /** Expire one token, or every token; returns how many were live. */
  expireTokens(accessToken?: string): number {
    const now = this.clock.now();
    let expired = 0;
    for (const token of this.tokens.values()) {
      if (accessToken !== undefined && token.accessToken !== accessToken) continue;
      if (token.expiresAt > now) expired++;
      token.expiresAt = now;
    }
    return expired;
  }

  /** Count one call of `clientId`; false when it is over the per-second or per-day limit (it is then not counted). */
  admit(clientId: string): boolean {
    const now = this.clock.now();
    const second = Math.floor(now / 1000);
    const day = Math.floor(now / 86_400_000);
    const usage = this.usage.get(clientId) ?? { second, inSecond: 0, day, inDay: 0 };
    if (usage.second !== second) Object.assign(usage, { second, inSecond: 0 });
    if (usage.day !== day) Object.assign(usage, { day, inDay: 0 });
    this.usage.set(clientId, usage);
    if (usage.inSecond >= this.rateLimit.perSecond || usage.inDay >= this.rateLimit.perDay) return false;
    usage.inSecond++;
    usage.inDay++;
    return true;
  }

  /** Add (or replace) a member and its script. */
  addMember(member: SeededMember): void {
    if (!member.steps.length) throw new Error('a member needs at least one step');
    this.members.set(member.memberId, member);
  }

  /**
   * Create a coverage for a valid form: the scenario's script when one is named, else the member's
   * (matched by last name and birth date; a dependent may be asked about under the subscriber's id),
   * else the payer's rejection (`19`).
   */
  createCoverage(clientId: string, customerId: string | null, form: CoverageForm, scenario: CoverageStep[] | null): SimCoverage {
    const { member, subscriber, steps } = scenario ? { member: null, subscriber: null, steps: scenario } : this.match(form);
    const now = this.clock.now();
    const n = this.nextId++;
    const coverage: SimCoverage = {
      id: String(n).padStart(10, '0'),
      clientId,
      customerId,
      controlNumber: String(100_000_000 + n),
      createdAt: now,
      updatedAt: now,
      expiresAt: now + this.coverageTtlMs,
      form,
      member,
      subscriber,
      steps,
      answered: 0,
      current: steps[0]!,
    };
    this.coverages.set(coverage.id, coverage);
    this.answer(coverage);
    return coverage;
  }

  /** The coverage of `clientId` when it exists and has not expired. */
  coverage(clientId: string, id: string): SimCoverage | null {
    const coverage = this.coverages.get(id);
    if (!coverage || coverage.clientId !== clientId) return null;
    return coverage.expiresAt > this.clock.now() ? coverage : null;
  }

  /** The coverage's next answer (one script step per answer; the last repeats). */
  answer(coverage: SimCoverage): CoverageStep {
    const step = coverage.steps[Math.min(coverage.answered, coverage.steps.length - 1)]!;
    coverage.answered++;
    if (step !== coverage.current) coverage.updatedAt = this.clock.now();
    coverage.current = step;
    return step;
  }

  private match(form: CoverageForm): { member: SeededMember | null; subscriber: SeededMember | null; steps: CoverageStep[] } {
    const reject = (code: string, errorMessage: string, field: string) => ({
      member: null,
      subscriber: null,
      steps: [{ statusCode: '19', validationMessages: [{ code, errorMessage, field }] }],
    });
    if (!MEMBER_ID.test(form.memberId)) return reject('72', 'Invalid/Missing Subscriber/Insured ID', 'memberId');
    const named = this.members.get(form.memberId);
    if (!named) return reject('75', 'Subscriber/Insured Not Found', 'memberId');
    const candidates = [named, ...[...this.members.values()].filter((m) => m.subscriberMemberId === named.memberId)];
    const last = form.patientLastName.toUpperCase();
    const found = candidates.find((m) => m.patient.lastName === last && m.patient.birthDate === form.patientBirthDate);
    if (found) {
      const subscriber = found.subscriberMemberId ? (this.members.get(found.subscriberMemberId) ?? null) : null;
      return { member: found, subscriber, steps: found.steps };
    }
    const messages = [];
    if (!candidates.some((m) => m.patient.lastName === last))
      messages.push({ code: '73', errorMessage: 'Invalid/Missing Subscriber/Insured Name', field: 'patientLastName' });
    if (!candidates.some((m) => m.patient.birthDate === form.patientBirthDate))
      messages.push({
        code: '71',
        errorMessage: 'Patient Birth Date Does Not Match That for the Patient on the Database',
        field: 'patientBirthDate',
      });
    // A name and a birth date that each match a different person of the family: the birth date is wrong for the named one.
    if (!messages.length)
      messages.push({
        code: '71',
        errorMessage: 'Patient Birth Date Does Not Match That for the Patient on the Database',
        field: 'patientBirthDate',
      });
    return { member: null, subscriber: null, steps: [{ statusCode: '19', validationMessages: messages }] };
  }
}
