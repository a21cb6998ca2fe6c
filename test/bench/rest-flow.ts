/**
 * The documented sequential REST flow for "balance + itemized invoice" of one patient, as a client
 * without the gateway would write it: patient → guarantor balance → charges → payments →
 * adjustments → one `GET /charges/{id}` per charge (with its provider and procedure), one after another.
 */
import type { NexRest } from './nex-rest';

export async function restBalanceAndInvoice(rest: NexRest, patientId: string): Promise<{ calls: number; lines: number }> {
  const start = rest.calls;
  const patient = await rest.get(`/patients/${patientId}`);
  const guarantorId = String(patient.guarantor_id || patient.id);
  await rest.list('/guarantor_balances', { guarantor_id: guarantorId, show_zero_balances: true });
  const charges = await rest.list('/charges', { patient_id: patientId });
  await rest.list('/payments', { patient_id: patientId });
  await rest.list('/adjustments', { patient_id: patientId });
  for (const charge of charges) {
    await rest.get(`/charges/${charge.id}`, { 'include[]': ['provider', 'procedure', 'claim_payouts'] });
  }
  return { calls: rest.calls - start, lines: charges.length };
}
