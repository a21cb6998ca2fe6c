/**
 * Debian's chromium driven by playwright-core (no browser download): found as `chromium` on PATH,
 * which .ci/run and scripts/test.sh install with apt when it is missing, so these tests never skip.
 * Headless; `--no-sandbox` only when running as root (chromium refuses to start as root otherwise).
 * Screenshots and timings go under test-output/browser/ (gitignored).
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser } from 'playwright-core';

export const OUTPUT_DIR = join(process.cwd(), 'test-output', 'browser');

function chromiumPath(): string {
  try {
    return execFileSync('sh', ['-c', 'command -v chromium'], { encoding: 'utf8' }).trim();
  } catch {
    throw new Error('expected Debian\'s chromium on PATH (".ci/run chromium" installs it as root: apt-get install chromium)');
  }
}

export async function launchChromium(): Promise<Browser> {
  mkdirSync(OUTPUT_DIR, { recursive: true });
  const asRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  return chromium.launch({
    executablePath: chromiumPath(),
    headless: true,
    args: asRoot ? ['--no-sandbox'] : [],
  });
}
