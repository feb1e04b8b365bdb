/**
 * A PostgreSQL database of its own for a cluster run: created with a random
 * name on a server, dropped afterwards (its connections closed first), so
 * that no run inherits another's tables and runs on one machine never meet.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';

/** The server when nothing names one: a local one with trust auth, as on the project's machines. */
export const LOCAL_POSTGRES_URL = 'postgres://postgres@127.0.0.1:5432/postgres';

export interface FreshDatabase {
  name: string;
  /** Connection string of the new database. */
  url: string;
  /** Drops it, ending whatever is still connected. */
  drop(): Promise<void>;
}

/**
 * Creates the database on the server `serverUrl` names (any database of it
 * the role may connect to; the role must be allowed to CREATE DATABASE).
 */
export async function createFreshDatabase(
  serverUrl: string,
  label = 'cluster',
): Promise<FreshDatabase> {
  const name = `cadre_${label}_${randomBytes(5).toString('hex')}`;
  await admin(serverUrl, `CREATE DATABASE ${pg.escapeIdentifier(name)}`);
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return {
    name,
    url: url.href,
    drop: () =>
      admin(serverUrl, `DROP DATABASE IF EXISTS ${pg.escapeIdentifier(name)} WITH (FORCE)`),
  };
}

async function admin(serverUrl: string, sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: serverUrl, connectionTimeoutMillis: 5000 });
  client.on('error', () => undefined);
  try {
    await client.connect();
  } catch (err) {
    throw new Error(`cannot reach PostgreSQL at ${redact(serverUrl)}: ${(err as Error).message}`, {
      cause: err,
    });
  }
  try {
    await client.query(sql);
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** The URL without its password, for messages. */
export function redact(url: string): string {
  const u = new URL(url);
  if (u.password) u.password = '***';
  return u.href;
}
