/**
 * The pay page's GraphQL documents, typed by `npm run codegen` (codegen.ts, the client preset):
 * `graphql()` returns a typed document string with its sha256 in `__meta__.hash`, listed in
 * src/web/generated/persisted-documents.json. Only pay-page root fields: a browser without an API
 * key may run nothing else (src/auth/pay-page-caller.ts).
 */
import { graphql } from '../generated/gql';

export const PaymentPageFields = graphql(`
  fragment PaymentPageFields on PaymentPage {
    practiceName
    patientFirstName
    amount { amount currency }
    lines { description serviceDate amount { amount currency } }
    status
    posting
    checkoutUrl
    expiresAt
    paidAt
  }
`);

export const PaymentPageQuery = graphql(`
  query PaymentPage($token: String!) {
    paymentPage(token: $token) { ...PaymentPageFields }
  }
`);

export const PaymentPageChanged = graphql(`
  subscription PaymentPageChanged($token: String!) {
    paymentPageChanged(token: $token) { ...PaymentPageFields }
  }
`);
