import { describe, expect, it } from 'vitest';
import { payerIdFor } from '../../../src/ledger/payer-id';

const map = { 'Organization/490016987': 'P-REF', Aetna: 'P-NAME', Cigna: '00123' };

describe('payerIdFor', () => {
  it('looks the payor reference up first', () => {
    expect(payerIdFor(map, { reference: 'Organization/490016987', display: 'Aetna' }, 'Availity')).toEqual({ payerId: 'P-REF' });
  });

  it('then its display, keeping leading zeros', () => {
    expect(payerIdFor(map, { reference: 'Organization/x', display: 'Aetna' }, 'Availity')).toEqual({ payerId: 'P-NAME' });
    expect(payerIdFor(map, { reference: null, display: 'Cigna' }, 'Availity')).toEqual({ payerId: '00123' });
  });

  it('is BAD_USER_INPUT naming the payor when the map lacks it', () => {
    expect(payerIdFor(map, { reference: 'Organization/9', display: 'Humana' }, 'Availity')).toEqual({
      violation: {
        code: 'BAD_USER_INPUT',
        message: `no Availity payer id for "Organization/9" / "Humana": add it to the practice's payerIds`,
      },
    });
    expect(payerIdFor(map, { reference: null, display: null }, 'Availity')).toMatchObject({
      violation: { code: 'BAD_USER_INPUT' },
    });
  });

  it('does not read inherited keys', () => {
    expect(payerIdFor(map, { reference: 'toString', display: null }, 'Availity')).toMatchObject({
      violation: { code: 'BAD_USER_INPUT' },
    });
  });
});
