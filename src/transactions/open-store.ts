/**
 * Open the transaction store named by the config's `store.url` and bring its schema up to date.
 *
 * - `memory://`               PGlite in memory (tests, throw-away sandboxes; gone on close)
 * - `pglite://PATH`           PGlite in the directory PATH (created if missing; relative to the cwd).
 *                             One process at a time per directory: a lock file `PATH.lock` names the
 *                             holder, a second process is refused (`store-lock.ts`); the folder is
 *                             made 0700 and its files 0600 (`store-files.ts`).
 * - `postgres://…`, `postgresql://…`  a PostgreSQL server through a `pg` pool (several gateway
 *                             instances may share it: ids come from one SEQUENCE, migrations take an
 *                             advisory lock, submit claims are conditional UPDATEs, jobs are leased).
 *
 *     const store = await openStore('pglite://./.data/ledger');
 *     try { … } finally { await store.close(); }
 */
import { mkdir, readdir, rm } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { Unpack } from 'tar';
import { migrateJobs } from '../jobs/migrations';
import { migrate } from './migrations';
import { createPgClient } from './pg-client';
import { createPgliteClient, PGLITE_SETTINGS, pgliteOptions } from './pglite-client';
import { discardTemplate, pgliteTemplate } from './pglite-template';
import type { SqlClient } from './sql-client';
import { SqlTransactionStore, type TransactionStore } from './store';
import { PrivateNodeFS, securePrivateDir } from './store-files';
import { acquireStoreLock } from './store-lock';
import { applyWasmTier } from './wasm-tier';

export interface OpenStoreOptions {
  /** Pool size for `postgres://` (default 10). */
  poolSize?: number;
  /** Told about background connection errors of the `pg` pool. */
  onConnectionError?: (error: Error) => void;
  /** `pglite://`: the gateway's port, named to a second process the store lock refuses (default: not named). */
  port?: number;
  /** `memory://`, `pglite://`: let V8 tier PGlite's WebAssembly up to TurboFan (default `false`; src/transactions/wasm-tier.ts). */
  wasmTierUp?: boolean;
}

/** The URL with any password replaced, fit for logs and error messages. */
export function redactStoreUrl(url: string): string {
  return url.replace(/^([a-z][a-z0-9+.-]*:\/\/[^:/@]*):[^@/]*@/i, '$1:***@');
}

/** Open the store at `url` and migrate both its schemas (transactions, jobs). Rejects with a message naming the URL (password hidden). */
export async function openStore(url: string, options: OpenStoreOptions = {}): Promise<TransactionStore> {
  const client = await openClient(url, options);
  try {
    // One handle for both schemas: the job queue is built over `store.sql` (PGlite allows one
    // instance per directory, and the outbox writes a row and its job in one SQL transaction).
    await migrate(client);
    await migrateJobs(client);
  } catch (error) {
    await client.close().catch(() => undefined);
    const message = error instanceof Error ? error.message : String(error);
    throw new Error(`cannot prepare the transaction store at ${redactStoreUrl(url)}: ${message}`, { cause: error });
  }
  return new SqlTransactionStore(client);
}

/**
 * A new `memory://` store starts from the empty cluster `pgliteTemplate` made in a child process (and cached):
 * the gateway's process never runs PostgreSQL's initdb, whose second, temporary PGlite (≈ 450 MB)
 * would stay in it until a PostgreSQL timer fires and a full GC runs (pglite-template.ts).
 * Resolves `undefined` when PGlite could not load it (the template is discarded; the caller runs
 * initdb itself).
 */
async function openFromTemplate(): Promise<SqlClient | undefined> {
  const template = await pgliteTemplate();
  if (!template) return undefined;
  try {
    return await createPgliteClient(new PGlite({ ...pgliteOptions(PGLITE_SETTINGS), loadDataDir: template }));
  } catch {
    await discardTemplate().catch(() => undefined);
    return undefined;
  }
}

/**
 * Without a template (no child process could make one): the new cluster the first `memory://`
 * store of this process started from (checkpointed, before any migration), gzipped; later
 * `memory://` stores load it rather than run initdb again.
 */
let memoryTemplate: Promise<Blob | undefined> | undefined;

