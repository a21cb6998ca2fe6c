import type { CodegenConfig } from '@graphql-codegen/cli';

/**
 * schema/*.graphql -> typed resolvers. Before `start`, `build`, `test` and `bench`,
 * scripts/codegen-if-changed.mjs regenerates the output when its inputs (the SDL, this file, the
 * codegen packages' versions) changed; `npm run codegen` always does. The output is never committed
 * or edited by hand.
 *
 * Mappers tie each GraphQL object type to the internal record a resolver returns for it, so the
 * field resolvers receive the adapter's normalized records rather than GraphQL shapes.
 */
const config: CodegenConfig = {
  overwrite: true,
  schema: 'schema/*.graphql',
  generates: {
    'src/graphql/generated/resolvers-types.ts': {
      plugins: ['typescript', 'typescript-resolvers'],
      config: {
        useTypeImports: true,
        contextType: '../context#GatewayContext',
        enumsAsTypes: true,
        useIndexSignature: false,
        // Federation 2 (schema/federation.graphql): `__resolveReference` is typed on the entity types.
        federation: true,
        scalars: {
          SafeInt: 'number',
          Date: 'string',
          DateTime: 'string',
          JSON: 'unknown',
        },
        mappers: {
          Practice: '../models#PracticeModel',
          Patient: '../models#PatientModel',
          Guarantor: '../models#GuarantorModel',
          Charge: '../models#ChargeModel',
          Payment: '../models#PaymentModel',
          Adjustment: '../models#AdjustmentModel',
          Claim: '../models#ClaimModel',
          Provider: '../models#ProviderModel',
          Money: '../models#MoneyModel',
          PatientBalance: '../models#PatientBalanceModel',
          AgingBalance: '../models#AgingModel',
          Reconciliation: '../models#ReconciliationModel',
          LedgerTransaction: '../models#TransactionModel',
          Copay: '../models#CopayModel',
          Job: '../models#JobModel',
          Checkout: '../models#CheckoutModel',
          CheckoutLine: '../models#CheckoutLineModel',
          Reminder: '../../flows/billing-cycle/reminder-store#ReminderRow',
          BillingCycle: '../../flows/billing-cycle/cycle-store#CycleRow',
          EligibilityCheck: '../../flows/eligibility/types#EligibilityCheckModel',
          ClaimPayerStatus: '../../flows/claim-watch/watch-store#WatchRow',
          ClaimStatusChange: '../../flows/claim-watch/context#ClaimChange',
        },
      },
    },
    // The pay page's typed client (src/web/client/): the documents it writes with `graphql()` become
    // typed document strings (no graphql-js in the browser bundle) carrying their sha256 hash, and
    // persisted-documents.json maps each hash to its text, the manifest a key can be locked to.
    'src/web/generated/': {
      documents: ['src/web/client/**/*.ts'],
      preset: 'client',
      presetConfig: {
        fragmentMasking: false,
        persistedDocuments: { mode: 'embedHashInDocument', hashAlgorithm: 'sha256' },
      },
      config: {
        useTypeImports: true,
        documentMode: 'string',
        enumsAsTypes: true,
        scalars: { SafeInt: 'number', Date: 'string', DateTime: 'string', JSON: 'unknown' },
      },
    },
  },
};

export default config;
