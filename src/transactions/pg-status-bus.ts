/**
 * The status bus across gateway instances: PostgreSQL LISTEN/NOTIFY on the store's own server.
 *
 *     const bus = await createPgStatusBus({ connectionString: config.store.url });
 *     const sub = bus.subscribe({ practiceId: 'smile-dental' });
 *     await bus.publish({ practiceId: 'smile-dental', transactionId: 'LG:1000' }); // every instance hears it
 *     await bus.close();
 *
 * - One dedicated `pg.Client` per instance runs `LISTEN ledger_status` and hands what it hears to the
 *   local subscribers (the same bounded queues as the in-process bus: `createLocalSubscribers`).
 * - `publish` runs `SELECT pg_notify('ledger_status', payload)` on a small pool of its own; the
 *   payload is the JSON of the ids (`{"p":practiceId,"t":transactionId,"o":instanceId}`), far below
 *   NOTIFY's 8000-byte limit. The publishing instance delivers to its own subscribers at once and
 *   ignores the echo of its own notification (`o`), so a local subscriber gets each event once even
 *   while the LISTEN connection is being re-established.
 * - The LISTEN connection reconnects on error with capped backoff (`onError` is told each time).
 *   Notifications sent while it is down are lost for THIS instance's remote subscribers: they are
 *   hints, and a client that must not miss a state re-subscribes with the transaction's id, which
 *   sends the current state first (`src/graphql/resolvers/subscription.ts`).
 * - A failed publish (server unreachable) rejects; the transaction service logs it and carries on,
 *   the change itself is already durable.
 */
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { createLocalSubscribers, type InProcessStatusBusOptions, type StatusBus, type StatusEvent } from './status-bus';

export const STATUS_CHANNEL = 'ledger_status';

export interface PgStatusBusOptions extends InProcessStatusBusOptions {
  /** `postgres://…` — normally the store's URL. */
  connectionString: string;
  /** Channel name (default `ledger_status`); must be a plain SQL identifier. */
  channel?: string;
  /** Told about connection errors and reconnects (default: ignored). */
  onError?: (error: Error) => void;
  /** First reconnect delay (default 100 ms), doubled up to `maxReconnectDelayMs` (default 5 s). */
  reconnectDelayMs?: number;
  maxReconnectDelayMs?: number;
  /** Pool size for NOTIFY (default 2). */
  publishPoolSize?: number;
}

export interface PgStatusBus extends StatusBus {
  readonly subscriberCount: number;
  /** Whether the LISTEN connection is up. */
  readonly listening: boolean;
  /** Resolves once the LISTEN connection is up (again); for tests. */
  whenListening(): Promise<void>;
  /** This instance's id, carried in every payload it sends. */
  readonly instanceId: string;
}

interface Payload {
  p: string;
  t: string;
  /** The publishing instance. */
  o: string;
  /** The publication's number at that instance (with `o`, the event's id). */
  n?: number;
}

function parsePayload(text: string | undefined): Payload | null {
  if (!text) return null;
  try {
    const value = JSON.parse(text) as Partial<Payload>;
    return typeof value.p === 'string' && typeof value.t === 'string'
      ? { p: value.p, t: value.t, o: String(value.o ?? ''), n: typeof value.n === 'number' ? value.n : undefined }
      : null;
  } catch {
    return null;
  }
}

const toError = (e: unknown) => (e instanceof Error ? e : new Error(String(e)));

interface ListenerSettings {
  connectionString: string;
  channel: string;
  baseDelay: number;
  maxDelay: number;
  onError: (error: Error) => void;
  onNotification: (message: pg.Notification) => void;
}

/**
 * The LISTEN side: one dedicated connection running `LISTEN <channel>`, re-established with capped
 * backoff after any error or end, until `close()`.
 */
class Listener {
  private client: pg.Client | null = null;
  private retryTimer: NodeJS.Timeout | null = null;
  private delay: number;
  private waiters: Array<() => void> = [];
  private closed = false;

  constructor(private readonly settings: ListenerSettings) {
    this.delay = settings.baseDelay;
  }

  get listening(): boolean {
    return this.client !== null;
  }

  whenListening(): Promise<void> {
    if (this.client || this.closed) return Promise.resolve();
    return new Promise<void>((resolve) => this.waiters.push(resolve));
  }

