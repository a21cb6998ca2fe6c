/**
 * A tiny schema and Apollo Server for the plugin tests: enough types for nesting (patients ↔
 * guarantor), lists under lists, a `first` argument, introspection, and a mutation whose input
 * carries a practice id next to data that must never be logged.
 *
 * vitest.config.ts aliases `graphql` to its CommonJS build, the one Apollo Server loads, so the
 * tests and Apollo share one graphql realm (as under Node in production).
 */
import { ApolloServer, type ApolloServerPlugin, type ApolloServerOptions, type GraphQLResponse } from '@apollo/server';
import { makeExecutableSchema } from '@graphql-tools/schema';
import type { GraphQLFormattedError } from 'graphql';
import { gatewayError } from '../../src/graphql/errors';
import { apolloOperationGuard, createOperationGuard, type OperationGuardOptions } from '../../src/plugins/operation-guard';

export const typeDefs = /* GraphQL */ `
  type Query {
    practices: [Practice!]!
    practice(id: ID!): Practice
    patient(practiceId: ID!, patientId: ID!): Patient
    "Always NOT_FOUND; non-null, so the whole data is null."
    missing(practiceId: ID!): Patient!
    broken: String
  }
  type Mutation {
    createPayment(input: PaymentInput!): Payment!
  }
  input PaymentInput {
    practiceId: ID!
    patientId: ID!
    amount: String!
    card: CardInput
  }
  input CardInput {
    number: String!
    cvv: String!
    nameOnCard: String
  }
  type Payment {
    id: ID!
    amount: String!
  }
  type Practice {
    id: ID!
    name: String!
    patients(first: Int): [Patient!]!
  }
  type Patient {
    id: ID!
    firstName: String!
    guarantor: Guarantor
    charges: [Charge!]!
  }
  type Guarantor {
    id: ID!
    "The guarantor herself when she is a patient."
    patient: Patient
    patients: [Patient!]!
  }
  type Charge {
    id: ID!
    fee: Int!
  }
`;

export interface TestCaller {
  keyName: string;
  practices: ReadonlySet<string> | '*';
  introspection: boolean;
  requestsPerMinute: number | null;
}

export interface TestContext {
  caller: TestCaller;
}

export function caller(keyName = 'portal', requestsPerMinute: number | null = null): TestCaller {
  return { keyName, practices: '*', introspection: true, requestsPerMinute };
}

/** How many times a resolver ran: proves a refused operation never executed. */
export const calls = { count: 0 };

const patient = { id: 'p1', firstName: 'Ada', charges: [{ id: 'c1', fee: 100 }] };
const guarantor = { id: 'g1', patients: [patient] };

export const schema = makeExecutableSchema({
  typeDefs,
  resolvers: {
    Query: {
      practices: () => {
        calls.count += 1;
        return [{ id: 'smile-dental', name: 'Smile Dental' }];
      },
      practice: (_: unknown, { id }: { id: string }) => {
        calls.count += 1;
        return { id, name: 'Smile Dental' };
      },
      patient: () => {
        calls.count += 1;
        return patient;
      },
      missing: (_: unknown, { practiceId }: { practiceId: string }) => {
        throw gatewayError('NOT_FOUND', `no such patient in ${practiceId}`);
      },
      broken: () => {
        throw new Error('boom');
      },
    },
    Mutation: {
      createPayment: (_: unknown, { input }: { input: { amount: string } }) => ({ id: 'LG:1', amount: input.amount }),
    },
    Practice: { patients: () => [patient] },
    Patient: { guarantor: () => guarantor },
    Guarantor: { patient: () => patient },
  },
});

/** The operation guard as the Apollo plugin, with `options` (the config's defaults for the rest). */
export function guardPlugin(options: OperationGuardOptions = {}): ApolloServerPlugin<TestContext> {
  return apolloOperationGuard<TestContext>(createOperationGuard(options));
}

export async function startServer(
  plugins: ApolloServerPlugin<TestContext>[],
  options: Partial<Pick<ApolloServerOptions<TestContext>, 'parseOptions'>> = {},
): Promise<ApolloServer<TestContext>> {
  const server = new ApolloServer<TestContext>({
    schema,
    plugins,
    introspection: true,
    ...options,
  } as ApolloServerOptions<TestContext>);
  await server.start();
  return server;
}

export function single(response: GraphQLResponse): {
  data?: Record<string, unknown> | null;
  errors?: readonly GraphQLFormattedError[];
} {
  if (response.body.kind !== 'single') throw new Error('expected a single result');
  return response.body.singleResult as never;
}
