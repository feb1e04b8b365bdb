/**
 * A database of its own, created with a random name on a server and dropped
 * afterwards (its connections ended first): what tests, the chaos run and the
 * benchmark each work in, so that no run inherits another's tables and runs
 * on one machine never meet.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';

export interface ScratchDatabase {
  name: string;
  /** Connection string of the new database. */
  url: string;
  /** Drops it, ending whatever is still connected. */
  drop(): Promise<void>;
}

/**
 * Creates `cadre_<label>_<random>` on the server `serverUrl` names (any
 * database of it the role may connect to; the role must be allowed to
 * CREATE DATABASE). Throws, naming the server without its password, when
 * the server cannot be reached.
 */
export async function createScratchDatabase(
  serverUrl: string,
  label: string,
): Promise<ScratchDatabase> {
  const name = `cadre_${label}_${randomBytes(5).toString('hex')}`;
  await adminQuery(serverUrl, `CREATE DATABASE ${pg.escapeIdentifier(name)}`);
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return {
    name,
    url: url.href,
    drop: async () => {
      await adminQuery(
        serverUrl,
        `DROP DATABASE IF EXISTS ${pg.escapeIdentifier(name)} WITH (FORCE)`,
      );
    },
  };
}

/** Runs one statement on the server `serverUrl` names, on a connection of its own. */
export async function adminQuery(
  serverUrl: string,
  sql: string,
): Promise<Record<string, unknown>[]> {
  const client = new pg.Client({ connectionString: serverUrl, connectionTimeoutMillis: 5000 });
  client.on('error', () => undefined);
  try {
    await client.connect();
  } catch (err) {
    throw new Error(
      `cannot reach PostgreSQL at ${redactUrl(serverUrl)}: ${(err as Error).message}`,
      {
        cause: err,
      },
    );
  }
  try {
    return (await client.query<Record<string, unknown>>(sql)).rows;
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** The URL without its password, for messages. */
export function redactUrl(url: string): string {
  const u = new URL(url);
  if (u.password) u.password = '***';
  return u.href;
}
