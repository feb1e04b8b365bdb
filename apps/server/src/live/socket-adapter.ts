/**
 * Joins the socket servers of a cluster's nodes through PostgreSQL
 * (`@socket.io/postgres-adapter`): a job event a node emits reaches the
 * dashboards connected to any node. It has its own small pool; its table of
 * large payloads lives in the cluster's schema (created by the backend's
 * migrations), and its channel is named after that schema, so clusters that
 * share a database do not hear each other.
 */
import { createAdapter } from '@socket.io/postgres-adapter';
import pg from 'pg';

export interface SocketAdapter {
  adapter: ReturnType<typeof createAdapter>;
  close(): Promise<void>;
}

export interface AdapterLogger {
  warn(obj: object, msg?: string): void;
}

export function socketAdapter(
  database: { url: string; schema: string },
  logger: AdapterLogger,
): SocketAdapter {
  const pool = new pg.Pool({ connectionString: database.url, max: 2 });
  // A lost connection is the adapter's to recover (it reconnects on 'end'); it
  // must not crash the node. The adapter keeps its LISTEN client checked out
  // and gives it no 'error' listener, so every client gets one here.
  const lost = (err: Error) => logger.warn({ err }, 'live events: a database connection failed');
  pool.on('error', lost);
  pool.on('connect', (client) => client.on('error', lost));
  const adapter = createAdapter(pool, {
    tableName: `"${database.schema}".socket_io_attachments`,
    channelPrefix: `cadre_${database.schema}`,
  });
  return { adapter, close: () => pool.end() };
}
