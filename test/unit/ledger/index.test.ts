import { describe, expect, it } from 'vitest';
import * as ledger from '../../../src/ledger';
import * as aging from '../../../src/ledger/aging';
import * as collectible from '../../../src/ledger/collectible';
import * as fingerprint from '../../../src/ledger/fingerprint';
import * as invoice from '../../../src/ledger/invoice';
import * as money from '../../../src/ledger/money';
import * as patientAmount from '../../../src/ledger/patient-amount';
import * as patientBalance from '../../../src/ledger/patient-balance';
import * as prepareWrite from '../../../src/ledger/prepare-write';
import * as reconciliation from '../../../src/ledger/reconciliation';
import * as recordsSum from '../../../src/ledger/records-sum';
import * as splits from '../../../src/ledger/splits';
import * as transactionId from '../../../src/ledger/transaction-id';
import * as typeMatch from '../../../src/ledger/type-match';
import * as violation from '../../../src/ledger/violation';

describe('src/ledger/index', () => {
  it('re-exports every runtime export of every module, unchanged', () => {
    const modules = [
      aging,
      collectible,
      fingerprint,
      invoice,
      money,
      patientAmount,
      patientBalance,
      prepareWrite,
      reconciliation,
      recordsSum,
      splits,
      transactionId,
      typeMatch,
      violation,
    ];
    const expected = new Map<string, unknown>();
    for (const mod of modules) for (const [name, value] of Object.entries(mod)) expected.set(name, value);
    expect(Object.keys(ledger).sort()).toEqual([...expected.keys()].sort());
    for (const [name, value] of expected) expect(ledger[name as keyof typeof ledger]).toBe(value);
  });

  it('carries the required entry points', () => {
    for (const name of [
      'parseDecimal',
      'parseWireAmount',
      'formatCents',
      'sumCents',
      'chargePatientAmount',
      'patientBalance',
      'guarantorAging',
      'insuranceAging',
      'outOfPocketAging',
      'sumBuckets',
      'reconcile',
      'checkSplits',
      'adjustmentRequiresSplit',
      'matchTypeByName',
      'matchTypeById',
      'formatTransactionId',
      'buildInvoice',
      'isEnterprise',
      'claimCollectible',
      'preparePayment',
      'prepareAdjustment',
      'prepareCollection',
      'fingerprint',
      'collectibleBalance',
    ]) {
      expect(typeof (ledger as Record<string, unknown>)[name]).toBe('function');
    }
  });
});
