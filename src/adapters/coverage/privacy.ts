/**
 * What a coverage adapter may write into an error or a log: never a member id whole (its last 4
 * characters at most), never a name or a birth date, even where the clearinghouse echoes them in
 * its own texts (a 400's `errorMessage`, a payer's rejection description).
 *
 *     const mask = echoMasker({ memberIds: ['AVL000001'], other: ['DOE', '1985-04-12'] });
 *     mask('Member AVL000001 (DOE) not found')   // 'Member ***0001 (***) not found'
 */
import { maskMemberId } from '../../ledger/coverage';

export interface EchoSecrets {
  /** Member ids: replaced by their masked form. */
  memberIds: ReadonlyArray<string | null | undefined>;
  /** Names, birth dates (in every form sent): replaced by `***`. */
  other: ReadonlyArray<string | null | undefined>;
}

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** A function that masks every occurrence of the given values (case-insensitively) in a text. */
export function echoMasker(secrets: EchoSecrets): (text: string) => string {
  const replacements: Array<[RegExp, string]> = [];
  // Longest first, so a value that contains another is masked whole.
  const values = [
    ...secrets.memberIds.flatMap((id) => (id ? [[id, maskMemberId(id)] as const] : [])),
    ...secrets.other.flatMap((value) => (value && value.length >= 2 ? [[value, '***'] as const] : [])),
  ].sort((a, b) => b[0].length - a[0].length);
  for (const [value, masked] of values) replacements.push([new RegExp(escapeRegExp(value), 'gi'), masked]);
  return (text) => replacements.reduce((out, [pattern, masked]) => out.replace(pattern, masked), text);
}
