/**
 * The practices the gateway serves, each with its adapter. Built once from the config; the GraphQL
 * layer and the transaction service look practices up here by the config's practice id.
 */
import type { Capabilities, LedgerAdapter, PracticeSystem } from './adapters/ledger/port';
import type { PracticeConfig } from './config';

export interface Practice {
  id: string;
  name: string;
  system: PracticeSystem;
  adapter: LedgerAdapter;
  capabilities: Capabilities;
  /** The system's word in webhook routes: `/webhooks/<routeSystem>/<practiceId>`. */
  routeSystem: PracticeConfig['system'];
}

export type AdapterFactory = (practice: PracticeConfig) => LedgerAdapter;

export class PracticeRegistry {
  private readonly byId = new Map<string, Practice>();

  constructor(configs: readonly PracticeConfig[], createAdapter: AdapterFactory) {
    for (const config of configs) {
      const adapter = createAdapter(config);
      this.byId.set(config.id, {
        id: config.id,
        name: config.name,
        system: adapter.system,
        adapter,
        capabilities: adapter.capabilities,
        routeSystem: config.system,
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
    await Promise.allSettled(this.all().map((p) => p.adapter.close()));
  }
}
