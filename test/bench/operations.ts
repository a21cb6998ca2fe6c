/** The standard operations the bench measures, as GraphQL documents with their variables. */
import { NEX_SEED } from '../../src/sandbox/nexhealth';
import { FAMILY_QUERY } from '../e2e/documents';
import { PRACTICE } from './setup';

/** A patient of the Open Dental location with ≥ 10 charges (Lindqvist family: 11 charges). */
export const INVOICE_PATIENT_ID = '1010';

export const PRACTICE_PAGE_QUERY = /* GraphQL */ `
  query Page($id: ID!) {
    practice(id: $id) { patients(first: 50) { nodes { balance { total { cents } } } } }
  }
`;

export const INVOICE_QUERY = /* GraphQL */ `
  query Invoice($practiceId: ID!, $patientId: ID!) {
    patient(practiceId: $practiceId, patientId: $patientId) {
      sourceId
      balance { charges { cents } payments { cents } adjustments { cents } total { cents amount } }
      invoice(groupBy: SERVICE_DATE) {
        total { cents }
        groups {
          key
          subtotal { cents }
          lines {
            charge { sourceId serviceDate description procedure { code name } provider { name } }
            fee { cents }
            patientAmount { cents }
          }
        }
      }
    }
  }
`;

/** Three levels (patient → charges → provider) for the throughput comparison. */
export const THREE_LEVEL_QUERY = /* GraphQL */ `
  query ThreeLevels($practiceId: ID!, $patientId: ID!) {
    patient(practiceId: $practiceId, patientId: $patientId) { sourceId charges { sourceId provider { sourceId name } } }
  }
`;

export interface Operation {
  key: 'family' | 'practicePage' | 'invoice';
  label: string;
  query: string;
  variables: Record<string, unknown>;
}

export const OPERATIONS: Operation[] = [
  {
    key: 'family',
    label: 'family ledger (Alvarez, 4 patients)',
    query: FAMILY_QUERY,
    variables: { practiceId: PRACTICE, guarantorId: NEX_SEED.families.alvarez.guarantorId },
  },
  { key: 'practicePage', label: 'practice page, 50 balances', query: PRACTICE_PAGE_QUERY, variables: { id: PRACTICE } },
  {
    key: 'invoice',
    label: `balance + itemized invoice (patient ${INVOICE_PATIENT_ID})`,
    query: INVOICE_QUERY,
    variables: { practiceId: PRACTICE, patientId: INVOICE_PATIENT_ID },
  },
];
