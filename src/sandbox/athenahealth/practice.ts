/**
 * Lookups in one simulated practice that several routes share: a patient by id (404 with
 * athenahealth's text when unknown), the provider group of a department, and the practice's provider
 * groups in department order with their department ids (the order `balances[]` is listed in and the
 * group an `otheramount` is credited to).
 */
import { fail, ATHENA_PATIENT_NOT_FOUND } from './http';
import type { SimPatient, SimPractice } from './seed';

export function findPatient(practice: SimPractice, patientid: string): SimPatient {
  const p = practice.patients.get(patientid);
  if (!p) throw fail(404, ATHENA_PATIENT_NOT_FOUND);
  return p;
}

export function groupOf(practice: SimPractice, departmentid: string): string {
  return practice.departments.find((d) => d.departmentid === departmentid)?.providergroupid ?? '';
}

/** Provider groups in department order, each with its department ids. */
export function groups(practice: SimPractice): Array<{ id: string; departmentids: string[] }> {
  const out: Array<{ id: string; departmentids: string[] }> = [];
  for (const d of practice.departments) {
    let g = out.find((x) => x.id === d.providergroupid);
    if (!g) {
      g = { id: d.providergroupid, departmentids: [] };
      out.push(g);
    }
    g.departmentids.push(d.departmentid);
  }
  return out;
}
