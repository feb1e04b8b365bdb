/**
 * A PostgreSQL backend for a server test, in a database of its own (see
 * `@cadre/postgres/test-support` for which server it finds): the server's
 * tests that hold on both backends run on it too.
 */
import { createPostgresBackend } from '@cadre/postgres';
import { createTestDatabase, type TestDatabase } from '@cadre/postgres/test-support';
import type { Backend } from '@cadre/store';
import { afterAll } from 'vitest';
import type { TestServerOptions } from './test-server.js';

export interface TestPostgres {
  /** A backend on a fresh schema; the engine that opens it closes it. */
  backend(): Backend;
  /** Drops the database. */
  drop(): Promise<void>;
}

export async function openTestPostgres(): Promise<TestPostgres> {
  const db: TestDatabase = await createTestDatabase();
  return {
    backend: () => createPostgresBackend({ connectionString: db.url, schema: db.schemaName() }),
    drop: () => db.drop(),
  };
}

/**
 * The server options of each backend a test file runs on, for `describe.each`:
 * the local one over memory, and PostgreSQL (one database for the file,
 * made when first asked for and dropped after all its tests).
 */
export function serverBackends(): [string, () => Promise<TestServerOptions>][] {
  let postgres: TestPostgres | null = null;
  afterAll(async () => {
    await postgres?.drop();
  });
  return [
    ['local', () => Promise.resolve({})],
    [
      'PostgreSQL',
      async () => {
        postgres ??= await openTestPostgres();
        return { backend: postgres.backend() };
      },
    ],
  ];
}
