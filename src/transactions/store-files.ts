/**
 * The embedded store's files are private to the gateway's user: the folder 0700, every file 0600,
 * as PostgreSQL itself insists for a data directory. Its pages and write-ahead log hold patients'
 * ids, amounts and the webhook signing secrets.
 *
 * Three parts, because PGlite creates files all its life (new WAL segments, relation files):
 * - `PrivateNodeFS`: PGlite's own NodeFS, except that every mode it gives a file or folder loses its
 *   group and other bits. A process umask is not enough: Emscripten's `open(O_CREAT)` creates the
 *   file and then `chmod`s it to the mode asked for (0666 from PostgreSQL's WASM build), past the
 *   umask — a store opened under umask 077 still had 0666 files;
 * - `securePrivateDir` makes the folder 0700 and fixes what is already there (a store written by an
 *   older version) each time the store opens;
 * - `npm start` sets the process umask to 0o077 (`src/main.ts`) as well, for anything else it writes.
 *
 *     await securePrivateDir(dir);
 *     const db = new PGlite({ fs: new PrivateNodeFS(dir) });
 */
import { chmod, mkdir, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { NodeFS } from '@electric-sql/pglite/nodefs';

type InitArgs = Parameters<NodeFS['init']>;
type PostgresModule = Parameters<NonNullable<InitArgs[1]['preRun']>[number]>[0];

/** The umask `npm start` runs under: nothing it creates is readable by group or others. */
export const PRIVATE_UMASK = 0o077;
const DIR_MODE = 0o700;
const FILE_MODE = 0o600;

/** Create `dir` (and missing parents) 0700, then make every folder under it 0700 and every file 0600. */
export async function securePrivateDir(dir: string): Promise<void> {
  await mkdir(dir, { recursive: true, mode: DIR_MODE });
  await chmod(dir, DIR_MODE);
  await secureTree(dir);
}

async function secureTree(dir: string): Promise<void> {
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      await chmod(path, DIR_MODE);
      await secureTree(path);
    } else if (entry.isFile()) {
      await chmod(path, FILE_MODE);
    }
    // Symlinks and others: PGlite makes none; chmod would follow a link out of the folder.
  }
}

/** Emscripten's NODEFS operations that take a mode (the parts of PGlite's module this file patches). */
interface NodeFsOps {
  node_ops: {
    mknod(parent: unknown, name: string, mode: number, dev: number): unknown;
    setattr(node: unknown, attr: { mode?: number }): void;
  };
  stream_ops: { setattr(stream: unknown, attr: { mode?: number }): void };
}

/** A mode without group and other permission bits (the file-type bits kept). */
const privateMode = (mode: number): number => mode & ~0o077;

/**
 * PGlite's NodeFS with every created or changed mode made private. Emscripten builds one `NODEFS`
 * object per PGlite module and every node it mounts points at its `node_ops` / `stream_ops`, so
 * wrapping those three functions before the mount covers every file PGlite ever makes. Should a
 * PGlite upgrade rename them, this throws at open rather than silently writing 0666 files.
 */
export class PrivateNodeFS extends NodeFS {
  override async init(pg: InitArgs[0], opts: InitArgs[1]) {
    const secure = (mod: PostgresModule) => {
      const nodefs = (mod as unknown as { NODEFS?: NodeFsOps }).NODEFS;
      if (
        typeof nodefs?.node_ops?.mknod !== 'function' ||
        typeof nodefs.node_ops.setattr !== 'function' ||
        typeof nodefs.stream_ops?.setattr !== 'function'
      ) {
        throw new Error("expected PGlite's Emscripten NODEFS with node_ops.mknod/setattr and stream_ops.setattr");
      }
      const { mknod, setattr } = nodefs.node_ops;
      const streamSetattr = nodefs.stream_ops.setattr;
      nodefs.node_ops.mknod = (parent, name, mode, dev) => mknod(parent, name, privateMode(mode), dev);
      nodefs.node_ops.setattr = (node, attr) =>
        setattr(node, attr.mode === undefined ? attr : { ...attr, mode: privateMode(attr.mode) });
      nodefs.stream_ops.setattr = (stream, attr) =>
        streamSetattr(stream, attr.mode === undefined ? attr : { ...attr, mode: privateMode(attr.mode) });
    };
    // First in preRun: before NodeFS's own step mounts the folder.
    return super.init(pg, { ...opts, preRun: [secure, ...(opts.preRun ?? [])] });
  }
}
