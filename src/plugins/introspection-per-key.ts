/**
 * Introspection per API key (DESIGN.md §4): allowed for every valid key unless that key sets
 * `"introspection": false`; never without a key (the HTTP layer refuses key-less requests first).
 * Apollo's own `introspection` switch is server-wide, so this plugin refuses per operation instead.
 *
 *     new ApolloServer({ introspection: true, plugins: [introspectionPerKey()] })
 */
import type { ApolloServerPlugin } from '@apollo/server';
import { Kind, visit, type DocumentNode } from 'graphql';
import type { GatewayContext } from '../graphql/context';
import { gatewayError } from '../graphql/errors';

export interface IntrospectionPerKeyOptions {
  /** Meta fields that count as introspection. Default `__schema` and `__type` (`__typename` is always allowed). */
  fields?: readonly string[];
}

export function usesIntrospection(document: DocumentNode, fields: readonly string[]): boolean {
  let found = false;
  visit(document, {
    [Kind.FIELD]: (node) => {
      if (fields.includes(node.name.value)) found = true;
    },
  });
  return found;
}

export function introspectionPerKey(options: IntrospectionPerKeyOptions = {}): ApolloServerPlugin<GatewayContext> {
  const fields = options.fields ?? ['__schema', '__type'];
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ contextValue, document }) {
          if (!contextValue.caller.introspection && usesIntrospection(document, fields)) {
            throw gatewayError('FORBIDDEN', 'introspection is disabled for this API key');
          }
        },
      };
    },
  };
}
