/**
 * The empty PostgreSQL cluster every new embedded store starts from, made once outside the
 * gateway's process and kept in a private cache folder.
 *
 * Why: a new PGlite (a `memory://` store, or a `pglite://` folder opened for the first time) runs
 * PostgreSQL's initdb in a second, temporary PGlite; its WASM heap and the copy initdb takes of it
 * (≈ 450 MB) stay reachable until a PostgreSQL timer in it fires and a full GC runs, and the process
 * never gives all of it back. A short-lived child process runs that initdb instead and hands back
 * the new cluster as a gzipped tarball (≈ 4.5 MB); the store then loads it (PGlite's `loadDataDir`,
 * the path its own `clone()` takes). The tarball is cached, keyed by the PGlite version and the
 * store's settings, so later processes (a restart, each test worker) skip the child too.
 *
 * The cache is an optimisation, never a requirement: a cache folder that cannot be made or is not
 * ours, a file that cannot be written — the child's tarball is still used (and kept in this process);
 * a child that fails — `pgliteTemplate` resolves `undefined` and the caller runs initdb itself, as
 * before. Two processes making the same template at once each write a temporary file and rename it
 * into place: the rename is atomic, the last one wins, and both files are the same empty cluster.
 * An empty cluster holds no secret; the folder is still 0700 and the file 0600 (the files the
 * gateway writes are its user's alone, `store-files.ts`).
 *
 *     const template = await pgliteTemplate();               // Blob | undefined
 *     new PGlite({ ...pgliteOptions(), ...(template ? { loadDataDir: template } : {}) });
 */
import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { chmod, lstat, mkdir, open, rename, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { readFileSync } from 'node:fs';
import { PGlite } from '@electric-sql/pglite';
import { PGLITE_SETTINGS } from './pglite-client';

export interface PgliteTemplateOptions {
  /**
   * The cache folder, made 0700 (default: `ledger-gateway` in `$XDG_CACHE_HOME`, else in
   * `~/.cache`). `null`: no cache (the template is made by a child process every time it is asked).
   */
  dir?: string | null;
  /** PostgreSQL settings the stores run with; part of the cache key (default `PGLITE_SETTINGS`). */
  settings?: Readonly<Record<string, string>>;
  /**
   * Makes the gzipped tarball of a new cluster (default: {@link makeTemplateInChild}). Tests pass
   * their own to count calls or to fail.
   */
  make?: (startParams: readonly string[]) => Promise<Buffer>;
  /** How long the child may take before it is killed and the template given up (default 120,000 ms). */
  timeoutMs?: number;
}

const DIR_MODE = 0o700;
const FILE_MODE = 0o600;
const GZIP_MAGIC = [0x1f, 0x8b];

const requireHere = createRequire(import.meta.url);

/** PGlite's CommonJS entry (the child `require`s it: no loader, TypeScript or bundle involved). */
function pgliteEntry(): string {
  return requireHere.resolve('@electric-sql/pglite');
}

/** The installed PGlite's version (its package.json is not in its exports: read beside its dist/). */
function pgliteVersion(): string {
  const manifest = join(dirname(dirname(pgliteEntry())), 'package.json');
  return (JSON.parse(readFileSync(manifest, 'utf8')) as { version?: string }).version ?? 'unknown';
}

/** The start parameters a store runs PGlite with (as `pgliteOptions` builds them). */
export function templateStartParams(settings: Readonly<Record<string, string>>): string[] {
  const params = [...PGlite.defaultStartParams];
  for (const [name, value] of Object.entries(settings)) params.push('-c', `${name}=${value}`);
  return params;
}

/** The cache file's name: the PGlite version and a hash of everything else that shapes the cluster. */
export function templateFileName(settings: Readonly<Record<string, string>>): string {
  const key = createHash('sha256')
    .update(JSON.stringify({ version: pgliteVersion(), startParams: templateStartParams(settings) }))
    .digest('hex')
    .slice(0, 16);
  return `pglite-${pgliteVersion()}-${key}.tar.gz`;
}

/** `$XDG_CACHE_HOME/ledger-gateway`, else `~/.cache/ledger-gateway`. */
export function defaultTemplateDir(env: NodeJS.ProcessEnv = process.env): string {
  const base = env.XDG_CACHE_HOME?.startsWith('/') ? env.XDG_CACHE_HOME : join(homedir(), '.cache');
  return join(base, 'ledger-gateway');
}

/**
 * The child: PGlite's initdb, a checkpoint (so the tarball holds a clean shutdown state), the
 * gzipped data directory written to fd 3 (a pipe only the parent reads: nothing PostgreSQL or
 * Emscripten prints can mix into it).
 */
const CHILD_SCRIPT = `
const { PGlite } = require(process.argv[1]);
const { createWriteStream } = require('node:fs');
(async () => {
  const db = new PGlite({ startParams: JSON.parse(process.argv[2]) });
  await db.waitReady;
  await db.exec('CHECKPOINT');
  const bytes = Buffer.from(await (await db.dumpDataDir('gzip')).arrayBuffer());
  await db.close();
  const out = createWriteStream(null, { fd: 3 });
  out.end(bytes, () => process.exit(0));
})().catch((error) => {
  process.stderr.write(String((error && error.stack) || error) + '\\n');
  process.exit(1);
});
`;

/** Run initdb in a short-lived `node` child and collect its tarball (rejects on a non-zero exit or timeout). */
export function makeTemplateInChild(startParams: readonly string[], timeoutMs = 120_000): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['-e', CHILD_SCRIPT, pgliteEntry(), JSON.stringify(startParams)], {
      // No NODE_OPTIONS from the parent (a loader such as tsx, an inspector): a plain node.
      env: { ...process.env, NODE_OPTIONS: '' },
      stdio: ['ignore', 'ignore', 'pipe', 'pipe'],
    });
    const chunks: Buffer[] = [];
    let stderr = '';
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    timer.unref();
    (child.stdio[3] as NodeJS.ReadableStream).on('data', (chunk: Buffer) => chunks.push(chunk));
    child.stderr?.on('data', (chunk: Buffer) => {
      if (stderr.length < 4000) stderr += chunk.toString('utf8');
    });
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const bytes = Buffer.concat(chunks);
      if (code === 0 && isGzip(bytes)) resolve(bytes);
      else
        reject(
          new Error(
            `the PGlite template child exited with ${signal ?? code} and ${bytes.length} bytes (expected 0 and a gzip tarball)${stderr ? `: ${stderr.trim()}` : ''}`,
          ),
        );
    });
  });
}

