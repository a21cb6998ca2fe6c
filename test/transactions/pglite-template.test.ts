/**
 * The embedded store's template cluster (src/transactions/pglite-template.ts): made once, cached in
 * a private folder (0700, file 0600), safe when two processes make it at once, and never required
 * (an unwritable cache or a failed child leaves the store to run initdb itself).
 */
import { chmod, mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

type TemplateModule = typeof import('../../src/transactions/pglite-template');

/** A fresh copy of the module: its in-process memory of templates is a second process's. */
async function freshModule(): Promise<TemplateModule> {
  vi.resetModules();
  return import('../../src/transactions/pglite-template');
}

/** A stand-in tarball (gzip magic and all) so these tests need no child process. */
const fakeTarball = (label: string) => Buffer.from([0x1f, 0x8b, 0x08, 0x00, ...Buffer.from(label)]);

let root: string;
beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'pglite-template-'));
});
afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

const mode = async (path: string) => (await stat(path)).mode & 0o777;
const bytesOf = async (blob: Blob | undefined) => (blob ? Buffer.from(await blob.arrayBuffer()) : undefined);

describe('pgliteTemplate cache', () => {
  it('makes the template once per process, in a 0700 folder as a 0600 file, and reads it back in a later process', async () => {
    const first = await freshModule();
    const dir = join(root, 'cache', 'ledger-gateway');
    const make = vi.fn(async () => fakeTarball('one'));
    const [a, b] = await Promise.all([first.pgliteTemplate({ dir, make }), first.pgliteTemplate({ dir, make })]);
    expect(make).toHaveBeenCalledTimes(1);
    expect(await bytesOf(a)).toEqual(fakeTarball('one'));
    expect(await bytesOf(b)).toEqual(fakeTarball('one'));
    expect(a?.type).toBe('application/x-gzip');
    const file = join(dir, first.templateFileName((await import('../../src/transactions/pglite-client')).PGLITE_SETTINGS));
    expect(await mode(dir)).toBe(0o700);
    expect(await mode(file)).toBe(0o600);
    expect(await readdir(dir)).toEqual([file.slice(dir.length + 1)]);

    const later = await freshModule();
    const makeAgain = vi.fn(async () => fakeTarball('two'));
    expect(await bytesOf(await later.pgliteTemplate({ dir, make: makeAgain }))).toEqual(fakeTarball('one'));
    expect(makeAgain).not.toHaveBeenCalled();
  });

  it('keys the file by the settings: other settings, another template', async () => {
    const { templateFileName } = await freshModule();
    expect(templateFileName({ shared_buffers: '16MB' })).not.toBe(templateFileName({ shared_buffers: '32MB' }));
    expect(templateFileName({ shared_buffers: '16MB' })).toMatch(/^pglite-\d+\.\d+\.\d+-[0-9a-f]{16}\.tar\.gz$/);
  });

  it('two processes making it at once: each writes a temporary file and renames it, the cache holds one whole file', async () => {
    const dir = join(root, 'cache');
    const [p1, p2] = [await freshModule(), await freshModule()];
    let release!: () => void;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const make1 = vi.fn(async () => {
      await gate;
      return fakeTarball('from process 1');
    });
    const make2 = vi.fn(async () => {
      await gate;
      return fakeTarball('from process 2');
    });
    const both = Promise.all([p1.pgliteTemplate({ dir, make: make1 }), p2.pgliteTemplate({ dir, make: make2 })]);
    release();
    const [a, b] = await both;
    expect(make1).toHaveBeenCalledTimes(1);
    expect(make2).toHaveBeenCalledTimes(1);
    expect(await bytesOf(a)).toEqual(fakeTarball('from process 1'));
    expect(await bytesOf(b)).toEqual(fakeTarball('from process 2'));
    const files = await readdir(dir);
    expect(files).toHaveLength(1); // no temporary file left behind
    expect(files[0]).toMatch(/\.tar\.gz$/);
    const kept = await readFile(join(dir, files[0]!));
    expect([fakeTarball('from process 1'), fakeTarball('from process 2')]).toContainEqual(kept);
    expect(await mode(join(dir, files[0]!))).toBe(0o600);
  });

  it('tightens a cache folder made 0755 to 0700', async () => {
    const dir = join(root, 'loose');
    await mkdir(dir, { mode: 0o755 });
    await chmod(dir, 0o755);
    const { pgliteTemplate } = await freshModule();
    await pgliteTemplate({ dir, make: async () => fakeTarball('x') });
    expect(await mode(dir)).toBe(0o700);
  });

  it('ignores a cached file others could have written (0644) or that is no gzip, and replaces it', async () => {
    const dir = join(root, 'cache');
    const { pgliteTemplate, templateFileName } = await freshModule();
    const { PGLITE_SETTINGS } = await import('../../src/transactions/pglite-client');
    const file = join(dir, templateFileName(PGLITE_SETTINGS));
    await mkdir(dir, { mode: 0o700 });
    await writeFile(file, fakeTarball('planted'));
    await chmod(file, 0o644);
    const make = vi.fn(async () => fakeTarball('made'));
    expect(await bytesOf(await pgliteTemplate({ dir, make }))).toEqual(fakeTarball('made'));
    expect(await readFile(file)).toEqual(fakeTarball('made'));
    expect(await mode(file)).toBe(0o600);

    const other = await freshModule();
    await writeFile(file, 'not a tarball');
    const makeAgain = vi.fn(async () => fakeTarball('made again'));
    expect(await bytesOf(await other.pgliteTemplate({ dir, make: makeAgain }))).toEqual(fakeTarball('made again'));
    expect(makeAgain).toHaveBeenCalledTimes(1);
  });

  it('falls back when the cache cannot be written: the template is still given, kept in the process, nothing on disk', async () => {
    const blocker = join(root, 'a-file');
    await writeFile(blocker, 'in the way');
    const dir = join(blocker, 'cache'); // a folder under a file: mkdir fails
    const { pgliteTemplate } = await freshModule();
    const make = vi.fn(async () => fakeTarball('kept'));
    expect(await bytesOf(await pgliteTemplate({ dir, make }))).toEqual(fakeTarball('kept'));
    expect(await bytesOf(await pgliteTemplate({ dir, make }))).toEqual(fakeTarball('kept'));
    expect(make).toHaveBeenCalledTimes(1);
    expect(await readdir(root)).toEqual(['a-file']);
  });

  it('resolves undefined when the template cannot be made (the store then runs initdb), and does not retry in the process', async () => {
    const dir = join(root, 'cache');
    const { pgliteTemplate } = await freshModule();
    const make = vi.fn(async (): Promise<Buffer> => {
      throw new Error('spawn refused');
    });
    expect(await pgliteTemplate({ dir, make })).toBeUndefined();
    expect(await pgliteTemplate({ dir, make })).toBeUndefined();
    expect(make).toHaveBeenCalledTimes(1);
    const notGzip = vi.fn(async () => Buffer.from('plain text'));
    expect(await pgliteTemplate({ dir: join(root, 'other'), make: notGzip })).toBeUndefined();
    expect(await readdir(root)).not.toContain('other');
  });

  it('the default cache folder is under XDG_CACHE_HOME when it is absolute, else ~/.cache', async () => {
    const { defaultTemplateDir } = await freshModule();
    expect(defaultTemplateDir({ XDG_CACHE_HOME: '/var/cache/me' })).toBe('/var/cache/me/ledger-gateway');
    expect(defaultTemplateDir({ XDG_CACHE_HOME: 'relative' })).toMatch(/\/\.cache\/ledger-gateway$/);
  });
});

