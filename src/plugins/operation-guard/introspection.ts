/**
 * Introspection per API key (the top-level README's config reference): allowed for every valid key unless that key sets
 * `"introspection": false`; never without a key. Apollo's own `introspection` switch is server-wide,
 * and graphql-ws has none, so the operation guard refuses per operation instead.
 */
import { Kind, visit, type DocumentNode } from 'graphql';

/**
 * Fields that count as introspection (`__typename` is always allowed): the meta fields, and the
 * federation subgraph's `_service { sdl }`, which discloses the whole schema just the same.
 */
export const INTROSPECTION_FIELDS: readonly string[] = ['__schema', '__type', '_service'];

/** Whether `document` selects any of `fields` anywhere (any operation, any fragment). */
export function usesIntrospection(document: DocumentNode, fields: readonly string[] = INTROSPECTION_FIELDS): boolean {
  let found = false;
  visit(document, {
    [Kind.FIELD]: (node) => {
      if (fields.includes(node.name.value)) found = true;
    },
  });
  return found;
}
