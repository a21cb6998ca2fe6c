/**
 * Durable ledger transactions: store, idempotency, submitter/poller, status bus.
 *
 *     import { openStore, createTransactionService, createInProcessStatusBus } from '../transactions';
 *     const store = await openStore(config.store.url);
 *     const bus = createInProcessStatusBus();
 *     const service = createTransactionService({ store, bus, adapters, transactionIdPrefix: 'LG' });
 *     await service.start();
 */
export * from './errors';
export * from './types';
export type { SqlClient, SqlExecutor, SqlResult } from './sql-client';
export { migrate, MIGRATIONS, type Migration } from './migrations';
export { openStore, redactStoreUrl, type OpenStoreOptions } from './open-store';
export {
  SqlTransactionStore,
  type InsertionApplyResult,
  type NewTransaction,
  type StoredCollection,
  type StoredLedgerWrite,
  type StoredRequest,
  type StoredTransaction,
  type TransactionStore,
  type TransitionFields,
} from './store';
export {
  createInProcessStatusBus,
  matchesFilter,
  type InProcessStatusBusOptions,
  type StatusBus,
  type StatusEvent,
  type StatusFilter,
  type StatusSubscription,
} from './status-bus';
export {
  createTransactionService,
  toTransactionRow,
  type CollectInput,
  type CreateLedgerTransactionInput,
  type InsertionEventResult,
  type TransactionLogger,
  type TransactionService,
  type TransactionServiceDeps,
  type TransactionServiceHooks,
} from './service';
