/**
 * Opaque, globally unique ids for `Node.id`. An id carries the object's type, its practice and the
 * upstream ids needed to load it again (a charge's patient, say), so `node(id:)` reads it back through
 * the same loaders as any other field. Clients must treat it as opaque.
 *
 *     const id = encodeGlobalId('Charge', 'smile-dental', ['42', '9001']);
 *     decodeGlobalId(id); // { type: 'Charge', practiceId: 'smile-dental', keys: ['42', '9001'] }
 */
export type NodeType =
  | 'Practice'
  | 'Patient'
  | 'Guarantor'
  | 'Charge'
  | 'Payment'
  | 'Adjustment'
  | 'Claim'
  | 'Provider'
  | 'LedgerTransaction'
  | 'BillingCycle';

const NODE_TYPES: ReadonlySet<string> = new Set<NodeType>([
  'Practice',
  'Patient',
  'Guarantor',
  'Charge',
  'Payment',
  'Adjustment',
  'Claim',
  'Provider',
  'LedgerTransaction',
  'BillingCycle',
]);

export interface GlobalId {
  type: NodeType;
  practiceId: string;
  keys: string[];
}

export function encodeGlobalId(type: NodeType, practiceId: string, keys: readonly string[]): string {
  return Buffer.from(JSON.stringify([type, practiceId, ...keys]), 'utf8').toString('base64url');
}

/** The decoded id, or `null` when the text is not an id this gateway issued. */
export function decodeGlobalId(id: string): GlobalId | null {
  try {
    const parsed: unknown = JSON.parse(Buffer.from(id, 'base64url').toString('utf8'));
    if (!Array.isArray(parsed) || parsed.length < 2 || !parsed.every((p) => typeof p === 'string')) return null;
    const [type, practiceId, ...keys] = parsed as string[];
    if (!NODE_TYPES.has(type!)) return null;
    return { type: type as NodeType, practiceId: practiceId!, keys };
  } catch {
    return null;
  }
}
