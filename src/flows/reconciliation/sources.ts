/**
 * Where a practice's reconciliation reads from: the store, the practice's processor adapter, its
 * books' adapter and the booking store. Built per request from the gateway's services.
 */
import type { GatewayServices } from '../../graphql/context';
import type { Practice } from '../../practices';
import { bookingsFor } from '../booking/booking-store';
import type { ReconciliationSources } from './gather';

export function reconciliationSources(services: GatewayServices, practice: Practice): ReconciliationSources {
  return {
    sql: services.transactions.context.store.sql,
    processor: practice.processor?.adapter ?? null,
    // The books the booking flow writes to (the practice's accounting adapter, with its budget and breaker).
    books:
      services.booking?.context.books(practice.id)?.adapter ?? services.accounting?.accountingAdapterFor(practice.id) ?? null,
    bookings: (ids) => bookingsFor(services.transactions.context.store.sql, practice.id, ids),
  };
}
