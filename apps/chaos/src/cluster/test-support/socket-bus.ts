/**
 * Listens to a cluster's socket.io bus: the NOTIFY channel over which the
 * nodes' adapters (apps/server/src/live/socket-adapter.ts, socket.io's
 * PostgreSQL adapter) exchange broadcasts, heartbeats and server-side events.
 * It shows a test what crosses nodes, which no socket can: a socket only gets
 * what its node lets through, whatever travelled between the nodes.
 */
import pg from 'pg';
import { Inbox } from './inbox.js';

/** socket.io-adapter's `MessageType`s that the live tests use. */
export const BusMessageType = {
  /** A node joins: the others answer with a heartbeat. */
  INITIAL_HEARTBEAT: 1,
  /** A node is there (a node silent for 10 s is forgotten). */
  HEARTBEAT: 2,
  /** An event for sockets (e.g. a `job` event to a job's room). */
  BROADCAST: 3,
  /** `serverSideEmit` between nodes (e.g. `watch`); with `data.requestId`, it wants answers. */
  SERVER_SIDE_EMIT: 9,
  /** One node's answer to a `serverSideEmit` with `requestId`. */
  SERVER_SIDE_EMIT_RESPONSE: 10,
  /** A node leaves. */
  ADAPTER_CLOSE: 13,
} as const;

export interface BusMessage {
  type: number;
  /** The sending adapter. */
  uid?: string;
  nsp?: string;
  data?: { packet?: unknown; requestId?: string };
  /** Set when the payload was too large for NOTIFY: it waits in a table, unread here. */
  attachmentId?: number;
  /** The payload as sent. */
  raw: string;
}

export class SocketBus {
  readonly inbox = new Inbox<BusMessage>();
  readonly #client: pg.Client;
  readonly #channel: string;

  private constructor(client: pg.Client, channel: string) {
    this.#client = client;
    this.#channel = channel;
  }

  /** Listens on the channel of the cluster on `schema` of the database `url`. */
  static async listen(url: string, schema: string): Promise<SocketBus> {
    const client = new pg.Client({ connectionString: url });
    client.on('error', () => undefined);
    // The adapter's channel: `${channelPrefix}#${namespace}`, its prefix `cadre_${schema}`.
    const bus = new SocketBus(client, `cadre_${schema}#/`);
    client.on('notification', (n) => {
      if (n.payload === undefined) return;
      bus.inbox.push({ ...(JSON.parse(n.payload) as Omit<BusMessage, 'raw'>), raw: n.payload });
    });
    await client.connect();
    await client.query(`LISTEN ${pg.escapeIdentifier(bus.#channel)}`);
    return bus;
  }

  get messages(): readonly BusMessage[] {
    return this.inbox.items;
  }

  /** Sends `message` to every node (and hears it back, as the nodes' adapters ignore their own). */
  async publish(message: Omit<BusMessage, 'raw'>): Promise<void> {
    await this.#client.query('SELECT pg_notify($1, $2)', [this.#channel, JSON.stringify(message)]);
  }

  close(): Promise<void> {
    return this.#client.end();
  }
}
