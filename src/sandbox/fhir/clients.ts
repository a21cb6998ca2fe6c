/**
 * Registered clients: the public keys (by `kid`) a client's RS384 assertions are checked against, and
 * the Oracle system-account secret. The default sandbox generates one key pair at start (no private
 * key lives in the repository) and registers it for each profile's client; others register with
 * `POST /_sandbox/clients {clientId, publicKeyPem, kid}`.
 */
import { randomBytes } from 'node:crypto';
import { exportPKCS8, exportSPKI, generateKeyPair, importSPKI, type CryptoKey } from 'jose';
import type { FhirProfile } from './profiles';

/** The client id each mount registers by default. */
export const FHIR_SANDBOX_CLIENT_IDS: Readonly<Record<FhirProfile, string>> = {
  'oracle-health': 'summit-health-system-account',
  epic: 'lakeview-epic-backend-app',
  generic: 'open-fhir-backend-client',
};

/** The `kid` of the key pair the sandbox generates at start. */
export const FHIR_SANDBOX_KEY_ID = 'ledger-sandbox-rs384-1';

export interface SandboxKeyPair {
  keyId: string;
  /** PKCS#8 PEM: what a connection's `privateKeyPem` holds. */
  privateKeyPem: string;
  /** SPKI PEM: what the sandbox registers. */
  publicKeyPem: string;
}

/** A fresh RS384 key pair (2048-bit RSA) as PEM. */
export async function generateSandboxKeyPair(keyId: string = FHIR_SANDBOX_KEY_ID): Promise<SandboxKeyPair> {
  const { privateKey, publicKey } = await generateKeyPair('RS384', { extractable: true, modulusLength: 2048 });
  return { keyId, privateKeyPem: await exportPKCS8(privateKey), publicKeyPem: await exportSPKI(publicKey) };
}

interface Client {
  clientId: string;
  /** `null`: any mount (registered through the knob without one). */
  profile: FhirProfile | null;
  keys: Map<string, CryptoKey>;
  secret: string | null;
}

export class ClientRegistry {
  private readonly clients = new Map<string, Client>();

  /** Registers (or adds a key to) a client; throws on a PEM that is not an RSA SPKI public key. */
  async register(input: {
    clientId: string;
    publicKeyPem?: string;
    kid?: string;
    profile?: FhirProfile | null;
    secret?: string;
  }): Promise<void> {
    let client = this.clients.get(input.clientId);
    if (!client) {
      client = { clientId: input.clientId, profile: input.profile ?? null, keys: new Map(), secret: null };
      this.clients.set(input.clientId, client);
    }
    if (input.publicKeyPem !== undefined) {
      if (!input.kid) throw new Error('a registered public key needs a kid');
      client.keys.set(input.kid, await importSPKI(input.publicKeyPem, 'RS384'));
    }
    if (input.secret !== undefined) client.secret = input.secret;
  }

  /** The client if it may use `profile`'s mount. */
  find(clientId: string, profile: FhirProfile): Client | null {
    const client = this.clients.get(clientId);
    return client && (client.profile === null || client.profile === profile) ? client : null;
  }
}

/** A random system-account secret for the oracle client (Basic auth). */
export const newClientSecret = (): string => randomBytes(18).toString('base64url');
