#!/usr/bin/env node
/**
 * Builds what `npm start` runs: src/main.ts and our modules in one ESM file, `dist/main.mjs`,
 * which plain `node` runs. Under tsx the gateway's process also held tsx's loader (a second V8
 * isolate for Node's off-thread module hooks) and every module's transform: measured, about
 * 80 MB RSS more with the same modules loaded (README, "Memory"; test/bench/gateway-memory.ts).
 *
 * - Packages stay external (`node_modules` as installed: PGlite finds its .wasm beside its own
 *   files, graphql is the one CommonJS build Apollo loads too).
 * - Each of our files keeps its own `import.meta.url` (the plugin writes it in): code that finds
 *   files beside it (schema/*.graphql, the pay page's client, `createRequire`) reads the same paths
 *   as under tsx, wherever the bundle lives.
 * - A linked source map is written beside it, for `node --enable-source-maps` when a stack trace
 *   should name the .ts lines (not loaded by default: maps cost memory).
 *
 *   node scripts/bundle-start.mjs     (prestart, after codegen; about a second)
 */
import { readFile } from 'node:fs/promises';
import { dirname, join, sep } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build } from 'esbuild';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const src = join(root, 'src') + sep;

/** Replace `import.meta.url` in each of our files with that file's own URL. */
const ownImportMetaUrl = {
  name: 'own-import-meta-url',
  setup(b) {
    b.onLoad({ filter: /\.[cm]?ts$/ }, async (args) => {
      if (!args.path.startsWith(src)) return undefined;
      const text = await readFile(args.path, 'utf8');
      return {
        contents: text.replaceAll('import.meta.url', JSON.stringify(pathToFileURL(args.path).href)),
        loader: 'ts',
      };
    });
  },
};

await build({
  entryPoints: [join(root, 'src', 'main.ts')],
  outfile: join(root, 'dist', 'main.mjs'),
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  packages: 'external',
  sourcemap: 'linked',
  logLevel: 'warning',
  plugins: [ownImportMetaUrl],
});
