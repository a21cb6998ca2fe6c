/**
 * One process per embedded store: a lock file next to PGlite's data, taken before PGlite opens the
 * directory. PGlite has no lock of its own (it is PostgreSQL in single-user mode inside WASM), so two
 * gateways on one `pglite://` path would each cache and write the same files and lose each other's
 * data. The second one refuses to start instead, with one line naming the first.
 *
 *     const lock = await acquireStoreLock('/srv/ledger/.data/ledger', { port: 4000 });
 *     try { … open PGlite … } finally { await lock.release(); }
 *
 * How it holds, without a daemon and without blocking after a crash:
 * - **Exclusive create.** The holder's record (pid, start time, port) is written to a private temp
 *   file, then `link()`ed to the lock's name: link fails with EEXIST if the name exists, so exactly
 *   one starter wins, and the lock file is never seen half-written.
 * - **A dead holder does not block.** A `kill -9` leaves the file behind. Its pid is checked: not
 *   alive → the lock is stale and taken over. **Pid reuse**: on Linux the record also holds the
 *   process's start time (`/proc/<pid>/stat`, field 22), so a live process that merely reuses the pid
 *   is recognised as someone else and the lock is still taken over.
 * - **Racing take-overs.** The stale file is renamed aside (only one rename of that name wins) and
 *   read back: if what was moved is not the stale record just judged (another starter took over in
 *   between and this rename moved its fresh lock), it is linked back and the whole check restarts.
 * - Released on `close()` and, failing that, on the process's normal exit.
 */
import { readFileSync, unlinkSync } from 'node:fs';
import { link, readFile, rename, unlink, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';

/** What the lock file says about its holder. */
export interface StoreLockHolder {
  pid: number;
  /** ISO 8601: when the holder took the lock. */
  startedAt: string;
  /** The holder's configured port, when it has one (not 0). */
  port?: number;
  hostname: string;
  /** Linux: the process's start time in clock ticks since boot (pid-reuse check); absent elsewhere. */
  processStart?: string;
  /** Random, unique per acquisition: tells two records with the same pid apart. */
  token: string;
}

export interface StoreLockOptions {
  /** The gateway's port, named in the refusal a second process prints. Default: not named. */
  port?: number;
  /** Attempts at a contested take-over before giving up. Default 5. */
  maxTries?: number;
}

export interface StoreLock {
  readonly path: string;
  release(): Promise<void>;
}

/** A second process on the store: its message is the one line `npm start` prints. */
export class StoreLockedError extends Error {
  constructor(
    readonly dir: string,
    readonly holder: StoreLockHolder,
  ) {
    const started = `started ${holder.startedAt}`;
    const port = holder.port ? `, port ${holder.port}` : '';
    super(
      `the embedded store ${dir} is in use by another ledger-gateway (pid ${holder.pid}, ${started}${port}): ` +
        'stop that process, or give this one another store.url',
    );
    this.name = 'StoreLockedError';
  }
}

/** The lock file of the store in `dir`: beside it, so PGlite's data directory holds only its own files. */
export function storeLockPath(dir: string): string {
  return `${dir}.lock`;
}

/** Take the lock of the store in `dir` (an absolute path), or reject with `StoreLockedError`. */
export async function acquireStoreLock(dir: string, options: StoreLockOptions = {}): Promise<StoreLock> {
  const path = storeLockPath(dir);
  const me: StoreLockHolder = {
    pid: process.pid,
    startedAt: new Date().toISOString(),
    ...(options.port ? { port: options.port } : {}),
    hostname: hostname(),
    ...processStartField(process.pid),
    token: randomBytes(12).toString('hex'),
  };
  const temp = `${path}.${process.pid}.${me.token}.tmp`;
  await writeFile(temp, `${JSON.stringify(me)}\n`, { mode: 0o600, flag: 'wx' });
  try {
    const maxTries = options.maxTries ?? 5;
    for (let tries = 0; tries < maxTries; tries++) {
      if (await tryLink(temp, path)) return held(path, me);
      const current = await readHolder(path);
      if (current === 'gone') continue; // released meanwhile: try again
      if (current !== 'unreadable' && isAlive(current)) throw new StoreLockedError(dir, current);
      await removeStale(path, current);
    }
    throw new Error(`could not take the lock ${path}: other processes kept taking it over (${maxTries} tries)`);
  } finally {
    await unlink(temp).catch(() => undefined);
  }
}

async function tryLink(from: string, to: string): Promise<boolean> {
  try {
    await link(from, to);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  }
}

async function readHolder(path: string): Promise<StoreLockHolder | 'gone' | 'unreadable'> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return 'gone';
    throw error;
  }
  return parseHolder(text) ?? 'unreadable';
}

function parseHolder(text: string): StoreLockHolder | null {
  try {
    const value = JSON.parse(text) as Partial<StoreLockHolder>;
    if (!Number.isSafeInteger(value.pid) || typeof value.token !== 'string') return null;
    return value as StoreLockHolder;
  } catch {
    return null;
  }
}

/**
 * Whether the recorded holder still runs. Another host's record (a store on a shared disk) cannot be
 * checked from here, so it counts as alive: refusing is safe, taking over is not.
 */
function isAlive(holder: StoreLockHolder): boolean {
  if (holder.hostname !== hostname()) return true;
  try {
    process.kill(holder.pid, 0);
  } catch (error) {
    // EPERM: the pid exists but belongs to another user — alive.
    if ((error as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  if (holder.processStart === undefined) return true;
  // Same pid, another start time: the pid was reused by an unrelated process after the holder died.
  return processStartField(holder.pid).processStart === holder.processStart;
}

/** Move the stale lock aside; put it back if what moved was a fresh lock another starter just took. */
async function removeStale(path: string, stale: StoreLockHolder | 'unreadable'): Promise<void> {
  const aside = `${path}.stale.${process.pid}.${randomBytes(6).toString('hex')}`;
  try {
    await rename(path, aside);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return; // someone else removed it
    throw error;
  }
  const moved = parseHolder(await readFile(aside, 'utf8').catch(() => ''));
  const wasStale = stale === 'unreadable' ? moved === null : moved?.token === stale.token;
  if (!wasStale) await tryLink(aside, path); // a live lock: restore it (EEXIST: a third took the name)
  await unlink(aside).catch(() => undefined);
}

function held(path: string, me: StoreLockHolder): StoreLock {
  let released = false;
  /** Remove the file only while it is still ours (never another process's fresh lock). */
  const releaseSync = () => {
    if (released) return;
    released = true;
    process.off('exit', releaseSync);
    try {
      if (parseHolder(readFileSync(path, 'utf8'))?.token === me.token) unlinkSync(path);
    } catch {
      // Already gone: nothing to release.
    }
  };
  process.on('exit', releaseSync);
  return {
    path,
    async release() {
      releaseSync();
    },
  };
}

/** `{ processStart }` from `/proc/<pid>/stat` on Linux; `{}` where there is no procfs. */
function processStartField(pid: number): { processStart?: string } {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return {};
  }
  // Field 2 (comm) is in parentheses and may contain spaces: count fields after its last ')'.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const start = fields[19]; // field 22 overall = 20th after comm's closing parenthesis (fields 3…)
  return start ? { processStart: start } : {};
}
