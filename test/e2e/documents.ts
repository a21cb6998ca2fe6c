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
