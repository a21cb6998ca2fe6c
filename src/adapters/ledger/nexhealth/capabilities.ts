/**
 * What a NexHealth location can do, decided by the practice-management system behind it.
 *
 *     nexhealthCapabilities('dentrix').refundsBecomeAdjustments   // true
 *     nexhealthCapabilities('open_dental').writeOffEstimates      // true
 */
import type { Capabilities } from '../port';

export function nexhealthCapabilities(pms: string | undefined): Capabilities {
  const system = (pms ?? '').trim().toLowerCase();
  const dentrix = system === 'dentrix';
  const noWriteOffEstimates = system === 'dentrix' || system === 'dentrix_enterprise';
  return {
    writeOffEstimates: !noWriteOffEstimates,
    guarantorAging: true,
    insuranceAging: true,
    claimLevelBalances: false,
    asyncInsertion: true,
    ledgerWrites: true,
    cardCollection: false,
    copays: false,
    refundsBecomeAdjustments: dentrix,
    chargeSplitsBecomeProviderSplits: dentrix,
    webhooks: true,
    patientListing: true,
    externalPayments: true,
    writesOneVisit: false,
    coverage: false,
    refunds: true,
    practiceReports: true,
  };
}
