import type { Cents, NexAdjustmentType, NexLocation, NexPaymentType, NexProcedure, NexProvider } from './types';

/** The date balances are aged against. */
export const SEED_AS_OF = '2025-06-30';
export const BALANCES_UPDATED_AT = '2025-06-30T06:00:00.000Z';
/** Reported guarantor_portion of the inconsistent guarantor minus the computed sum. */
export const INCONSISTENCY_CENTS = 4_500;
export const LARGE_LEDGER_CHARGES = 1_030;

export const INSTITUTION = { id: 4120, subdomain: 'maple-harbor-dental', name: 'Maple & Harbor Dental Group' };
export const API_KEY = 'nexsbx_live_7f3c9a1e5b2d4f60a8c1e9b7d3f5a2c4';
export const OD = 201;
export const DX = 202;

export const LOCATIONS: NexLocation[] = [
  { id: OD, name: 'Maple Grove Dental', ehr: 'open_dental' },
  { id: DX, name: 'Harbor View Dental', ehr: 'dentrix' },
];

export const PROVIDERS: NexProvider[] = [
  {
    id: 301,
    location_id: OD,
    first_name: 'Evelyn',
    last_name: 'Carter',
    npi: '1427053981',
    updated_at: '2024-01-08T15:00:00.000Z',
  },
  {
    id: 302,
    location_id: OD,
    first_name: 'Samuel',
    last_name: 'Iverson',
    npi: '1639201847',
    updated_at: '2024-01-08T15:00:00.000Z',
  },
  {
    id: 303,
    location_id: OD,
    first_name: 'Jordan',
    last_name: 'Blake',
    npi: '1750382946',
    updated_at: '2024-03-11T15:00:00.000Z',
  },
  {
    id: 311,
    location_id: DX,
    first_name: 'Margaret',
    last_name: 'Osei',
    npi: '1861493025',
    updated_at: '2024-02-19T15:00:00.000Z',
  },
  {
    id: 312,
    location_id: DX,
    first_name: 'Paul',
    last_name: 'Whitaker',
    npi: '1972504136',
    updated_at: '2024-02-19T15:00:00.000Z',
  },
];

export type Category = 'preventive' | 'basic' | 'major' | 'ortho';
export const PROCEDURE_DEFS: Array<[number, string, string, Cents, Category, 'active' | 'inactive']> = [
  [401, 'D0120', 'Periodic oral evaluation - established patient', 6_200, 'preventive', 'active'],
  [402, 'D0150', 'Comprehensive oral evaluation - new or established patient', 9_500, 'preventive', 'active'],
  [403, 'D0274', 'Bitewings - four radiographic images', 7_800, 'preventive', 'active'],
  [404, 'D1110', 'Prophylaxis - adult', 10_500, 'preventive', 'active'],
  [405, 'D1120', 'Prophylaxis - child', 7_000, 'preventive', 'active'],
  [406, 'D1206', 'Topical application of fluoride varnish', 3_800, 'preventive', 'active'],
  [407, 'D1351', 'Sealant - per tooth', 5_200, 'preventive', 'active'],
  [408, 'D2391', 'Resin-based composite - one surface, posterior', 18_500, 'basic', 'active'],
  [409, 'D2392', 'Resin-based composite - two surfaces, posterior', 23_500, 'basic', 'active'],
  [410, 'D7140', 'Extraction, erupted tooth or exposed root', 21_000, 'basic', 'active'],
  [411, 'D4341', 'Periodontal scaling and root planing - four or more teeth per quadrant', 26_500, 'basic', 'active'],
  [412, 'D2740', 'Crown - porcelain/ceramic', 125_000, 'major', 'active'],
  [413, 'D3330', 'Endodontic therapy, molar tooth', 115_000, 'major', 'active'],
  [414, 'D8670', 'Periodic orthodontic treatment visit', 1_800, 'ortho', 'active'],
  [415, 'D0140', 'Limited oral evaluation - problem focused', 8_900, 'preventive', 'inactive'],
];
export const PROCEDURES: NexProcedure[] = PROCEDURE_DEFS.map(([id, code, name, fee, , status]) => ({
  id,
  code,
  name,
  status,
  start_date: status === 'active' ? '2018-01-01' : '2016-01-01',
  fee,
}));
export const CATEGORY = new Map(PROCEDURE_DEFS.map(([id, , , , category]) => [id, category] as const));
export const COVERAGE: Record<Category, number> = { preventive: 100, basic: 80, major: 50, ortho: 0 };

export const PAYMENT_TYPES: NexPaymentType[] = [
  { id: 501, location_id: OD, name: 'Cash', active: true },
  { id: 502, location_id: OD, name: 'Check', active: true },
  { id: 503, location_id: OD, name: 'Credit Card', active: true },
  { id: 504, location_id: OD, name: 'CareCredit', active: true },
  { id: 505, location_id: OD, name: 'Insurance Check', active: true },
  { id: 506, location_id: OD, name: 'Gift Certificate', active: false },
  { id: 511, location_id: DX, name: 'Cash', active: true },
  { id: 512, location_id: DX, name: 'Check', active: true },
  { id: 513, location_id: DX, name: 'Visa/MasterCard', active: true },
  { id: 514, location_id: DX, name: 'Dental Insurance Check', active: true },
  { id: 515, location_id: DX, name: 'Money Order', active: false },
];

export const ADJUSTMENT_TYPES: NexAdjustmentType[] = [
  { id: 601, location_id: OD, name: 'Courtesy Credit', active: true, action: 'credit' },
  { id: 602, location_id: OD, name: 'Senior Discount', active: true, action: 'credit' },
  { id: 603, location_id: OD, name: 'Small Balance Write-off', active: true, action: 'credit' },
  { id: 604, location_id: OD, name: 'Finance Charge', active: true, action: 'debit' },
  { id: 605, location_id: OD, name: 'NSF Fee', active: true, action: 'debit' },
  { id: 606, location_id: OD, name: 'Legacy Conversion', active: true, action: 'unknown' },
  { id: 607, location_id: OD, name: 'Spring Promo Credit', active: false, action: 'credit' },
  { id: 611, location_id: DX, name: 'Professional Courtesy', active: true, action: 'credit' },
  { id: 612, location_id: DX, name: 'Insurance Adjustment', active: true, action: 'credit' },
  { id: 613, location_id: DX, name: 'Collection Fee', active: true, action: 'debit' },
  { id: 614, location_id: DX, name: 'Patient Refund', active: true, action: 'debit' },
  { id: 615, location_id: DX, name: 'Billing Charge', active: true, action: 'debit' },
];
