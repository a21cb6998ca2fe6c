/**
 * Change data capture: `GET /cdc?entities=Payment,SalesReceipt&changedSince=<ISO 8601>` lists each
 * named entity type's changes at or after `changedSince` (at most 30 days back on the sandbox
 * clock), creates, updates and voids as the full entity, deletes as `{Id, status: "Deleted"}`:
 *
 *     {"CDCResponse":[{"QueryResponse":[{"SalesReceipt":[…],"startPosition":1,"maxResults":2},{}]}],"time":…}
 */
import { entityType, type RealmBooks } from './store';
import { invalidProperty, requiredParamMissing } from './wire';

export const CDC_MAX_DAYS = 30;

export function changeDataCapture(books: RealmBooks, params: URLSearchParams, now: number): unknown[] {
  const entities = params.get('entities');
  if (!entities) throw requiredParamMissing('entities');
  const changedSince = params.get('changedSince');
  if (!changedSince) throw requiredParamMissing('changedSince');
  const since = Date.parse(changedSince);
  if (!/^\d{4}-\d{2}-\d{2}/.test(changedSince) || Number.isNaN(since)) {
    throw invalidProperty('changedSince', `must be an ISO 8601 time, got ${JSON.stringify(changedSince)}`);
  }
  if (since < now - CDC_MAX_DAYS * 86_400_000) {
    throw invalidProperty('changedSince', `must be at most ${CDC_MAX_DAYS} days back, got ${changedSince}`);
  }
  const responses = entities.split(',').map((word) => {
    const type = entityType(word.trim());
    if (!type) throw invalidProperty('entities', `names an unknown entity ${JSON.stringify(word.trim())}`);
    const changed = books.changedSince(type, since).map((e) =>
      e.deleted
        ? {
            domain: 'QBO',
            status: 'Deleted',
            Id: e.data.Id,
            MetaData: { LastUpdatedTime: (e.data.MetaData as Record<string, unknown>).LastUpdatedTime },
          }
        : e.data,
    );
    return changed.length === 0 ? {} : { [type]: changed, startPosition: 1, maxResults: changed.length };
  });
  return [{ QueryResponse: responses }];
}
