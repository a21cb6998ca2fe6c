/**
 * `GET /v1/{practiceid}/patients/{patientid}/receipts[?departmentid=]`: the patient's card receipts
 * (what a caller reconciles against when a collectpayment's outcome is unknown), only the last four
 * digits of each card.
 */
import { findPatient } from '../practice';
import type { SimPractice } from '../seed';
import { decimalText } from '../../shared/wire-money';
import { idNum } from '../wire-values';

export function receipts(practice: SimPractice, patientid: string, url: URL) {
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
