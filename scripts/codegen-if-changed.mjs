#!/usr/bin/env node
/**
 * Runs graphql-codegen (codegen.ts: schema/*.graphql -> src/graphql/generated/) only when its output
 * could differ from what is on disk: the output is missing, or the hash of its inputs differs from the
 * one recorded beside it. The inputs are the SDL files, codegen.ts and the installed versions of
 * graphql and of the @graphql-codegen packages. Silent when nothing changed; one line when it
 * regenerates; codegen's own output only when it fails (then the exit code is codegen's).
 *
 *   node scripts/codegen-if-changed.mjs            (prestart, pretest, prebuild, prebench)
 *   node scripts/codegen-if-changed.mjs --force    (npm run codegen)
 */
import { createHash } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const schemaDir = join(root, 'schema');
const codegenConfig = join(root, 'codegen.ts');
const outputDir = join(root, 'src/graphql/generated');
// The pay page's typed client (codegen.ts's second target): its documents are inputs too.
const clientDocsDir = join(root, 'src/web/client');
const outputs = [
  join(outputDir, 'resolvers-types.ts'),
  join(root, 'src/web/generated/graphql.ts'),
  join(root, 'src/web/generated/persisted-documents.json'),
];
const hashFile = join(outputDir, '.inputs.sha256');
// Bump when the meaning of the hash changes, so old records never match.
const HASH_FORMAT = 'codegen-inputs/2';

function installedVersion(name) {
  try {
    return JSON.parse(readFileSync(join(root, 'node_modules', name, 'package.json'), 'utf8')).version;
  } catch {
    return 'missing';
  }
}

function inputsHash() {
  const hash = createHash('sha256').update(`${HASH_FORMAT}\0`);
  const files = readdirSync(schemaDir)
    .filter((name) => name.endsWith('.graphql'))
    .sort()
    .map((name) => join(schemaDir, name));
  const clientDocs = existsSync(clientDocsDir)
    ? readdirSync(clientDocsDir)
        .filter((name) => name.endsWith('.ts'))
        .sort()
        .map((name) => join(clientDocsDir, name))
    : [];
  for (const file of [...files, ...clientDocs, codegenConfig]) {
    hash
      .update(`${relative(root, file)}\0`)
      .update(readFileSync(file))
      .update('\0');
  }
  let codegenPackages = [];
  try {
    codegenPackages = readdirSync(join(root, 'node_modules/@graphql-codegen')).sort();
  } catch {
    // not installed: codegen below fails with its own message
  }
  for (const name of ['graphql', ...codegenPackages.map((p) => `@graphql-codegen/${p}`)]) {
    hash.update(`${name}@${installedVersion(name)}\0`);
  }
  return hash.digest('hex');
}

function codegenBin() {
  const pkg = JSON.parse(readFileSync(join(root, 'node_modules/@graphql-codegen/cli/package.json'), 'utf8'));
  const bin = typeof pkg.bin === 'string' ? pkg.bin : pkg.bin['graphql-codegen'];
  return join(root, 'node_modules/@graphql-codegen/cli', bin);
}

const force = process.argv.includes('--force');
const wanted = inputsHash();
const recorded = existsSync(hashFile) ? readFileSync(hashFile, 'utf8').trim() : null;
const missing = outputs.some((file) => !existsSync(file));
if (!force && !missing && recorded === wanted) process.exit(0);
const reason = force
  ? 'forced'
  : missing
    ? 'output missing'
    : recorded === null
      ? 'no record of its inputs'
      : 'schema/, src/web/client/, codegen.ts or codegen packages changed';

// Forget the old record first: if codegen fails half-way, the next run must not skip.
rmSync(hashFile, { force: true });
const result = spawnSync(process.execPath, [codegenBin(), '--config', codegenConfig], {
  cwd: root,
  encoding: 'utf8',
  // Its output is captured, so tell it whether the terminal it ends up on (if any) takes colours.
  env: { ...process.env, ...(process.stderr.isTTY ? { FORCE_COLOR: '1' } : { NO_COLOR: '1' }) },
});
if (result.status !== 0) {
  process.stderr.write(result.stdout ?? '');
  process.stderr.write(result.stderr ?? '');
  if (result.error) process.stderr.write(`${result.error.message}\n`);
  process.stderr.write(`codegen: graphql-codegen failed (exit ${result.status ?? result.signal})\n`);
  process.exit(result.status || 1);
}
writeFileSync(hashFile, `${wanted}\n`);
process.stdout.write(`codegen: regenerated ${outputs.map((f) => relative(root, f)).join(', ')} (${reason})\n`);
