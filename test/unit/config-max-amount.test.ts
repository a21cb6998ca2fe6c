import { describe, expect, it } from 'vitest';
import { defaultLimits, limitsSchema } from '../../src/config';

describe('limits.maxAmount', () => {
  it('is a decimal string in the config, integer cents in code; 100000.00 by default', () => {
    expect(defaultLimits.maxAmount).toBe(10_000_000);
    expect(limitsSchema.parse({ maxAmount: '250.5' }).maxAmount).toBe(25_050);
  });

  it('refuses anything but a positive strict decimal, saying what arrived', () => {
    for (const bad of ['0', '0.00', '-5.00', '1e3', ' 5.00', '5,00', '0.001', '99999999999999999']) {
      const result = limitsSchema.safeParse({ maxAmount: bad });
      expect(result.success, bad).toBe(false);
      expect(result.error?.issues[0]?.message).toContain(JSON.stringify(bad));
    }
    expect(limitsSchema.safeParse({ maxAmount: 100000 }).success).toBe(false);
  });
});
