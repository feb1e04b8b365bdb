/**
 * A database of its own for a test file, on the first PostgreSQL found:
 * `CADRE_TEST_DATABASE_URL` (a role that may CREATE DATABASE), else the local
 * server on 127.0.0.1:5432 when it answers, else a throwaway server started
 * from PostgreSQL's binaries (stopped when the process exits).
 *
 * Other workspaces import it as `@cadre/postgres/test-support`.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { createScratchDatabase } from '../scratch-database.js';
import { startThrowawayPostgres } from '../throwaway-server.js';

const LOCAL_URL = 'postgres://postgres@127.0.0.1:5432/postgres';

export interface TestDatabase {
  /** Connection string of the new database. */
  url: string;
  /** A new schema name, unique in this database (created by whoever opens it). */
  schemaName(): string;
  /** Drops the database (connections to it are closed first). */
  drop(): Promise<void>;
}

let server: Promise<string> | null = null;

/** The server's URL: found once per process. */
function serverUrl(): Promise<string> {
  server ??= (async () => {
    const fromEnv = process.env.CADRE_TEST_DATABASE_URL;
    if (fromEnv) return fromEnv;
    if (await answers(LOCAL_URL)) return LOCAL_URL;
    try {
      return (await startThrowawayPostgres()).url;
    } catch (err) {
      throw new Error(
        'no PostgreSQL for the tests: set CADRE_TEST_DATABASE_URL=postgres://USER@HOST:PORT/DB ' +
          '(a role that may CREATE DATABASE), run a server on 127.0.0.1:5432 with trust auth for ' +
          `user postgres, or install PostgreSQL's binaries (apt-get install postgresql). ${
            err instanceof Error ? err.message : String(err)
          }`,
        { cause: err },
      );
    }
  })();
  return server;
}

async function answers(url: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2000 });
  client.on('error', () => undefined);
  try {
    await client.connect();
    await client.query('SELECT 1');
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

export async function createTestDatabase(): Promise<TestDatabase> {
  const db = await createScratchDatabase(await serverUrl(), 'test');
  let schemas = 0;
  return {
    url: db.url,
    schemaName: () => `t${++schemas}_${randomBytes(3).toString('hex')}`,
    drop: db.drop,
  };
}
