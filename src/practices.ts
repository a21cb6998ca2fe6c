/**
 * The practices the gateway serves, each with its adapter. Built once from the config; the GraphQL
 * layer and the transaction service look practices up here by the config's practice id.
 */
import type { Capabilities, LedgerAdapter, PracticeSystem, UnsupportedReasons } from './adapters/ledger/port';
import type { ProcessorAdapter, ProcessorName } from './adapters/processor/port';
import type { PracticeConfig } from './config';

/** A practice's payment processor (config `processor`), built with the same decorators as its ledger adapter. */
export interface PracticeProcessor {
  /** The GraphQL enum `Processor` value (`STRIPE`). */
  name: ProcessorName;
  /** The config's word (`stripe`), as in `/webhooks/<routeSystem>/<practiceId>`. */
  routeSystem: string;
  adapter: ProcessorAdapter;
  /** The ledger payment type collections post as, unless a checkout names another. */
  paymentTypeId: string;
}

export interface Practice {
  id: string;
  name: string;
  system: PracticeSystem;
  adapter: LedgerAdapter;
  capabilities: Capabilities;
  /** The system's word in webhook routes: `/webhooks/<routeSystem>/<practiceId>`. */
  routeSystem: PracticeConfig['system'];
  /** Why some capabilities are false (the adapter's `unsupported`), for `NOT_SUPPORTED` messages. */
  unsupported: UnsupportedReasons;
  /** The practice's payment processor; `null` when its config has none. */
  processor: PracticeProcessor | null;
}

export type AdapterFactory = (practice: PracticeConfig) => LedgerAdapter;
/** Builds a practice's processor adapter from its config's `processor` (only called when it has one). */
export type ProcessorAdapterFactory = (practice: PracticeConfig) => ProcessorAdapter;

export class PracticeRegistry {
  private readonly byId = new Map<string, Practice>();

  constructor(configs: readonly PracticeConfig[], createAdapter: AdapterFactory, createProcessor?: ProcessorAdapterFactory) {
    for (const config of configs) {
      const adapter = createAdapter(config);
      const processor =
        config.processor && createProcessor
          ? {
              adapter: createProcessor(config),
              routeSystem: config.processor.system,
              paymentTypeId: config.processor.paymentTypeId,
            }
          : null;
      this.byId.set(config.id, {
        id: config.id,
        name: config.name,
        system: adapter.system,
        adapter,
        capabilities: adapter.capabilities,
        routeSystem: config.system,
        unsupported: adapter.unsupported ?? {},
        processor: processor ? { ...processor, name: processor.adapter.system } : null,
      });
    }
  }

  get(id: string): Practice | undefined {
    return this.byId.get(id);
  }

  all(): Practice[] {
    return [...this.byId.values()];
  }

  async close(): Promise<void> {
    await Promise.allSettled(
      this.all().flatMap((p) => [p.adapter.close(), ...(p.processor ? [p.processor.adapter.close()] : [])]),
    );
  }
}
