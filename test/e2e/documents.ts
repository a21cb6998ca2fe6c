/** GraphQL documents the transaction tests share: one fragment, so every test reads the same fields. */
export const TX_FIELDS = /* GraphQL */ `
  fragment Tx on LedgerTransaction {
    id
    transactionId
    kind
    status
    updatedAt
    amount { cents amount currency }
    failureReason
    records {
      __typename
      ... on Payment { sourceId transactionId amount { cents } provider { sourceId } charge { sourceId } }
      ... on Adjustment { sourceId transactionId typeName amount { cents } provider { sourceId } charge { sourceId } }
    }
  }
`;
export const PAY = /* GraphQL */ `
  mutation Pay($input: CreatePaymentTransactionInput!) { createPaymentTransaction(input: $input) { transaction { ...Tx } } }
  ${TX_FIELDS}
`;
export const ADJUST = /* GraphQL */ `
  mutation Adjust($input: CreateAdjustmentTransactionInput!) { createAdjustmentTransaction(input: $input) { transaction { ...Tx } } }
  ${TX_FIELDS}
`;
export const TRANSACTION = /* GraphQL */ `
  query Tx($practiceId: ID!, $transactionId: ID!) { transaction(practiceId: $practiceId, transactionId: $transactionId) { ...Tx } }
  ${TX_FIELDS}
`;

/** The analyst's family ledger of issue 2: balances, aging, reconciliation and an invoice in one operation (e2e and bench). */
export const FAMILY_QUERY = /* GraphQL */ `
  query Family($practiceId: ID!, $guarantorId: ID!) {
    guarantor(practiceId: $practiceId, guarantorId: $guarantorId) {
      id
      sourceId
      nonPatient
      patients {
        sourceId
        firstName
        isOwnGuarantor
        balance {
          charges { cents amount }
          payments { cents }
          adjustments { cents }
          total { cents amount currency }
        }
        charges {
          sourceId
          fee { cents }
          patientAmount { cents }
          serviceDate
          description
          provider { sourceId name }
          procedure { code name }
          claim { sourceId status }
        }
      }
      aging { current { cents } days31To60 { cents } days61To90 { cents } over90 { cents } total { cents } guarantorPortion { cents } insuranceEstimate { cents } writeOffEstimate { cents } }
      insuranceAging { current { cents } total { cents } guarantorPortion { cents } writeOffEstimate { cents } }
      outOfPocketAging { current { cents } days31To60 { cents } days61To90 { cents } over90 { cents } total { cents } writeOffEstimate { cents } }
      reconciliation { computed { cents } reported { cents } difference { cents } consistent }
      invoice(groupBy: PROVIDER) { groupBy total { cents } groups { key label subtotal { cents } lines { charge { sourceId } patientAmount { cents } } } }
    }
  }
`;
