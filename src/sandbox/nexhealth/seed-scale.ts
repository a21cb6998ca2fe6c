/**
 * The sandbox's size knob: `npm run sandbox -- --patients 20000` (and the bench fixtures) add that
 * many fictional patients to one location of the seed, deterministically (a fixed-seed PRNG: the
 * same count gives the same rows on every machine), so the practice-wide reports can be measured at
 * scale by anyone.
 *
 *     const seed = createNexSeed();
 *     addScalePatients(seed, { patients: 20_000 }); // ~8,000 families at the Open Dental location
 *
 * Families of one to four patients (the guarantor a patient herself); each patient has one visit
 * (one charge, no claim) up to 120 days before the seed's date, and most have paid part of it
 * (one payment, of one of the location's active payment types). Each family has a guarantor A/R
 * record coherent with the NexHealth spec's balance rule: its guarantor portion and total are the sum
 * of its patients' balances, aged by the visit's date.
 */
import { seededRng } from '../shared/seeded-rng';
import { agingBucket } from './balance';
import { daysBefore } from './seed-builder';
import { OD, SEED_AS_OF } from './seed-reference';
import type { NexGuarantorBalance, NexSeed } from './types';

export interface ScaleOptions {
  /** Patients to add. */
  patients: number;
  /** The location they join. Default the Open Dental location (smile-dental). */
  locationId?: number;
  /** The PRNG's seed. Default `1`. */
  seed?: number;
}

/** Ids far above the hand-written seed's, so the two never meet. */
const FIRST_PATIENT_ID = 1_000_001;
const FIRST_CHARGE_ID = 5_000_001;
const FIRST_PAYMENT_ID = 9_000_001;
const FIRST_BALANCE_ID = 13_000_001;

const FIRST_NAMES = ['Ada', 'Bo', 'Cyra', 'Dev', 'Elin', 'Faro', 'Gus', 'Hana', 'Ivo', 'Juno', 'Kai', 'Lior', 'Mira', 'Nils'];
const LAST_NAMES = ['Abara', 'Brisk', 'Corvo', 'Dunmore', 'Elkin', 'Farrow', 'Gaudet', 'Holm', 'Ister', 'Jarvik', 'Kestrel'];
/** Procedures with a fee (the seed's reference data) and the provider who does them. */
const VISITS = [
  { procedureId: 401, code: 'D0120', name: 'Periodic oral evaluation', fee: 6_500 },
  { procedureId: 404, code: 'D1110', name: 'Prophylaxis - adult', fee: 11_000 },
  { procedureId: 412, code: 'D2740', name: 'Crown - porcelain/ceramic', fee: 125_000 },
];
const PAYMENT_TYPE_IDS = [501, 502, 503, 504];
const PROVIDER_IDS = [301, 302, 303];

export function addScalePatients(seed: NexSeed, options: ScaleOptions): void {
  const count = Math.floor(options.patients);
  if (!Number.isSafeInteger(count) || count < 0)
    throw new Error(`expected patients to be a whole number ≥ 0, got ${options.patients}`);
  const location = options.locationId ?? OD;
  const random = seededRng(options.seed ?? 1);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)]!;
  const stamp = `${SEED_AS_OF}T06:00:00.000Z`;
  let patientId = FIRST_PATIENT_ID;
  let chargeId = FIRST_CHARGE_ID;
  let paymentId = FIRST_PAYMENT_ID;
  let balanceId = FIRST_BALANCE_ID;
  let added = 0;
  while (added < count) {
    const size = Math.min(count - added, 1 + Math.floor(random() * 4));
    const lastName = pick(LAST_NAMES);
    const guarantorId = patientId;
    const buckets = [0, 0, 0, 0];
    for (let member = 0; member < size; member++) {
      const id = patientId++;
      seed.patients.push({
        id,
        location_id: location,
        first_name: pick(FIRST_NAMES),
        last_name: lastName,
        email: null,
        guarantor_id: member === 0 ? id : guarantorId,
        non_patient: false,
        date_of_birth: member === 0 ? '1980-01-01' : '2012-01-01',
        gender: null,
        phone_number: null,
        inactive: false,
        created_at: stamp,
        updated_at: stamp,
      });
      const visit = pick(VISITS);
      const chargedAt = daysBefore(1 + Math.floor(random() * 120));
      seed.charges.push({
        id: chargeId++,
        location_id: location,
        patient_id: id,
        provider_id: pick(PROVIDER_IDS),
        procedure_id: visit.procedureId,
        procedure_code: visit.code,
        description: visit.name,
        fee: visit.fee,
        charged_at: chargedAt,
        claim_payouts: [],
        deleted_at: null,
        updated_at: chargedAt,
      });
      let balance = visit.fee;
      if (random() < 0.7) {
        // Whole dollars, from a tenth of the fee up to all of it.
        const paid = Math.max(100, Math.floor((visit.fee * (0.1 + random() * 0.9)) / 100) * 100);
        const paidAt = daysBefore(Math.floor(random() * 120));
        seed.payments.push({
          id: paymentId++,
          location_id: location,
          patient_id: id,
          provider_id: null,
          charge_id: null,
          claim_id: null,
          insurance_plan_id: null,
          payment_type_id: pick(PAYMENT_TYPE_IDS),
          payment_amount: -paid,
          paid_at: paidAt,
          transaction_id: null,
          description: null,
          deleted_at: null,
          updated_at: paidAt,
        });
        balance -= paid;
      }
      buckets[agingBucket(chargedAt, SEED_AS_OF)]! += balance;
    }
    added += size;
    const total = buckets[0]! + buckets[1]! + buckets[2]! + buckets[3]!;
    const record: NexGuarantorBalance = {
      id: balanceId++,
      location_id: location,
      guarantor_id: guarantorId,
      total_balance: total,
      guarantor_portion: total,
      insurance_estimate: 0,
      write_off_estimate: 0,
      total_balance_under_30: buckets[0]!,
      total_balance_31_60: buckets[1]!,
      total_balance_61_90: buckets[2]!,
      total_balance_over_90: buckets[3]!,
      updated_at: stamp,
    };
    seed.guarantorBalances.push(record);
  }
}
