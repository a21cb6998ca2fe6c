/**
 * `booking.error` for a refusal by the books keeps the cause and code and masks the customer (the
 * guarantor's name parts, email, phone) out of the books' message, which may quote the display name.
 */
import { describe, expect, it } from 'vitest';
import { maskCustomer, refusalText } from '../../../src/flows/booking/refusal-text';

const MARIA = { firstName: 'María José', lastName: "O'Neil-Alvarez", email: 'maria@example.com', phone: '+15551234567' };

describe('refusalText', () => {
  it('keeps cause and code, and masks a quoted display name but not its id', () => {
    const text = refusalText(
      {
        state: 'FAILED',
        cause: 'VALIDATION',
        code: '6240',
        reason:
          "QuickBooks refused it (HTTP 400, code 6240): Duplicate Name Exists Error: The name supplied already exists. : María José O'Neil-Alvarez (1042)",
      },
      MARIA,
    );
    expect(text).toBe(
      'VALIDATION (6240): QuickBooks refused it (HTTP 400, code 6240): Duplicate Name Exists Error: The name supplied already exists. : *** *** *** (1042)',
    );
  });

  it('leaves a message without the customer as it is, and works without a code', () => {
    expect(refusalText({ state: 'FAILED', cause: 'COMPANY_INACTIVE', code: null, reason: 'Invalid Company Status' }, MARIA)).toBe(
      'COMPANY_INACTIVE: Invalid Company Status',
    );
  });
});

describe('maskCustomer', () => {
  it('masks case-insensitively, the email whole, the phone, and regex characters literally', () => {
    expect(maskCustomer('MARIA@EXAMPLE.COM / +15551234567 / maría', MARIA)).toBe('*** / *** / ***');
    expect(maskCustomer('Mr (x) said hi', { firstName: '(x)', lastName: 'Mr', email: null, phone: null })).toBe(
      '*** *** said hi',
    );
  });

  it('ignores one-letter name parts, which would mask every word', () => {
    expect(maskCustomer('a JOHN b', { firstName: 'A', lastName: 'John', email: null, phone: null })).toBe('a *** b');
  });
});
