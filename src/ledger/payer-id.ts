/**
 * The clearinghouse payer id of a coverage: the practice's `payerIds` map (config) looked up by the
 * coverage's payor reference first (`Organization/490016987`), then by its display (`Aetna`). A
 * coverage the map does not name is `BAD_USER_INPUT` saying which payor lacks an id, before any
 * inquiry is sent.
 *
 *     payerIdFor({ Aetna: 'SANDBOX1' }, { reference: 'Organization/1', display: 'Aetna' }, 'Availity')
 *     // { payerId: 'SANDBOX1' }
 */
import type { Violation } from './violation';

export interface Payor {
  reference: string | null;
  display: string | null;
}

export function payerIdFor(
  payerIds: Readonly<Record<string, string>>,
  payor: Payor,
  clearinghouse: string,
): { payerId: string } | { violation: Violation<'BAD_USER_INPUT'> } {
  for (const key of [payor.reference, payor.display]) {
    if (key !== null && Object.hasOwn(payerIds, key)) return { payerId: payerIds[key]! };
  }
  const named = [payor.reference, payor.display].filter((v): v is string => v !== null).map((v) => JSON.stringify(v));
  return {
    violation: {
      code: 'BAD_USER_INPUT',
      message: `no ${clearinghouse} payer id for ${named.length > 0 ? named.join(' / ') : 'a coverage without a payor'}: add it to the practice's payerIds`,
    },
  };
}