const isGzip = (bytes: Buffer) => bytes.length > 2 && bytes[0] === GZIP_MAGIC[0] && bytes[1] === GZIP_MAGIC[1];

/**
 * Make `dir` (0700) and check it is a real folder of this user's, mode 0700: another user's folder,
 * or a symlink planted where the cache goes, is not used.
 */
async function privateDir(dir: string): Promise<void> {
  await mkdir(dir, { recursive: true, mode: DIR_MODE });
  const stat = await lstat(dir);
  if (!stat.isDirectory()) throw new Error(`${dir} is not a folder`);
  if (process.getuid && stat.uid !== process.getuid()) throw new Error(`${dir} belongs to uid ${stat.uid}, not this user`);
  if ((stat.mode & 0o777) !== DIR_MODE) await chmod(dir, DIR_MODE);
}

/** The cached tarball, if there is one this user alone could have written (a regular file, 0600, ours). */
async function readCached(file: string): Promise<Buffer | undefined> {
  const handle = await open(file, 'r').catch(() => undefined);
  if (!handle) return undefined;
  try {
    const stat = await handle.stat();
    const ours = !process.getuid || stat.uid === process.getuid();
    if (!stat.isFile() || !ours || (stat.mode & 0o077) !== 0) return undefined;
    const bytes = await handle.readFile();
    return isGzip(bytes) ? bytes : undefined;
  } finally {
    await handle.close();
  }
}

/** Write to a temporary name (0600, created exclusively) and rename into place: readers see all or nothing. */
async function writeAtomically(file: string, bytes: Buffer): Promise<void> {
  const temporary = `${file}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
  try {
    const handle = await open(temporary, 'wx', FILE_MODE);
    try {
      await handle.writeFile(bytes);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temporary, file);
  } catch (error) {
    await rm(temporary, { force: true });
    throw error;
  }
}

/** Templates made in this process: the pending or finished work per cache file (or per settings without a cache). */
const made = new Map<string, Promise<Buffer | undefined>>();

/**
 * The gzipped tarball of an empty cluster for stores run with `settings`, as a Blob PGlite's
 * `loadDataDir` takes; `undefined` when it cannot be had (the caller then runs initdb itself).
 * Never rejects.
 */
export async function pgliteTemplate(options: PgliteTemplateOptions = {}): Promise<Blob | undefined> {
  const bytes = await templateBytes(options);
  return bytes ? new Blob([new Uint8Array(bytes)], { type: 'application/x-gzip' }) : undefined;
}

async function templateBytes(options: PgliteTemplateOptions): Promise<Buffer | undefined> {
  const settings = options.settings ?? PGLITE_SETTINGS;
  let name: string;
  try {
    name = templateFileName(settings);
  } catch {
    return undefined; // PGlite's package cannot be located: no child can run it either
  }
  const dir = options.dir === undefined ? defaultTemplateDir() : options.dir;
  const file = dir === null ? null : join(dir, name);
  if (file) {
    const cached = await readCached(file).catch(() => undefined);
    if (cached) return cached;
  }
  const key = file ?? `(no cache) ${name}`;
  const pending = made.get(key);
  if (pending) return pending;
  const work = (async () => {
    const make = options.make ?? ((params: readonly string[]) => makeTemplateInChild(params, options.timeoutMs));
    const bytes = await make(templateStartParams(settings));
    if (!isGzip(bytes)) throw new Error('the template is not a gzip tarball');
    if (file) {
      try {
        await privateDir(dirname(file));
        await writeAtomically(file, bytes);
        made.delete(key); // on disk now: later stores read it rather than keep it in this process
      } catch {
        // Not cached: this process keeps the bytes for its later stores.
      }
    }
    return bytes;
  })().catch(() => undefined);
  // A failed child stays failed for this process (`undefined` kept): its stores run initdb themselves.
  made.set(key, work);
  return work;
}

/** Forget a cached template that PGlite could not load (the next store makes a new one). */
export async function discardTemplate(options: Pick<PgliteTemplateOptions, 'dir' | 'settings'> = {}): Promise<void> {
  const settings = options.settings ?? PGLITE_SETTINGS;
  const dir = options.dir === undefined ? defaultTemplateDir() : options.dir;
  const name = templateFileName(settings);
  made.delete(dir === null ? `(no cache) ${name}` : join(dir, name));
  if (dir !== null) await rm(join(dir, name), { force: true });
}
