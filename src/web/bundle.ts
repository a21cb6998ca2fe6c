/**
 * The pay page's script, bundled from ./client/pay-page.ts with esbuild when the gateway starts
 * (kept in memory; nothing is written to disk, nothing is fetched from a CDN). One ES module, minified,
 * for browsers of the last few years; its URL carries the content hash so it can be cached for good.
 */
import { createHash } from 'node:crypto';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

export interface PayPageBundle {
  /** `pay-page.<hash>.js` */
  name: string;
  code: Buffer;
}

const entry = join(dirname(fileURLToPath(import.meta.url)), 'client', 'pay-page.ts');

let bundling: Promise<PayPageBundle> | null = null;

/** The bundle, built once per process (the first call starts it). */
export function payPageBundle(): Promise<PayPageBundle> {
  bundling ??= build({
    entryPoints: [entry],
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: ['es2020'],
    minify: true,
    write: false,
    legalComments: 'none',
    logLevel: 'silent',
  }).then((result) => {
    const code = Buffer.from(result.outputFiles[0]!.contents);
    const hash = createHash('sha256').update(code).digest('hex').slice(0, 16);
    return { name: `pay-page.${hash}.js`, code };
  });
  // A failed build is retried on the next request rather than remembered.
  bundling.catch(() => {
    bundling = null;
  });
  return bundling;
}