describe('pgliteTemplate with its child process', () => {
  it('a child runs initdb: memory:// and a new pglite:// folder open from the cached cluster and keep data', async () => {
    const cacheHome = join(root, 'xdg');
    const previous = process.env.XDG_CACHE_HOME;
    process.env.XDG_CACHE_HOME = cacheHome;
    try {
      vi.resetModules();
      const { openStore } = await import('../../src/transactions/open-store');
      const memory = await openStore('memory://');
      const cached = await readdir(join(cacheHome, 'ledger-gateway'));
      expect(cached).toHaveLength(1);
      const tarball = await readFile(join(cacheHome, 'ledger-gateway', cached[0]!));
      expect(gunzipSync(tarball).includes(Buffer.from('PG_VERSION'))).toBe(true);
      await memory.sql.query('CREATE TABLE probe (n int)');
      await memory.sql.query('INSERT INTO probe VALUES (1), (2)');
      expect((await memory.sql.query<{ n: number }>('SELECT sum(n)::int AS n FROM probe')).rows).toEqual([{ n: 3 }]);
      await memory.close();

      const url = `pglite://${join(root, 'store')}`;
      const disk = await openStore(url);
      await disk.sql.query('CREATE TABLE probe (n int)');
      await disk.sql.query('INSERT INTO probe VALUES (7)');
      await disk.close();
      expect(await mode(join(root, 'store', 'PG_VERSION'))).toBe(0o600);
      const again = await openStore(url);
      expect((await again.sql.query<{ n: number }>('SELECT n FROM probe')).rows).toEqual([{ n: 7 }]);
      await again.close();
      expect(await readdir(join(cacheHome, 'ledger-gateway'))).toEqual(cached); // reused, not made again
    } finally {
      if (previous === undefined) delete process.env.XDG_CACHE_HOME;
      else process.env.XDG_CACHE_HOME = previous;
    }
  }, 240_000);
});
