/**
 * The Twilio simulator: `startTwilioSandbox({ port: 0 })` serves the spec's Messages endpoints and
 * the `/_sandbox/…` controls on one port, with two seeded accounts, and posts signed status
 * callbacks and inbound messages to the gateway. In process, tests also get the knobs directly
 * (faults, callback hub, request log, sent log). See `README.md` here.
 */
import type { AddressInfo } from 'node:net';
import { addressUrl, listen } from '../../server/listen';
import { FaultInjector, type FaultRule } from '../shared/fault-injection';
import { type SeededAccount, TWILIO_SANDBOX_ACCOUNTS } from './accounts';
import { CallbackHub, DEFAULT_CONNECTION_RETRY_DELAY_MS } from './callbacks';
import { addFaultFromJson, createTwilioServer, resetAll, type ServerParts, type TwilioRecordedRequest } from './server';
import { TwilioSim } from './sim';
import type { SimMessage } from './wire';

export { DELIVERY_OUTCOMES, KEYWORDS, MAGIC_TO, TWILIO_SANDBOX_ACCOUNTS, type SeededAccount } from './accounts';
export { type CallbackAttempt, type CallbackDelivery, CallbackHub, twilioSignature } from './callbacks';
export type { TwilioRecordedRequest } from './server';
export type { InboundResult } from './sim';
export { messageJson, rfc2822, type SimMessage } from './wire';

export interface TwilioSandboxOptions {
  /** TCP port; 0 (the default) picks a free one. */
  port?: number;
  host?: string;
  /** Time between a message's status steps (`queued`, `sent`, final). Default 200 ms, as the spec decides. */
  stepDelayMs?: number;
  /** Wait before the one retry of a callback whose connection failed. Default 1 s. */
  connectionRetryDelayMs?: number;
  /** The clock of `date_*` fields and the request log. Default `Date.now`. */
  now?: () => number;
  faults?: FaultRule[];
}

export interface TwilioSandbox {
  /** e.g. `http://127.0.0.1:40123`: the API and the controls. */
  url: string;
  accounts: typeof TWILIO_SANDBOX_ACCOUNTS;
  /** Every request to `/2010-04-01/…`, oldest first (controls are not logged). */
  requests: TwilioRecordedRequest[];
  /** Every message created (answered 201), oldest first, with its current status: the sent log. */
  sent: readonly SimMessage[];
  faults: FaultInjector;
  /** `/_sandbox/faults`' JSON form: `{ method, path, status, body?, delayMs?, times?, drop? }`. */
  addFault(json: Record<string, unknown>): string;
  /** Status callbacks and inbound messages posted to the gateway. */
  callbacks: CallbackHub;
  sim: TwilioSim;
  reset(): void;
  close(): Promise<void>;
}

export async function startTwilioSandbox(options: TwilioSandboxOptions = {}): Promise<TwilioSandbox> {
  const now = options.now ?? Date.now;
  const hub = new CallbackHub(now, options.connectionRetryDelayMs ?? DEFAULT_CONNECTION_RETRY_DELAY_MS);
  const accounts: SeededAccount[] = Object.values(TWILIO_SANDBOX_ACCOUNTS);
  const sim = new TwilioSim(accounts, hub, now, options.stepDelayMs ?? 200);
  const faults = new FaultInjector();
  for (const rule of options.faults ?? []) faults.add(rule);
  const parts: ServerParts = { sim, hub, faults, faultBodies: new Map(), log: [], now };
  const server = createTwilioServer(parts);
  const address: AddressInfo = await listen(server, options.port ?? 0, options.host ?? '127.0.0.1');
  return {
    url: addressUrl(address),
    accounts: TWILIO_SANDBOX_ACCOUNTS,
    requests: parts.log,
    sent: sim.sent,
    faults,
    addFault: (json) => addFaultFromJson(parts, json),
    callbacks: hub,
    sim,
    reset: () => {
      resetAll(parts);
    },
    close: async () => {
      sim.reset();
      hub.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
