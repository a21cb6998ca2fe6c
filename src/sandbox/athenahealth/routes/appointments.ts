/**
 * `GET /v1/{practiceid}/appointments/{appointmentid}`: an array of one appointment; with
 * `showcopay=true` it adds the expected `copay` and `appointmentcopay{…}` (what was collected for the
 * appointment and for other things). Unknown → 404 with athenahealth's text.
 */
import { ATHENA_APPOINTMENT_NOT_FOUND, fail } from '../http';
import type { SimPractice } from '../seed';
import { decimalText, jsonNumber, shortText } from '../../shared/wire-money';
import { idNum } from '../wire-values';

export function appointment(practice: SimPractice, appointmentid: string, url: URL) {
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
