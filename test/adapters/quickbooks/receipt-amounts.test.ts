/**
 * Amounts on QuickBooks' wire: `TotalAmt` is read through its decimal text into integer cents, a
 * total with more than two decimals is a malformed payload (never rounded), a receipt that is not
 * deleted must carry a total (a missing one would read as a void), and an outgoing amount a JSON
 * number cannot carry exactly is refused before any request.
 */
import { describe, expect, it } from 'vitest';
import { entryRecordOf } from '../../../src/adapters/accounting/quickbooks/mapping';
import { cdcResponseSchema, receiptSchema } from '../../../src/adapters/accounting/quickbooks/schemas';

describe('receiptSchema', () => {
  it.each([
    [125.5, 12_550],
    [0.29, 29],
    [1.1, 110],
    [-138.5, -13_850],
    [0, 0],
  ])('reads TotalAmt %d as %d cents', (total, cents) => {
    const receipt = receiptSchema.parse({ Id: '145', TotalAmt: total });
    expect(receipt.TotalAmt).toBe(cents);
    expect(entryRecordOf('SALE', receipt).amount).toBe(cents);
  });

  it.each([9.005, 0.001, 125.555])('refuses TotalAmt %d as malformed rather than rounding it', (total) => {
    const parsed = receiptSchema.safeParse({ Id: '145', TotalAmt: total });
    expect(parsed.success).toBe(false);
    expect(parsed.error?.issues[0]?.path).toEqual(['TotalAmt']);
    expect(parsed.error?.issues[0]?.message).toContain(String(total));
  });

  it('refuses a receipt that is not deleted and has no TotalAmt, and accepts a deleted one without', () => {
    const missing = receiptSchema.safeParse({ Id: '145', SyncToken: '1', PrivateNote: 'Voided' });
    expect(missing.success).toBe(false);
    expect(missing.error?.issues[0]?.path).toEqual(['TotalAmt']);
    expect(receiptSchema.parse({ Id: '146', status: 'Deleted' })).toMatchObject({ Id: '146', status: 'Deleted' });
  });

  it('fails a change-data-capture answer holding a receipt without a total', () => {
    const body = (row: Record<string, unknown>) => ({
      CDCResponse: [{ QueryResponse: [{ SalesReceipt: [row] }] }],
      time: '2026-07-30T10:00:00-07:00',
    });
    expect(cdcResponseSchema.safeParse(body({ Id: '145', SyncToken: '2' })).success).toBe(false);
    expect(cdcResponseSchema.safeParse(body({ Id: '145', status: 'Deleted' })).success).toBe(true);
  });
});
