/** What a route handler receives. */
import type { ParsedQuery } from '../shared/request-log';
import type { NexStore } from './store';

export interface RequestContext {
  method: string;
  path: string;
  /** Captured path parameters (e.g. the `{id}` of `/patients/{id}`). */
  params: string[];
  query: ParsedQuery;
  /** The parsed JSON body (`undefined` when there is none). */
  body: unknown;
  store: NexStore;
  /** The validated `location_id` of the call, when it has one. */
  locationId: number | null;
}