  /** Connect and LISTEN once; rejects (leaving nothing open) when that fails. */
  async connectOnce(): Promise<void> {
    const { settings } = this;
    const client = new pg.Client({ connectionString: settings.connectionString });
    let failed = false;
    const fail = (error: unknown) => {
      if (failed) return;
      failed = true;
      if (this.client === client) this.client = null;
      client.removeAllListeners('notification');
      client.end().catch(() => undefined);
      if (!this.closed) {
        settings.onError(toError(error));
        this.scheduleReconnect();
      }
    };
    client.on('error', fail);
    client.on('end', () => fail(new Error('status bus LISTEN connection ended')));
    client.on('notification', settings.onNotification);
    try {
      await client.connect();
      await client.query(`LISTEN ${settings.channel}`);
    } catch (error) {
      failed = true;
      client.removeAllListeners();
      client.on('error', () => undefined);
      await client.end().catch(() => undefined);
      throw error;
    }
    if (this.closed) {
      failed = true;
      await client.end().catch(() => undefined);
      return;
    }
    this.client = client;
    this.delay = settings.baseDelay;
    for (const resolve of this.waiters.splice(0)) resolve();
  }

  /** Stop reconnecting, release `whenListening()` waiters and end the connection. */
  async close(): Promise<void> {
    this.closed = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = null;
    for (const resolve of this.waiters.splice(0)) resolve();
    const client = this.client;
    this.client = null;
    if (client) {
      client.removeAllListeners('notification');
      client.removeAllListeners('end');
      client.on('error', () => undefined);
      await client.end().catch(() => undefined);
    }
  }

  private scheduleReconnect(): void {
    if (this.closed || this.retryTimer) return;
    const wait = this.delay;
    this.delay = Math.min(this.settings.maxDelay, this.delay * 2);
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      this.connectOnce().catch((error) => {
        this.settings.onError(toError(error));
        this.scheduleReconnect();
      });
    }, wait);
    this.retryTimer.unref?.();
  }
}

/** Open the bus; resolves once the first LISTEN is in place (rejects if the server is unreachable). */
export async function createPgStatusBus(options: PgStatusBusOptions): Promise<PgStatusBus> {
  const channel = options.channel ?? STATUS_CHANNEL;
  if (!/^[a-z_][a-z0-9_]*$/i.test(channel))
    throw new Error(`status bus channel ${JSON.stringify(channel)} is not a plain identifier`);
  const instanceId = randomUUID();
  const local = createLocalSubscribers(options);
  const onError = options.onError ?? (() => undefined);
  const baseDelay = Math.max(1, options.reconnectDelayMs ?? 100);
  const maxDelay = Math.max(baseDelay, options.maxReconnectDelayMs ?? 5_000);
  const pool = new pg.Pool({ connectionString: options.connectionString, max: options.publishPoolSize ?? 2 });
  pool.on('error', (error) => onError(error));

  const onNotification = (message: pg.Notification) => {
    if (message.channel !== channel) return;
    const payload = parsePayload(message.payload);
    if (!payload || payload.o === instanceId) return;
    local.deliver({
      practiceId: payload.p,
      transactionId: payload.t,
      ...(payload.n !== undefined ? { eventId: `${payload.o}:${payload.n}` } : {}),
    });
  };
  const listener = new Listener({
    connectionString: options.connectionString,
    channel,
    baseDelay,
    maxDelay,
    onError,
    onNotification,
  });
  try {
    await listener.connectOnce();
  } catch (error) {
    await pool.end().catch(() => undefined);
    throw error;
  }

  let closed = false;
  let published = 0;
  return {
    instanceId,
    async publish(event: StatusEvent) {
      if (closed) return;
      // Local subscribers first (they must not wait for the round trip), then everyone else.
      const n = ++published;
      local.deliver({ ...event, eventId: `${instanceId}:${n}` });
      const payload: Payload = { p: event.practiceId, t: event.transactionId, o: instanceId, n };
      await pool.query('SELECT pg_notify($1, $2)', [channel, JSON.stringify(payload)]);
    },
    subscribe: (filter) => local.subscribe(filter),
    async close() {
      if (closed) return;
      closed = true;
      local.close();
      await listener.close();
      await pool.end().catch(() => undefined);
    },
    get subscriberCount() {
      return local.size;
    },
    get listening() {
      return listener.listening;
    },
    whenListening: () => listener.whenListening(),
  };
}
