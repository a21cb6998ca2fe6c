/**
 * `GET /v1/{practiceid}/patients/{patientid}`: an array of one patient; with
 * `showbalancedetails=true` it adds `balances[]` (one per provider group) and `claimbalancedetails[]`
 * (enterprise: one block per group with its `departmentids`; non-enterprise: one block with a blank
 * `providergroupid` listing every department), where claims with a zero patient balance appear only
 * with `showallclaims=true`. Also the wire shape of a claim and of a charge's transactions, whose
 * types alternate on purpose.
 */
import { isEnterprisePractice } from '../claim-eligibility';
import { findPatient, groupOf, groups } from '../practice';
import {
  ATHENA_SEED_PRACTICE_SINGLE,
  claimBilled,
  claimPatientBalance,
  isCleanClaim,
  type SimClaim,
  type SimPatient,
  type SimPractice,
  type SimTransaction,
} from '../seed';
import { decimalText, jsonNumber, shortText } from '../../shared/wire-money';
import { boolStr, idNum } from '../wire-values';

export function patient(practice: SimPractice, patientid: string, url: URL) {
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
    guarantorrelationshiptopatient:
      practice.practiceid === ATHENA_SEED_PRACTICE_SINGLE
        ? p.guarantorrelationshiptopatient
        : String(p.guarantorrelationshiptopatient),
    status: 'active',
  };
  if (p.email) out.email = p.email;
  if (q.get('showbalancedetails') === 'true') {
    out.balances = balances(practice, p);
    out.claimbalancedetails = claimBalanceDetails(practice, p, q.get('showallclaims') === 'true');
  }
  return [out];
}

/** `balances[]`: per provider group, its claims' patient balance less what sits unapplied in it. */
function balances(practice: SimPractice, p: SimPatient) {
  return groups(practice).map((g, gi) => {
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
}

/** `claimbalancedetails[]`: per group in an enterprise practice, one blank-group block otherwise. */
function claimBalanceDetails(practice: SimPractice, p: SimPatient, showAll: boolean) {
  const details: Array<Record<string, unknown>> = [];
  if (isEnterprisePractice(practice)) {
    for (const g of groups(practice)) {
      const claims = p.claims.filter(
        (c) => groupOf(practice, c.departmentid) === g.id && (showAll || claimPatientBalance(c) !== 0),
      );
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
  return details;
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
