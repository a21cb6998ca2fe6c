/**
 * The executable schema: the SDL in `schema/` (the single source of truth, also codegen's input)
 * joined with the resolvers. Shared by the HTTP endpoint and the websocket subscriptions.
 *
 * It is also an Apollo Federation 2 subgraph (schema/federation.graphql): `buildSubgraphSchema` adds
 * `_service { sdl }`, `_entities(representations:)`, `_Entity`, `_Any` and the link directives, and
 * takes the entity reference resolvers (it keeps them where its `_entities` looks for them); every
 * other resolver is added by graphql-tools as before, which also wires the custom scalars and
 * subscriptions.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { buildSubgraphSchema } from '@apollo/subgraph';
import { addResolversToSchema } from '@graphql-tools/schema';
import { parse, type GraphQLSchema } from 'graphql';
import { resolvers } from './resolvers';
import { federationResolvers } from './resolvers/federation';

const SCHEMA_DIR = fileURLToPath(new URL('../../schema/', import.meta.url));

export function loadTypeDefs(dir = SCHEMA_DIR): string[] {
  return readdirSync(dir)
    .filter((name) => name.endsWith('.graphql'))
    .sort()
    .map((name) => readFileSync(`${dir}/${name}`, 'utf8'));
}

export function createSchema(): GraphQLSchema {
  const subgraph = buildSubgraphSchema({ typeDefs: parse(loadTypeDefs().join('\n')), resolvers: federationResolvers as never });
  return addResolversToSchema({ schema: subgraph, resolvers: resolvers as never, updateResolversInPlace: true });
}
