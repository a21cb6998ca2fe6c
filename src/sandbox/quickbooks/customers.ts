/**
 * Customer writes: create (a unique `DisplayName`, case-insensitively, among active and inactive
 * customers → else 6240; at most 500 characters, no `:`, tab or newline) and update, full or
 * `sparse: true`, with the current `SyncToken` (stale → 5010).
 */
import { type Body, readText } from './fields';
import type { RealmBooks, StoredEntity } from './store';
import { businessValidation, duplicateName, invalidProperty, objectNotFound, requiredParamMissing, staleObject } from './wire';

const TEXT_FIELDS: ReadonlyArray<[string, number]> = [
  ['Title', 16],
  ['GivenName', 100],
  ['MiddleName', 100],
  ['FamilyName', 100],
  ['Suffix', 16],
  ['CompanyName', 100],
  ['PrintOnCheckName', 110],
  ['Notes', 2000],
];

/** The writable fields of a customer body, checked. */
function customerFields(body: Body): Body {
  const fields: Body = {};
  for (const [name, max] of TEXT_FIELDS) {
    const value = readText(body, name, max);
    if (value !== undefined) fields[name] = value;
  }
  for (const name of ['PrimaryEmailAddr', 'PrimaryPhone', 'Mobile', 'BillAddr'] as const) {
    const value = body[name];
    if (value === undefined || value === null) continue;
    if (typeof value !== 'object' || Array.isArray(value)) throw invalidProperty(name, 'must be an object');
    fields[name] = value;
  }
  if (body.Active !== undefined) {
    if (typeof body.Active !== 'boolean') throw invalidProperty('Active', 'must be true or false');
    fields.Active = body.Active;
  }
  const display = readText(body, 'DisplayName', 500);
  if (display !== undefined) fields.DisplayName = display;
  return fields;
}

function checkName(books: RealmBooks, name: string, selfId: string | null): void {
  if (!name.trim()) throw requiredParamMissing('DisplayName');
  if (/[:\t\n\r]/.test(name)) {
    throw businessValidation(`DisplayName ${JSON.stringify(name)} contains a colon, tab or newline`, 'DisplayName');
  }
  const key = name.trim().toLowerCase();
  const taken = books
    .list('Customer')
    .find((c) => String(c.data.DisplayName).trim().toLowerCase() === key && c.data.Id !== selfId);
  if (taken) throw duplicateName(name, String(taken.data.Id));
}

export function createCustomer(books: RealmBooks, body: Body): StoredEntity {
  const fields = customerFields(body);
  if (fields.DisplayName === undefined) {
    const composed = ['Title', 'GivenName', 'MiddleName', 'FamilyName', 'Suffix']
      .map((k) => fields[k])
      .filter((v): v is string => typeof v === 'string' && v !== '')
      .join(' ');
    if (!composed) throw requiredParamMissing('DisplayName');
    fields.DisplayName = composed;
  }
  checkName(books, String(fields.DisplayName), null);
  return books.create('Customer', {
    ...fields,
    FullyQualifiedName: fields.DisplayName,
    Active: fields.Active ?? true,
    Balance: 0,
  });
}

/** The entity an update names, with its `SyncToken` checked. */
export function forUpdate(books: RealmBooks, type: Parameters<RealmBooks['get']>[0], body: Body): StoredEntity {
  const id = body.Id;
  if (typeof id !== 'string' || !id) throw requiredParamMissing('Id');
  const stored = books.get(type, id);
  if (!stored) throw objectNotFound(`${type} ${id}`, 'Id');
  const token = body.SyncToken;
  if (typeof token !== 'string' || !token) throw requiredParamMissing('SyncToken');
  if (token !== stored.data.SyncToken) throw staleObject(type, id, token, String(stored.data.SyncToken));
  return stored;
}

export function updateCustomer(books: RealmBooks, body: Body): StoredEntity {
  const stored = forUpdate(books, 'Customer', body);
  const changed = customerFields(body);
  const { Id, SyncToken, MetaData, Balance, ...kept } = stored.data;
  const next: Body = body.sparse === true ? { ...kept, ...changed } : { ...changed };
  if (next.DisplayName === undefined) next.DisplayName = stored.data.DisplayName;
  if (next.Active === undefined) next.Active = body.sparse === true ? stored.data.Active : true;
  checkName(books, String(next.DisplayName), String(Id));
  return books.update(stored, { Id, SyncToken, ...next, FullyQualifiedName: next.DisplayName, Balance });
}