async function openMemory(): Promise<SqlClient> {
  const fromTemplate = await openFromTemplate();
  if (fromTemplate) return fromTemplate;
  const template = await memoryTemplate;
  if (template) return createPgliteClient(new PGlite({ ...pgliteOptions(), loadDataDir: template }));
  const db = new PGlite(pgliteOptions());
  const client = await createPgliteClient(db);
  memoryTemplate ??= (async () => {
    await db.exec('CHECKPOINT');
    return db.dumpDataDir('gzip');
  })().catch(() => undefined); // no template: the next store runs initdb, as this one did
  await memoryTemplate;
  return client;
}

/**
 * A `pglite://` folder: an empty one (new) is filled with the template's files, then opened as an
 * existing cluster; one that holds a cluster resumes it. Unpacking the tarball into the folder
 * ourselves, rather than handing it to PGlite's `loadDataDir`, matters for memory: PGlite unpacks it
 * through its WASM heap, which grows for it and never shrinks (≈ 130 MB more RSS for the life of
 * the process than the same cluster opened from disk; README "Memory"). Should any of it fail, the
 * files it left are removed (the folder was empty) and PGlite runs initdb.
 */
async function openDirectory(dir: string): Promise<SqlClient> {
  const open = () => createPgliteClient(new PGlite(pgliteOptions(PGLITE_SETTINGS, new PrivateNodeFS(dir))));
  if ((await readdir(dir)).length > 0) return open();
  const template = await pgliteTemplate();
  if (template) {
    try {
      await unpackTemplate(template, dir);
      return await open();
    } catch {
      await discardTemplate().catch(() => undefined);
      for (const entry of await readdir(dir)) await rm(join(dir, entry), { recursive: true, force: true });
    }
  }
  return open();
}

/**
 * The template's files into `dir`, then every folder 0700 and every file 0600. Its entries are
 * rooted at `/`, the cluster's own folder: tar strips the leading slash (an informational warning)
 * and refuses any path that would leave `dir`; any other warning fails the unpack. Resolves once
 * every file is written, so a fallback never races a late write.
 */
async function unpackTemplate(template: Blob, dir: string): Promise<void> {
  const problems: string[] = [];
  const unpack = new Unpack({
    cwd: dir,
    onwarn: (code: string, message: string | Error) => {
      if (code !== 'TAR_ENTRY_INFO') problems.push(`${code}: ${message instanceof Error ? message.message : message}`);
    },
  });
  const written = new Promise<void>((done, fail) => {
    unpack.on('close', done);
    unpack.on('error', fail);
  });
  unpack.end(Buffer.from(await template.arrayBuffer()));
  await written;
  if (problems.length > 0) throw new Error(`the store template did not unpack: ${problems.slice(0, 3).join('; ')}`);
  await securePrivateDir(dir);
}

async function openClient(url: string, options: OpenStoreOptions): Promise<SqlClient> {
  const embedded = url === 'memory://' || url === 'memory:' || url.startsWith('pglite://');
  if (embedded) applyWasmTier({ tierUp: options.wasmTierUp ?? false });
  if (url === 'memory://' || url === 'memory:') return openMemory();
  if (url.startsWith('pglite://')) {
    const path = url.slice('pglite://'.length);
    if (path.length === 0) throw new Error('store.url "pglite://" needs a directory, e.g. pglite://./.data/ledger');
    const dir = resolve(path);
    // The lock (beside the folder, in its parent) before anything touches the folder: a refused
    // second process changes nothing in it.
    await mkdir(dirname(dir), { recursive: true, mode: 0o700 });
    const lock = await acquireStoreLock(dir, options.port ? { port: options.port } : {});
    try {
      await securePrivateDir(dir);
      const client = await openDirectory(dir);
      return {
        ...client,
        async close() {
          try {
            await client.close();
          } finally {
            await lock.release();
          }
        },
      };
    } catch (error) {
      await lock.release();
      const message = error instanceof Error ? error.message : String(error);
      throw new Error(`cannot open the embedded store in ${dir}: ${message}`, { cause: error });
    }
  }
  if (/^postgres(ql)?:\/\//i.test(url)) {
    return createPgClient(url, {
      ...(options.poolSize !== undefined ? { max: options.poolSize } : {}),
      ...(options.onConnectionError ? { onIdleError: options.onConnectionError } : {}),
    });
  }
  throw new Error(
    `store.url ${JSON.stringify(redactStoreUrl(url))} is not supported: use memory://, pglite://PATH or postgres://…`,
  );
}
