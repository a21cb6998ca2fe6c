import { createRequire } from 'node:module';
import { defineConfig } from 'vitest/config';

const require = createRequire(import.meta.url);

export default defineConfig({
  resolve: {
    // Apollo Server and graphql-tools load graphql's CommonJS build; without this alias vitest would
    // hand our own code the ESM build, and two graphql realms break `instanceof GraphQLError` (error
    // codes would surface as INTERNAL_SERVER_ERROR). Node and tsx load only the CommonJS one.
    alias: [{ find: /^graphql$/, replacement: require.resolve('graphql') }],
  },
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
  },
});
