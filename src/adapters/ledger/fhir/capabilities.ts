/**
 * What each FHIR profile can do, as data, with the reasons for what it cannot (for `NOT_SUPPORTED`
 * messages and `Guarantor.unsupported`).
 *
 *     FHIR_CAPABILITIES.epic.ledgerWrites        // false
 *     FHIR_UNSUPPORTED.epic.ledgerWrites         // 'Epic's public FHIR API has no patient-payment create …'
 */
import type { Capabilities, UnsupportedReasons } from '../port';
import type { FhirProfile } from './allowed-searches';

const NONE: Capabilities = {
  writeOffEstimates: false,
  guarantorAging: false,
  insuranceAging: false,
  claimLevelBalances: false,
  asyncInsertion: false,
  ledgerWrites: false,
  cardCollection: false,
  copays: false,
  refundsBecomeAdjustments: false,
  chargeSplitsBecomeProviderSplits: false,
  webhooks: false,
  patientListing: false,
  externalPayments: false,
  writesOneVisit: false,
  coverage: false,
  refunds: false,
  practiceReports: false,
};

export const FHIR_CAPABILITIES: Readonly<Record<FhirProfile, Readonly<Capabilities>>> = {
  'oracle-health': Object.freeze({ ...NONE, ledgerWrites: true, externalPayments: true, writesOneVisit: true, coverage: true }),
  epic: Object.freeze({ ...NONE, coverage: true }),
  generic: Object.freeze({
    ...NONE,
    ledgerWrites: true,
    externalPayments: true,
    patientListing: true,
    coverage: true,
    refunds: true,
  }),
};

const NO_AR = 'aging: FHIR R4 has no guarantor A/R record, so aging, out-of-pocket aging and reconciliation are null';
const NO_REPORTS =
  'FHIR R4 has no guarantor A/R records and no location-wide payment list: practice-wide receivables, aging and collections are not available';

export const FHIR_UNSUPPORTED: Readonly<Record<FhirProfile, Readonly<UnsupportedReasons>>> = {
  'oracle-health': Object.freeze({
    guarantorAging: NO_AR,
    practiceReports: NO_REPORTS,
    patientListing: 'Oracle Health (Millennium R4) has no patient search without criteria',
    refunds:
      'an Oracle Health FinancialTransaction payment must lower the balance: a refund cannot be posted through FHIR (record it in Millennium)',
  }),
  epic: Object.freeze({
    practiceReports: NO_REPORTS,
    guarantorAging: `${NO_AR}; Epic's public FHIR has no guarantor either: every patient is her own guarantor`,
    writeOffEstimates:
      "balance: Epic's public FHIR has no patient payments or write-off estimates, so a balance read from its claims is an upper bound",
    ledgerWrites: "Epic's public FHIR API has no patient-payment create: Epic practices are read-only",
    externalPayments: "Epic's public FHIR API has no patient-payment create: Epic practices are read-only",
    patientListing: 'Epic has no patient search without criteria for backend services',
  }),
  generic: Object.freeze({ guarantorAging: NO_AR, practiceReports: NO_REPORTS }),
};
