/** The state one request sees: its mount's definition, store and pager, and the sandbox's shared parts. */
import type { TokenAuthority } from './auth';
import type { ClientRegistry } from './clients';
import type { FaultInjector } from '../shared/fault-injection';
import type { RecordedRequest } from '../shared/request-log';
import type { Pager, PagingSettings } from './paging';
import type { MountDefinition } from './profiles';
import type { MountStore } from './store';

export interface MountState {
  mount: MountDefinition;
  store: MountStore;
  pager: Pager;
  /** Absolute service root, e.g. `http://127.0.0.1:5123/generic/fhir`. */
  baseUrl: string;
  /** Absolute token URL: what an assertion's `aud` must equal. */
  tokenUrl: string;
}

/** What the next FinancialTransaction POST answers instead of being handled (`ft/fail-next`). */
export interface FtFailure {
  status: number;
  code: string;
  diagnostics: string;
}

/** Knob-controlled behaviour, shared by every mount. */
export interface SandboxSettings extends PagingSettings {
  batchEnabled: boolean;
  ftFailNext: FtFailure | null;
}

/** A logged request, with the mount it went to (`null` for a path no mount serves). */
export interface FhirRecordedRequest extends RecordedRequest {
  profile: MountDefinition['profile'] | null;
}

export interface SandboxParts {
  mounts: MountState[];
  auth: TokenAuthority;
  clients: ClientRegistry;
  faults: FaultInjector;
  settings: SandboxSettings;
  log: FhirRecordedRequest[];
}
