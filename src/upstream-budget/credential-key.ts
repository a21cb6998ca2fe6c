/**
 * The name of one vendor credential in memory keys, store rows, logs and metrics: system, base URL
 * and a SHA-256 digest of the secret, never the secret itself. Two practices configured with the same
 * key against the same vendor get the same name, and so one budget.
 *
 *     credentialKey('nexhealth', 'https://nexhealth.info', apiKey) // 'nexhealth|https://nexhealth.info|3f9a…'
 */
import { createHash } from 'node:crypto';

export function credentialKey(system: string, baseUrl: string, secret: string): string {
  const digest = createHash('sha256').update(`${system}\u0000${secret}`).digest('hex').slice(0, 32);
  return `${system}|${baseUrl.replace(/\/+$/, '')}|${digest}`;
}
