/**
 * Each realm's books as data: entities by type and Id (numeric strings, unique per type), their
 * `SyncToken` and `MetaData`, the `requestid` answers kept for replay, the company's status knobs,
 * and a change feed (what change data capture lists and webhooks announce). The rules of each write
 * live in `books.ts`; this file only keeps state.
 */
import { qboTime } from './wire';
import { type SeededRealm, seedEntities } from './realms';

/** The entity types the sandbox serves, as QBO spells them (queries and paths are case-insensitive). */
export const ENTITY_TYPES = [
  'Customer',
  'SalesReceipt',
  'RefundReceipt',
  'Invoice',
  'Payment',
  'Item',
  'Account',
  'PaymentMethod',
] as const;
export type EntityType = (typeof ENTITY_TYPES)[number];

/** Name lists: a query returns only their active rows unless it filters on `Active`. */
export const NAME_LISTS: ReadonlySet<EntityType> = new Set(['Customer', 'Item', 'Account', 'PaymentMethod']);

/** `salesreceipt`, `SALESRECEIPT` → `SalesReceipt`; `null` for an entity the sandbox does not serve. */
export function entityType(word: string): EntityType | null {
  const lower = word.toLowerCase();
  return ENTITY_TYPES.find((e) => e.toLowerCase() === lower) ?? null;
}

/** A webhook/CDC operation, in the legacy payload's words. */
export type Operation = 'Create' | 'Update' | 'Delete' | 'Merge' | 'Void';

export interface StoredEntity {
  type: EntityType;
  /** The entity as QBO answers it (PascalCase, `Id`, `SyncToken`, `MetaData`, money in dollars). */
  data: Record<string, unknown>;
  /** Deleted entities stay for change data capture (`status: "Deleted"`) and answer 610 elsewhere. */
  deleted: boolean;
  /** Sandbox ms of the last change, for change data capture. */
  changedAt: number;
}

export interface Change {
  realmId: string;
  type: EntityType;
  id: string;
  operation: Operation;
  at: number;
  /** A merge's losing Id. */
  deletedId?: string;
}

export interface KeptAnswer {
  status: number;
  body: unknown;
}

const FIRST_IDS: ReadonlyArray<[EntityType, number]> = [
  ['SalesReceipt', 145],
  ['RefundReceipt', 210],
  ['Invoice', 130],
  ['Payment', 170],
];

export class RealmBooks {
  readonly realmId: string;
  readonly companyName: string;
  /** `false`: the subscription ended; writes answer 6190. */
  active = true;
  /** `false`: the connecting user lost access; every call answers 120. */
  authorized = true;
  /** Writes dated on or before it answer 6210. */
  closingDate: string | null = null;
  private readonly entities = new Map<EntityType, Map<string, StoredEntity>>();
  private readonly nextIds = new Map<EntityType, number>();
  private nextDocNumber = 1001;
  /** 2xx answers by `requestid` (unique per company), replayed whatever the body of the repeat. */
  readonly kept = new Map<string, KeptAnswer>();

  constructor(
    seed: SeededRealm,
    private readonly now: () => number,
    private readonly onChange: (change: Change) => void,
  ) {
    this.realmId = seed.realmId;
    this.companyName = seed.companyName;
    for (const type of ENTITY_TYPES) this.entities.set(type, new Map());
    // Transactions start at different Ids per type, as in a company with some history, so a client
    // that mixes up entity types reads the wrong one (610) instead of passing by luck.
    for (const [type, first] of FIRST_IDS) this.nextIds.set(type, first);
    for (const { entity, fields } of seedEntities()) this.put(entity as EntityType, fields, true);
  }

  /** Every live entity of a type, in Id order. */
  list(type: EntityType): StoredEntity[] {
    return [...(this.entities.get(type)?.values() ?? [])]
      .filter((e) => !e.deleted)
      .sort((a, b) => Number(a.data.Id) - Number(b.data.Id));
  }

  /** Every entity of a type changed at or after `since` (deleted ones included). */
  changedSince(type: EntityType, since: number): StoredEntity[] {
    return [...(this.entities.get(type)?.values() ?? [])]
      .filter((e) => e.changedAt >= since)
      .sort((a, b) => a.changedAt - b.changedAt || Number(a.data.Id) - Number(b.data.Id));
  }

  /** A live entity, or `undefined` (unknown or deleted). */
  get(type: EntityType, id: string): StoredEntity | undefined {
    const found = this.entities.get(type)?.get(id);
    return found && !found.deleted ? found : undefined;
  }

  /** Store a new entity with the next Id of its type, `SyncToken` "0", and announce `Create`. */
  create(type: EntityType, fields: Record<string, unknown>): StoredEntity {
    return this.put(type, fields, false);
  }

  /** The next `DocNumber` of a sales form, unless one is given. */
  docNumber(): string {
    return String(this.nextDocNumber++);
  }

  /** Replace an entity's fields, bump its `SyncToken` and `LastUpdatedTime`, announce `operation`. */
  update(stored: StoredEntity, fields: Record<string, unknown>, operation: Operation = 'Update'): StoredEntity {
    const at = this.now();
    const meta = stored.data.MetaData as Record<string, unknown>;
    stored.data = {
      ...fields,
      Id: stored.data.Id,
      SyncToken: String(Number(stored.data.SyncToken) + 1),
      domain: 'QBO',
      sparse: false,
      MetaData: { ...meta, LastUpdatedTime: qboTime(at) },
    };
    stored.changedAt = at;
    this.onChange({ realmId: this.realmId, type: stored.type, id: String(stored.data.Id), operation, at });
    return stored;
  }

  /** Mark deleted (kept for change data capture) and announce `Delete`. */
  remove(stored: StoredEntity): void {
    const at = this.now();
    stored.deleted = true;
    stored.changedAt = at;
    const meta = stored.data.MetaData as Record<string, unknown>;
    stored.data = { ...stored.data, MetaData: { ...meta, LastUpdatedTime: qboTime(at) } };
    this.onChange({ realmId: this.realmId, type: stored.type, id: String(stored.data.Id), operation: 'Delete', at });
  }

  /** Mark deleted without an event of its own (a merge's loser: the `Merge` event says it). */
  removeQuietly(stored: StoredEntity): void {
    stored.deleted = true;
    stored.changedAt = this.now();
  }

  /** Announce a merge (the loser is already removed quietly). */
  announceMerge(type: EntityType, survivorId: string, deletedId: string): void {
    this.onChange({ realmId: this.realmId, type, id: survivorId, operation: 'Merge', at: this.now(), deletedId });
  }

  private put(type: EntityType, fields: Record<string, unknown>, seeded: boolean): StoredEntity {
    const at = this.now();
    const table = this.entities.get(type)!;
    let id = typeof fields.Id === 'string' ? fields.Id : '';
    if (id) this.nextIds.set(type, Math.max(this.nextIds.get(type) ?? 1, Number(id) + 1));
    else {
      const next = this.nextIds.get(type) ?? 1;
      id = String(next);
      this.nextIds.set(type, next + 1);
    }
    const data = {
      Id: id,
      SyncToken: '0',
      ...fields,
      domain: 'QBO',
      sparse: false,
      MetaData: { CreateTime: qboTime(at), LastUpdatedTime: qboTime(at) },
    };
    const stored: StoredEntity = { type, data, deleted: false, changedAt: seeded ? Number.NEGATIVE_INFINITY : at };
    table.set(id, stored);
    if (!seeded) this.onChange({ realmId: this.realmId, type, id, operation: 'Create', at });
    return stored;
  }
}
