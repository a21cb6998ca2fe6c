import { describe, expect, it } from 'vitest';
import { eligibilityRejectionOutcome, rejectionAction } from '../../../src/ledger/eligibility-rejection';

const reason = (code: string) => ({ code, description: null, field: null, followUp: null });

describe('rejectionAction (AAA03)', () => {
  it('asks to fix the request for date, patient and subscriber codes', () => {
    for (const code of ['57', '58', '62', '63', '64', '65', '67', '71', '72', '73', '75', '76', '77', '78']) {
      expect(rejectionAction(code), code).toBe('FIX_REQUEST');
    }
  });

  it('asks to fix the setup for provider and access codes', () => {
    for (const code of ['15', '41', '43', '44', '50', '51', '79']) expect(rejectionAction(code), code).toBe('FIX_SETUP');
  });

  it('asks to retry later for 42 and 80', () => {
    expect([rejectionAction('42'), rejectionAction('80')]).toEqual(['RETRY_LATER', 'RETRY_LATER']);
  });

  it('shows a code outside the table to the front desk', () => {
    expect(rejectionAction('99')).toBe('FIX_REQUEST');
  });
});

describe('eligibilityRejectionOutcome', () => {
  it('is a REJECTED result for request codes', () => {
    expect(eligibilityRejectionOutcome([reason('72'), reason('71')])).toBe('REJECTED');
    expect(eligibilityRejectionOutcome([])).toBe('REJECTED');
  });

  it('is UPSTREAM_REJECTED when any reason is setup, even beside a retry code', () => {
    expect(eligibilityRejectionOutcome([reason('75'), reason('50')])).toBe('UPSTREAM_REJECTED');
    expect(eligibilityRejectionOutcome([reason('42'), reason('43')])).toBe('UPSTREAM_REJECTED');
  });

  it('is UPSTREAM_UNAVAILABLE for a retry code without a setup code', () => {
    expect(eligibilityRejectionOutcome([reason('80')])).toBe('UPSTREAM_UNAVAILABLE');
    expect(eligibilityRejectionOutcome([reason('72'), reason('42')])).toBe('UPSTREAM_UNAVAILABLE');
  });
});
