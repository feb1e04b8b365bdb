/**
 * LISTEN on one dedicated connection: notifications are lost on pooled
 * connections (node-postgres issue 967). node-postgres gives a client neither
 * a heartbeat nor reconnection, so this adds both: a `SELECT 1` every
 * `heartbeatMs` that must answer within the same time, and reconnection with
 * backoff after any failure. Notifications sent while it is down are lost;
 * `onState(true)` after a reconnection tells the backend to look again.
 */
import pg from 'pg';
import { escapeIdentifier } from 'pg';
import type { Logger } from './logger.js';

export interface ListenerOptions {
  connectionString: string;
  applicationName: string;
  /** Channel names, as pg_notify is given them. */
  channels: readonly string[];
  onNotification(channel: string, payload: string): void;
  /** false when the connection is lost, true when it listens again. */
  onState(up: boolean): void;
  logger: Logger;
  /** @defaultValue 5000 */
  heartbeatMs?: number;
  /** @defaultValue `{ first: 50, max: 5000 }` */
  retryMs?: { first: number; max: number };
}

export class Listener {
  readonly #options: ListenerOptions;
  readonly #heartbeatMs: number;
  readonly #retryMs: { first: number; max: number };
  #client: pg.Client | null = null;
  #heartbeat: NodeJS.Timeout | null = null;
  #retry: NodeJS.Timeout | null = null;
  #retryWaitMs: number;
  #up = false;
  #closed = false;

  constructor(options: ListenerOptions) {
    this.#options = options;
    this.#heartbeatMs = options.heartbeatMs ?? 5000;
    this.#retryMs = options.retryMs ?? { first: 50, max: 5000 };
    this.#retryWaitMs = this.#retryMs.first;
  }

  /** Connects and listens; rejects if the first connection fails (nothing is retried then). */
  async start(): Promise<void> {
    await this.#connect();
  }

  async close(): Promise<void> {
    this.#closed = true;
    if (this.#retry) clearTimeout(this.#retry);
    if (this.#heartbeat) clearInterval(this.#heartbeat);
    const client = this.#client;
    this.#client = null;
    await client?.end().catch(() => undefined);
  }

  async #connect(): Promise<void> {
    const client = new pg.Client({
      connectionString: this.#options.connectionString,
      application_name: this.#options.applicationName,
      // Bounds the heartbeat's wait: a connection that hangs is a lost one.
      query_timeout: this.#heartbeatMs,
      connectionTimeoutMillis: this.#heartbeatMs,
      keepAlive: true,
    });
    client.on('error', (err) => this.#lost(client, err));
    client.on('end', () => this.#lost(client, new Error('the connection ended')));
    client.on('notification', (msg) => {
      if (msg.payload !== undefined) this.#options.onNotification(msg.channel, msg.payload);
    });
    try {
      await client.connect();
      for (const channel of this.#options.channels) {
        await client.query(`LISTEN ${escapeIdentifier(channel)}`);
      }
    } catch (err) {
      client.removeAllListeners('end');
      await client.end().catch(() => undefined);
      throw err;
    }
    if (this.#closed) {
      await client.end().catch(() => undefined);
      return;
    }
    this.#client = client;
    this.#retryWaitMs = this.#retryMs.first;
    this.#heartbeat = setInterval(() => {
      client.query('SELECT 1').catch((err: unknown) => this.#lost(client, err));
    }, this.#heartbeatMs);
    this.#setUp(true);
  }

  #lost(client: pg.Client, err: unknown): void {
    if (this.#client !== client || this.#closed) return;
    this.#client = null;
    if (this.#heartbeat) clearInterval(this.#heartbeat);
    this.#heartbeat = null;
    client.removeAllListeners('end');
    void client.end().catch(() => undefined);
    this.#options.logger.warn(
      `postgres: the notification connection was lost (${err instanceof Error ? err.message : String(err)}); reconnecting`,
    );
    this.#setUp(false);
    this.#scheduleReconnect();
  }

  #scheduleReconnect(): void {
    if (this.#closed) return;
    this.#retry = setTimeout(() => {
      this.#retry = null;
      this.#connect().catch(() => {
        this.#retryWaitMs = Math.min(this.#retryWaitMs * 2, this.#retryMs.max);
        this.#scheduleReconnect();
      });
    }, this.#retryWaitMs);
  }

  #setUp(up: boolean): void {
    if (this.#up === up) return;
    this.#up = up;
    if (up) this.#options.logger.info('postgres: listening for notifications');
    this.#options.onState(up);
  }
}
