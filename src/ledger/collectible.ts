/**
 * Which claim balances may be collected (charged to a card), for systems that keep balances per
 * claim with a clean flag and, in an enterprise practice, per provider group.
 *
 *     const enterprise = isEnterprise(departments);
 *     claimCollectible(claim, { enterprise, currentDepartmentId: patient.departmentId })
 *     collectibleBalance(claims)   // Σ patient balance over collectible claims
 *
 * Rules: only a clean balance (not tied to a payment plan or contract) is collectible; in an
 * enterprise practice (more than one provider group) only the group whose departments include the
 * patient's current department. A non-enterprise practice has a blank group listing every department.
 */
import type { Cents } from './records';
import { sumCents } from './money';

/** A provider group id as a comparable string; `null` when blank. */
function groupKey(id: string | null): string | null {
  if (id === null || id === undefined) return null;
  const key = String(id).trim();
  return key === '' ? null : key;
}

/**
 * An enterprise practice has more than one distinct non-blank provider group id among its
 * departments (ids compared as trimmed strings; `null`, `''` and blanks do not count).
 */
export function isEnterprise(departments: ReadonlyArray<{ providerGroupId: string | null }>): boolean {
  const groups = new Set<string>();
  for (const department of departments) {
    const key = groupKey(department.providerGroupId);
    if (key !== null) groups.add(key);
  }
  return groups.size > 1;
}

/** The claim fields collectibility depends on. */
export interface CollectibleClaim {
  /** Not tied to a payment plan or contract. */
  clean: boolean;
  /** The claim's provider group; informative, the department list decides. */
  providerGroupId: string | null;
  /** The departments of the claim's provider group. */
  departmentIds: readonly string[];
}

/** Where the collection happens. */
export interface CollectibleContext {
  enterprise: boolean;
  /** The patient's current department (or the one the collection names); `null` when unknown. */
  currentDepartmentId: string | null;
}

/**
 * `clean AND (not enterprise OR departmentIds contains the current department)`. In an enterprise
 * practice an unknown current department makes nothing collectible. Ids are compared as strings.
 */
export function claimCollectible(claim: CollectibleClaim, ctx: CollectibleContext): boolean {
  if (!claim.clean) return false;
  if (!ctx.enterprise) return true;
  if (ctx.currentDepartmentId === null) return false;
  const current = String(ctx.currentDepartmentId);
  return claim.departmentIds.some((id) => String(id) === current);
}

/** Σ patient balance over the collectible claims; a `null` balance counts as 0. */
export function collectibleBalance(claims: ReadonlyArray<{ collectible: boolean; patientBalance: Cents | null }>): Cents {
  return sumCents(claims.filter((claim) => claim.collectible).map((claim) => claim.patientBalance ?? 0));
}
