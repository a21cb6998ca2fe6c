/**
 * API keys: `Authorization: Bearer <key>`. Keys are kept only as SHA-256 digests (a configured
 * `sha256:<hex>` is used as it is), and a presented key is compared with every configured digest in
 * constant time, so neither timing nor an early exit tells an attacker how close a guess was.
 *
 *     const keys = new ApiKeyRing(config.apiKeys);
 *     const caller = keys.authenticate(request.headers.authorization); // Caller | null
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { ApiKeyConfig } from '../config';
import type { TrustedDocuments } from './trusted-documents';

/** Who is calling, and what they may touch. */
export interface Caller {
  keyName: string;
  /** The practice ids this key may touch, or `'*'` for all. */
  practices: ReadonlySet<string> | '*';
  introspection: boolean;
  requestsPerMinute: number | null;
  /** The only documents this key may run (`apiKeys[].documents`, ./trusted-documents.ts); absent: any. */
  documents?: TrustedDocuments;
}

interface StoredKey {
  digest: Buffer;
  caller: Caller;
}

function digestOf(key: string): Buffer {
  return createHash('sha256').update(key, 'utf8').digest();
}

export class ApiKeyRing {
  private readonly keys: StoredKey[];

  constructor(keys: readonly ApiKeyConfig[]) {
    this.keys = keys.map((k) => {
      const digest = k.key.startsWith('sha256:') ? Buffer.from(k.key.slice(7), 'hex') : digestOf(k.key);
      // timingSafeEqual needs equal lengths; a malformed digest must fail here, not at request time.
      if (digest.length !== 32) throw new Error(`API key "${k.name}": expected sha256: followed by 64 hex digits`);
      return {
        digest,
        caller: {
          keyName: k.name,
          practices: k.practices.includes('*') ? '*' : new Set(k.practices),
          introspection: k.introspection,
          requestsPerMinute: k.requestsPerMinute ?? null,
          ...(k.documents ? { documents: k.documents } : {}),
        },
      };
    });
  }

  /** The caller for an `Authorization` header value (`Bearer <key>`), or `null`. */
  authenticate(header: string | null | undefined): Caller | null {
    if (typeof header !== 'string') return null;
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
    if (!match) return null;
    const presented = digestOf(match[1]!);
    let found: Caller | null = null;
    // Compare against every key, without an early exit.
    for (const key of this.keys) {
      if (timingSafeEqual(key.digest, presented) && found === null) found = key.caller;
    }
    return found;
  }
}

export function callerMayTouch(caller: Caller, practiceId: string): boolean {
  return caller.practices === '*' || caller.practices.has(practiceId);
}
