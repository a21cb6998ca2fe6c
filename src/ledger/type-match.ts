/**
 * Finding a payment or adjustment type in the system's list (README.md here, "Write rules"): an
 * adjustment's type name must match an existing type exactly, case and spaces included; only active
 * types match.
 *
 *     matchTypeByName(types, 'Courtesy Credit')  // the active type named exactly so, or null
 */

/** What a type needs to be matched: the system's adjustment and payment type records fit. */
export interface MatchableType {
  name: string;
  active: boolean;
  sourceId: string;
}

/**
 * The first active type whose name equals `name` exactly (case, accents and whitespace included:
 * no trimming or folding), or `null`.
 */
export function matchTypeByName<T extends MatchableType>(types: readonly T[], name: string): T | null {
  return types.find((type) => type.active && type.name === name) ?? null;
}

/**
 * The type whose `sourceId` equals `sourceId` exactly, or `null`. Only active types by default
 * (a write may not use a retired type); `includeInactive` finds any, for naming existing rows.
 */
export function matchTypeById<T extends Pick<MatchableType, 'active' | 'sourceId'>>(
  types: readonly T[],
  sourceId: string,
  options: { includeInactive?: boolean } = {},
): T | null {
  const includeInactive = options.includeInactive ?? false;
  return types.find((type) => (includeInactive || type.active) && type.sourceId === sourceId) ?? null;
}
