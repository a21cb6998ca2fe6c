/**
 * An in-process athenahealth athenaOne (v1) simulator over node:http, following
 * the wire format the athenahealth spec gives, to the letter, including every *Decision*.
 *
 *     const sandbox = await startAthenahealthSandbox();
 *     const adapter = createAthenahealthAdapter({
 *       baseUrl: sandbox.url, clientId: sandbox.clientId, clientSecret: sandbox.clientSecret,
 *       practiceId: sandbox.practices.enterprise,
 *     });
 *     sandbox.faults.add({ path: '/collectpayment', kind: '500' });
 *     sandbox.requests;            // [{ method, path, query, time, status }]
 *     await sandbox.close();
 *
 * Wire types are deliberately loose (numbers as strings, booleans as "true"/"false", ids as numbers
 * or strings) so adapters must parse defensively. Card numbers are never logged; the duplicate check
 * keeps only a hash of the card number.
 */
import { createHash, randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { claimEligibleForPayment, isEnterprisePractice } from './claim-eligibility';
import { addressUrl, listen } from '../../server/listen';
import { FaultRegistry, type FaultControls, type FaultRule } from './faults';
import {
  ATHENA_SEED_CARDS,
  ATHENA_SEED_CLIENT_ID,
  ATHENA_SEED_CLIENT_SECRET,
  ATHENA_SEED_PRACTICE_ENTERPRISE,
  ATHENA_SEED_PRACTICE_SINGLE,
  buildAthenahealthSeed,
  chargePatientRemaining,
  claimBilled,
  claimPatientBalance,
  isCleanClaim,
  type SimClaim,
  type SimPatient,
  type SimPractice,
  type SimState,
  type SimTransaction,
} from './seed';
import { decimalText, jsonNumber, readAmount, shortText, type Cents } from '../shared/wire-money';

/** The OAuth scope the token endpoint requires (spec). */
export const ATHENA_TOKEN_SCOPE = 'athena/service/Athenanet.MDP.*';
export const ATHENA_PATIENT_NOT_FOUND = 'The specified patient does not exist in that department.';
export const ATHENA_INVALID_PRACTICE = 'Invalid practice.';
export const ATHENA_APPOINTMENT_NOT_FOUND = 'The specified appointment does not exist.';

export interface AthenahealthSandboxOptions {
  /** TCP port; 0 (default) picks a free one. */
  port?: number;
  /** Default `127.0.0.1`. */
  host?: string;
  /** Default {@link ATHENA_SEED_CLIENT_ID}. */
  clientId?: string;
  /** Default {@link ATHENA_SEED_CLIENT_SECRET}. */
  clientSecret?: string;
  /** The sandbox clock (token expiry, duplicate window, new-token rate limit, payment dates). */
  now?: () => Date;
  /** Lifetime of an access token, seconds. Default 3600. */
  tokenTtlSeconds?: number;
  /** New-token requests allowed per rolling minute (production 50, preview 5). Default 50. */
  tokenRequestsPerMinute?: number;
  /** Page size of list routes when the request has no `limit`. Default 2 (small, so paging is exercised). */
  defaultPageSize?: number;
}

export interface RequestLogEntry {
  method: string;
  /** URL path without the query. */
  path: string;
  /** Query parameters (last value wins). */
  query: Record<string, string>;
  /** When the request arrived, by the sandbox clock. */
  time: Date;
  /** The status answered; `null` while in flight or when the socket was dropped. */
  status: number | null;
}

export interface AthenahealthSandbox {
  /** Base URL, e.g. `http://127.0.0.1:49152` (no trailing slash). */
  url: string;
  clientId: string;
  clientSecret: string;
  practices: { enterprise: string; single: string };
  /** Every request so far (no bodies, so no card data). */
  readonly requests: ReadonlyArray<RequestLogEntry>;
  resetRequestLog(): void;
  faults: FaultControls;
  /** Invalidate every issued access token (the next call answers 401). */
  revokeTokens(): void;
  /** The live simulated data (mutated by collectpayment); for tests that need to look inside. */
  readonly state: SimState;
  close(): Promise<void>;
}

// ---------------------------------------------------------------------------------------------
// Loose wire values
// ---------------------------------------------------------------------------------------------

const boolStr = (b: boolean): string => (b ? 'true' : 'false');
/** A numeric id as a JSON number when it is all digits, else the string. */
const idNum = (id: string): number | string => (/^\d+$/.test(id) && id.length < 15 ? Number(id) : id);

function mmddyyyy(d: Date): string {
  const mm = String(d.getUTCMonth() + 1).padStart(2, '0');
  const dd = String(d.getUTCDate()).padStart(2, '0');
  return `${mm}/${dd}/${d.getUTCFullYear()}`;
}

// ---------------------------------------------------------------------------------------------
// Server
// ---------------------------------------------------------------------------------------------

class HttpFailure extends Error {
  constructor(
    readonly status: number,
    readonly body: unknown,
    readonly headers: Record<string, string> = {},
  ) {
    super(`HTTP ${status}`);
  }
}

const fail = (status: number, error: string, detailedmessage?: string): HttpFailure =>
  new HttpFailure(status, detailedmessage ? { error, detailedmessage } : { error });

interface DuplicateEntry {
  practiceid: string;
  patientid: string;
  total: Cents;
  cardHash: string;
  at: number;
}

/** Start a sandbox on `host:port` (default 127.0.0.1, a free port). */
export async function startAthenahealthSandbox(options: AthenahealthSandboxOptions = {}): Promise<AthenahealthSandbox> {
  const clientId = options.clientId ?? ATHENA_SEED_CLIENT_ID;
  const clientSecret = options.clientSecret ?? ATHENA_SEED_CLIENT_SECRET;
  const now = options.now ?? (() => new Date());
  const tokenTtlSeconds = options.tokenTtlSeconds ?? 3600;
  const tokenRequestsPerMinute = options.tokenRequestsPerMinute ?? 50;
  const defaultPageSize = options.defaultPageSize ?? 2;
  const host = options.host ?? '127.0.0.1';

  const state = buildAthenahealthSeed();
  const faults = new FaultRegistry();
  let requests: RequestLogEntry[] = [];
  const tokens = new Map<string, number>(); // token → expiry (ms)
  let tokenIssueTimes: number[] = [];
  const duplicates: DuplicateEntry[] = [];

  const server: Server = createServer((req, res) => {
    void handle(req, res);
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://sandbox.invalid');
    const method = (req.method ?? 'GET').toUpperCase();
    const entry: RequestLogEntry = {
      method,
      path: url.pathname,
      query: Object.fromEntries(url.searchParams.entries()),
      time: now(),
      status: null,
    };
    requests.push(entry);
    const send = (status: number, body: unknown, headers: Record<string, string> = {}, raw = false): void => {
      entry.status = status;
      const text = raw ? String(body) : JSON.stringify(body);
      res.writeHead(status, {
        'content-type': raw ? 'text/html; charset=utf-8' : 'application/json; charset=utf-8',
        'content-length': Buffer.byteLength(text),
        ...headers,
      });
      res.end(text);
    };
    try {
      const body = await readBody(req);
      for (const rule of faults.take(method, url.pathname)) {
        if (rule.kind === 'latency') {
          await new Promise((r) => setTimeout(r, rule.latencyMs ?? 100));
          continue;
        }
        if (answerFault(rule, send, res, entry)) return;
      }
      const { status, body: out, headers } = route(method, url, req.headers, body);
      send(status, out, headers);
    } catch (err) {
      if (err instanceof HttpFailure) {
        send(err.status, err.body, err.headers);
        return;
      }
      send(500, { error: 'Internal Server Error', detailedmessage: 'The sandbox failed to answer.' });
    }
  }

  function answerFault(
    rule: FaultRule,
    send: (status: number, body: unknown, headers?: Record<string, string>, raw?: boolean) => void,
    res: ServerResponse,
    entry: RequestLogEntry,
  ): boolean {
    switch (rule.kind) {
      case '429':
        send(429, { error: 'Too many requests' }, { 'retry-after': String(rule.retryAfterSeconds ?? 1) });
        return true;
      case '500':
        send(500, { error: 'Internal Server Error', detailedmessage: 'An unexpected error occurred (sandbox fault).' });
        return true;
      case '502':
        send(502, '<html><body><h1>502 Bad Gateway</h1></body></html>', {}, true);
        return true;
      case '503':
        entry.status = 503;
        res.writeHead(503, { 'content-type': 'text/plain' });
        res.end('Service Unavailable');
        return true;
      case '400':
        send(400, { error: 'Invalid parameter.', detailedmessage: 'The request was rejected (sandbox fault).' });
        return true;
      case '401':
        send(401, { error: 'Invalid or expired access token' });
        return true;
      case 'malformed':
        entry.status = 200;
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end('[{"patientid": "50');
        return true;
      case 'reset':
        res.socket?.destroy();
        return true;
      default:
        return false;
    }
  }

  function route(
    method: string,
    url: URL,
    headers: IncomingMessage['headers'],
    body: string,
  ): { status: number; body: unknown; headers?: Record<string, string> } {
    const path = url.pathname.replace(/\/+$/, '');
    if (path === '/oauth2/v1/token') {
      if (method !== 'POST') throw fail(405, 'Method not allowed.');
      return token(headers, body);
    }
    const m = /^\/v1\/([^/]+)(\/.*)?$/.exec(path);
    if (!m) throw fail(404, 'Not found.');
    authorize(headers);
    const practice = state.practices.get(decodeURIComponent(m[1]!));
    if (!practice) throw fail(404, ATHENA_INVALID_PRACTICE);
    const rest = m[2] ?? '';
    let r: RegExpExecArray | null;
    if (method === 'GET' && rest === '/departments') return { status: 200, body: departments(practice, url) };
    if (method === 'GET' && (r = /^\/patients\/([^/]+)$/.exec(rest))) {
      return { status: 200, body: patient(practice, decodeURIComponent(r[1]!), url) };
    }
    if (method === 'GET' && (r = /^\/patients\/([^/]+)\/receipts$/.exec(rest))) {
      return { status: 200, body: receipts(practice, decodeURIComponent(r[1]!), url) };
    }
    if (method === 'POST' && (r = /^\/patients\/([^/]+)\/collectpayment$/.exec(rest))) {
      return { status: 200, body: collectPayment(practice, decodeURIComponent(r[1]!), headers, body) };
    }
    if (method === 'GET' && (r = /^\/appointments\/([^/]+)$/.exec(rest))) {
      return { status: 200, body: appointment(practice, decodeURIComponent(r[1]!), url) };
    }
    throw fail(404, 'Not found.', `No route for ${method} ${url.pathname}`);
  }

  // --- OAuth ------------------------------------------------------------------------------------

  function token(headers: IncomingMessage['headers'], body: string) {
    const auth = headers.authorization ?? '';
    const basic = /^Basic\s+(.+)$/i.exec(auth);
    const decoded = basic ? Buffer.from(basic[1]!, 'base64').toString('utf8') : '';
    const sep = decoded.indexOf(':');
    const id = sep >= 0 ? decoded.slice(0, sep) : '';
    const secret = sep >= 0 ? decoded.slice(sep + 1) : '';
    if (!basic || id !== clientId || secret !== clientSecret) {
      throw new HttpFailure(401, { error: 'invalid_client', detailedmessage: 'Client authentication failed.' });
    }
    if (!isForm(headers)) throw fail(400, 'invalid_request', 'Expected application/x-www-form-urlencoded.');
    const form = new URLSearchParams(body);
    if (form.get('grant_type') !== 'client_credentials') throw fail(400, 'unsupported_grant_type');
    if (form.get('scope') !== ATHENA_TOKEN_SCOPE) throw fail(400, 'invalid_scope');
    const t = now().getTime();
    tokenIssueTimes = tokenIssueTimes.filter((at) => at > t - 60_000);
    if (tokenIssueTimes.length >= tokenRequestsPerMinute) {
      const retryAfter = Math.max(1, Math.ceil((tokenIssueTimes[0]! + 60_000 - t) / 1000));
      throw new HttpFailure(429, { error: 'Too many token requests.' }, { 'retry-after': String(retryAfter) });
    }
    tokenIssueTimes.push(t);
    const accessToken = randomBytes(18).toString('hex');
    tokens.set(accessToken, t + tokenTtlSeconds * 1000);
    // expires_in as a string, like the real API: loose types on purpose.
    return { status: 200, body: { access_token: accessToken, expires_in: String(tokenTtlSeconds), token_type: 'Bearer' } };
  }

  function authorize(headers: IncomingMessage['headers']): void {
    const m = /^Bearer\s+(.+)$/i.exec(headers.authorization ?? '');
    const expiry = m ? tokens.get(m[1]!.trim()) : undefined;
    if (expiry === undefined || expiry <= now().getTime()) {
      throw fail(401, 'Invalid or expired access token');
    }
  }

  // --- Reads --------------------------------------------------------------------------------------

  function departments(practice: SimPractice, url: URL) {
    const limit = positiveInt(url.searchParams.get('limit')) ?? defaultPageSize;
    const offset = nonNegativeInt(url.searchParams.get('offset')) ?? 0;
    const all = practice.departments;
    const page = all.slice(offset, offset + limit).map((d, i) => ({
      departmentid: (offset + i) % 2 === 0 ? d.departmentid : idNum(d.departmentid),
      name: d.name,
      providergroupid: (offset + i) % 2 === 0 ? idNum(d.providergroupid) : d.providergroupid,
      providergroupname: d.providergroupname,
      creditcardtypes: d.creditcardtypes,
      timezonename: d.timezonename,
    }));
    const link = (o: number): string => {
      const q = new URLSearchParams(url.searchParams);
      q.set('limit', String(limit));
      q.set('offset', String(o));
      return `/v1/${practice.practiceid}/departments?${q.toString()}`;
    };
    const out: Record<string, unknown> = { totalcount: String(all.length), departments: page };
    if (offset + limit < all.length) out.next = link(offset + limit);
    if (offset > 0) out.previous = link(Math.max(0, offset - limit));
    return out;
  }

  function findPatient(practice: SimPractice, patientid: string): SimPatient {
    const p = practice.patients.get(patientid);
    if (!p) throw fail(404, ATHENA_PATIENT_NOT_FOUND);
    return p;
  }

  function groupOf(practice: SimPractice, departmentid: string): string {
    return practice.departments.find((d) => d.departmentid === departmentid)?.providergroupid ?? '';
  }

  /** Provider groups in department order, each with its department ids. */
  function groups(practice: SimPractice): Array<{ id: string; departmentids: string[] }> {
    const out: Array<{ id: string; departmentids: string[] }> = [];
    for (const d of practice.departments) {
      let g = out.find((x) => x.id === d.providergroupid);
      if (!g) out.push((g = { id: d.providergroupid, departmentids: [] }));
      g.departmentids.push(d.departmentid);
    }
    return out;
  }

  function wireTransaction(t: SimTransaction, i: number) {
    const out: Record<string, unknown> = {
      id: i % 2 === 0 ? t.id : idNum(t.id),
      date: t.date,
      amount: i % 2 === 0 ? shortText(t.amount) : jsonNumber(t.amount),
      type: t.type,
      description: t.description,
      transfertype: t.transfertype,
    };
    if (t.epaymentid !== null) out.epaymentid = idNum(t.epaymentid);
    return out;
  }

  function wireClaim(claim: SimClaim, index: number) {
    return {
      claimid: index % 2 === 0 ? idNum(claim.claimid) : claim.claimid,
      departmentid: claim.departmentid,
      servicedate: claim.servicedate,
      amount: decimalText(claimBilled(claim)),
      patientbalance: index % 2 === 0 ? jsonNumber(claimPatientBalance(claim)) : shortText(claimPatientBalance(claim)),
      cleanbalance: index % 2 === 0 ? boolStr(isCleanClaim(claim)) : isCleanClaim(claim),
      chargeleveldetail: claim.charges.map((c, ci) => ({
        id: ci % 2 === 0 ? idNum(c.id) : c.id,
        procedurecode: c.procedurecode,
        description: c.description,
        amount: ci % 2 === 0 ? decimalText(c.amount) : jsonNumber(c.amount),
        servicedate: c.servicedate,
        transactions: c.transactions.map(wireTransaction),
      })),
    };
  }

  function patient(practice: SimPractice, patientid: string, url: URL) {
    const p = findPatient(practice, patientid);
    const q = url.searchParams;
    const out: Record<string, unknown> = {
      patientid: p.patientid,
      firstname: p.firstname,
      lastname: p.lastname,
      dob: p.dob,
      departmentid: idNum(p.departmentid),
      primarydepartmentid: p.departmentid,
      guarantorfirstname: p.guarantorfirstname,
      guarantorlastname: p.guarantorlastname,
      guarantorrelationshiptopatient: practice.practiceid === ATHENA_SEED_PRACTICE_SINGLE ? p.guarantorrelationshiptopatient : String(p.guarantorrelationshiptopatient),
      status: 'active',
    };
    if (p.email) out.email = p.email;
    if (q.get('showbalancedetails') === 'true') {
      const ent = isEnterprisePractice(practice);
      const showAll = q.get('showallclaims') === 'true';
      const gs = groups(practice);
      out.balances = gs.map((g, gi) => {
        const claims = p.claims.filter((c) => groupOf(practice, c.departmentid) === g.id);
        const unapplied = p.unapplied.get(g.id) ?? 0;
        const total = claims.reduce((s, c) => s + claimPatientBalance(c), 0) - unapplied;
        const plan = claims.filter((c) => c.paymentPlan).reduce((s, c) => s + claimPatientBalance(c), 0);
        return {
          balance: shortText(total),
          departmentlist: g.departmentids.join(','),
          providergroupid: gi % 2 === 0 ? idNum(g.id) : g.id,
          cleanbalance: claims.every(isCleanClaim),
          collectionsbalance: '0',
          paymentplanbalance: jsonNumber(plan),
          contracts: claims
            .filter((c) => c.contractId !== null)
            .map((c) => ({ contractid: c.contractId, balance: decimalText(claimPatientBalance(c)) })),
        };
      });
      const details: Array<Record<string, unknown>> = [];
      if (ent) {
        for (const g of gs) {
          const claims = p.claims.filter((c) => groupOf(practice, c.departmentid) === g.id && (showAll || claimPatientBalance(c) !== 0));
          if (claims.length === 0) continue;
          details.push({ providergroupid: g.id, departmentids: g.departmentids.join(','), claimdetails: claims.map(wireClaim) });
        }
      } else {
        const claims = p.claims.filter((c) => showAll || claimPatientBalance(c) !== 0);
        if (claims.length > 0) {
          details.push({
            providergroupid: '',
            departmentids: practice.departments.map((d) => d.departmentid).join(','),
            claimdetails: claims.map(wireClaim),
          });
        }
      }
      out.claimbalancedetails = details;
    }
    return [out];
  }

  function appointment(practice: SimPractice, appointmentid: string, url: URL) {
    const a = practice.appointments.get(appointmentid);
    if (!a) throw fail(404, ATHENA_APPOINTMENT_NOT_FOUND);
    const out: Record<string, unknown> = {
      appointmentid: a.appointmentid,
      patientid: idNum(a.patientid),
      departmentid: a.departmentid,
      date: a.date,
    };
    if (url.searchParams.get('showcopay') === 'true') {
      out.copay = decimalText(a.copay);
      out.appointmentcopay = {
        insurancecopay: jsonNumber(a.insurancecopay),
        collectedforappointment: shortText(a.collectedforappointment),
        collectedforother: jsonNumber(a.collectedforother),
      };
    }
    return [out];
  }

  function receipts(practice: SimPractice, patientid: string, url: URL) {
    findPatient(practice, patientid);
    const dept = url.searchParams.get('departmentid');
    const rows = practice.receipts
      .filter((r) => r.patientid === patientid && (dept === null || r.departmentid === dept))
      .map((r) => ({
        epaymentid: idNum(r.epaymentid),
        amount: decimalText(r.amount),
        type: r.type,
        requestdate: r.requestdate,
        cardnumberlast4digits: r.cardnumberlast4digits,
      }));
    return { totalcount: rows.length, receipts: rows };
  }

  // --- collectpayment -----------------------------------------------------------------------------

  function amountField(form: URLSearchParams, name: string): Cents {
    const raw = form.get(name);
    if (raw === null || raw.trim() === '') return 0;
    const cents = readAmount(raw);
    if (cents === null) throw fail(400, `Invalid ${name}.`);
    if (cents < 0) throw fail(400, `Invalid ${name}.`, 'Amounts must not be negative.');
    return cents;
  }

  function collectPayment(practice: SimPractice, patientid: string, headers: IncomingMessage['headers'], body: string) {
    const p = findPatient(practice, patientid);
    if (!isForm(headers)) throw fail(400, 'Expected application/x-www-form-urlencoded.');
    const form = new URLSearchParams(body);
    const departmentid = form.get('departmentid')?.trim() ?? '';
    if (!departmentid) throw fail(400, 'Missing departmentid.', 'departmentid is required.');
    if (!practice.departments.some((d) => d.departmentid === departmentid)) throw fail(400, 'Invalid departmentid.');
    for (const field of ['accountnumber', 'expirationmonthmm', 'expirationyearyyyy', 'cardsecuritycode', 'billingzip']) {
      if (!form.get(field)?.trim()) throw fail(400, 'Missing card information.', `${field} is required.`);
    }
    const nameoncard = form.get('nameoncard') ?? '';
    const billingaddress = form.get('billingaddress') ?? '';
    if (nameoncard.length > 30) throw fail(400, 'Invalid nameoncard.', 'At most 30 characters.');
    if (billingaddress.length > 20) throw fail(400, 'Invalid billingaddress.', 'At most 20 characters.');

    const copay = amountField(form, 'copayamount');
    const other = amountField(form, 'otheramount');
    const claimPayments: Array<{ claimid: string; amount: Cents }> = [];
    const rawClaims = form.get('claimpayment');
    if (rawClaims !== null && rawClaims.trim() !== '') {
      let parsed: unknown;
      try {
        parsed = JSON.parse(rawClaims);
      } catch {
        throw fail(400, 'Invalid claimpayment.', 'claimpayment must be a JSON array such as [{"1001":"20.00"}].');
      }
      const list = Array.isArray(parsed) ? parsed : typeof parsed === 'object' && parsed !== null ? [parsed] : null;
      if (!list) throw fail(400, 'Invalid claimpayment.');
      for (const item of list) {
        if (typeof item !== 'object' || item === null || Array.isArray(item)) throw fail(400, 'Invalid claimpayment.');
        for (const [claimid, value] of Object.entries(item as Record<string, unknown>)) {
          if (typeof value !== 'string' && typeof value !== 'number') throw fail(400, 'Invalid claimpayment.');
          const cents = readAmount(value);
          if (cents === null) throw fail(400, 'Invalid claimpayment.');
          if (cents < 0) throw fail(400, 'Invalid claimpayment.', 'Amounts must not be negative.');
          claimPayments.push({ claimid, amount: cents });
        }
      }
    }
    const claimTotal = claimPayments.reduce((s, c) => s + c.amount, 0);
    if (copay <= 0 && other <= 0 && claimTotal <= 0) {
      throw fail(400, 'At least one of copayamount, otheramount or claimpayment must be positive.');
    }
    const appointmentid = form.get('appointmentid')?.trim() || null;
    const appt = appointmentid ? practice.appointments.get(appointmentid) : undefined;
    if (appointmentid && (!appt || appt.patientid !== p.patientid)) throw fail(400, 'Invalid appointmentid.');
    if (copay > 0 && !appt) throw fail(400, 'Missing appointmentid.', 'copayamount requires appointmentid.');

    // Claim eligibility: clean, collectible group, not above the claim's patient balance (the sum of
    // every amount the request puts on one claim counts).
    const perClaim = new Map<string, Cents>();
    for (const c of claimPayments) perClaim.set(c.claimid, (perClaim.get(c.claimid) ?? 0) + c.amount);
    for (const [claimid, amount] of perClaim) {
      if (!claimEligibleForPayment(practice, p, p.claims.find((c) => c.claimid === claimid), amount)) {
        throw fail(400, `Claim ${claimid} is not eligible for payment.`);
      }
    }

    const total = copay + other + claimTotal;
    const cardNumber = (form.get('accountnumber') ?? '').replace(/[\s-]/g, '');
    const cardHash = createHash('sha256').update(cardNumber).digest('hex');
    const at = now();
    const t = at.getTime();
    const allowDuplicates = /^(true|1|y|yes)$/i.test(form.get('allowduplicatepayments') ?? '');
    if (
      !allowDuplicates &&
      duplicates.some(
        (d) => d.practiceid === practice.practiceid && d.patientid === p.patientid && d.total === total && d.cardHash === cardHash && t - d.at < 24 * 3600_000,
      )
    ) {
      return { success: 'false', errortext: 'Duplicate payment' };
    }
    const expMonth = Number(form.get('expirationmonthmm'));
    const expYear = Number(form.get('expirationyearyyyy'));
    if (!Number.isInteger(expMonth) || expMonth < 1 || expMonth > 12 || !Number.isInteger(expYear)) {
      throw fail(400, 'Invalid card expiration.');
    }
    if (expYear < at.getUTCFullYear() || (expYear === at.getUTCFullYear() && expMonth < at.getUTCMonth() + 1)) {
      return { success: 'false', errortext: 'Card expired' };
    }
    if (cardNumber !== ATHENA_SEED_CARDS.approves) {
      return { success: 'false', errortext: 'Card declined' };
    }

    // Approved: apply it.
    const epaymentid = String(state.nextEpaymentId++);
    const date = mmddyyyy(at);
    for (const { claimid, amount } of claimPayments) {
      const claim = p.claims.find((c) => c.claimid === claimid)!;
      let left = amount;
      claim.charges.forEach((charge, i) => {
        if (left <= 0) return;
        const last = i === claim.charges.length - 1;
        const part = last ? left : Math.min(left, Math.max(0, chargePatientRemaining(charge)));
        if (part <= 0) return;
        charge.transactions.push({
          id: String(state.nextTransactionId++),
          date,
          amount: -part,
          type: 'PAYMENT',
          epaymentid,
          description: 'Card payment',
          transfertype: 'p',
        });
        left -= part;
      });
    }
    if (other > 0) {
      const first = groups(practice)[0]?.id ?? '';
      p.unapplied.set(first, (p.unapplied.get(first) ?? 0) + other);
    }
    if (appt) {
      appt.collectedforappointment += copay;
      appt.collectedforother += other + claimTotal;
    }
    practice.receipts.push({
      epaymentid,
      patientid: p.patientid,
      departmentid,
      amount: total,
      type: 'PURCHASE',
      requestdate: at.toISOString(),
      cardnumberlast4digits: cardNumber.slice(-4),
    });
    duplicates.push({ practiceid: practice.practiceid, patientid: p.patientid, total, cardHash, at: t });
    return { success: 'true', epaymentid: Number(epaymentid) };
  }

  const address = await listen(server, options.port ?? 0, host);

  return {
    url: addressUrl(address),
    clientId,
    clientSecret,
    practices: { enterprise: ATHENA_SEED_PRACTICE_ENTERPRISE, single: ATHENA_SEED_PRACTICE_SINGLE },
    get requests() {
      return requests;
    },
    resetRequestLog() {
      requests = [];
    },
    faults,
    revokeTokens() {
      tokens.clear();
    },
    state,
    close() {
      return new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}

function isForm(headers: IncomingMessage['headers']): boolean {
  return /^application\/x-www-form-urlencoded\b/i.test(headers['content-type'] ?? '');
}

function positiveInt(v: string | null): number | undefined {
  if (v === null || !/^\d+$/.test(v)) return undefined;
  const n = Number(v);
  return n > 0 ? n : undefined;
}

function nonNegativeInt(v: string | null): number | undefined {
  if (v === null || !/^\d+$/.test(v)) return undefined;
  return Number(v);
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}
