import type { Db } from './db.js';
import type { Logger } from './logger.js';
import { MIGRATIONS, type Migration } from './migrations.js';
import type { Names } from './names.js';

/**
 * Brings the schema up to date: creates it if needed, then applies the
 * migrations not yet recorded, in order, each in its own transaction with its
 * record. It all runs under an advisory lock of the schema on one connection,
 * so nodes that start together take turns and each migration runs once.
 * Returns the versions applied.
 */
export async function migrate(
  db: Db,
  n: Names,
  logger: Logger,
  migrations: readonly Migration[] = MIGRATIONS,
): Promise<number[]> {
  return db.session(async (client) => {
    await client.query('SELECT pg_advisory_lock($1::bigint)', [n.migrateLock]);
    try {
      await client.query(`CREATE SCHEMA IF NOT EXISTS ${n.schema}`);
      await client.query(
        `CREATE TABLE IF NOT EXISTS ${n.migrations} (
           version integer PRIMARY KEY,
           name text NOT NULL,
           applied_at timestamptz NOT NULL DEFAULT now()
         )`,
      );
      const { rows } = await client.query<{ version: number }>(
        `SELECT version FROM ${n.migrations}`,
      );
      const done = new Set(rows.map((r) => r.version));
      const applied: number[] = [];
      for (const m of migrations) {
        if (done.has(m.version)) continue;
        await client.query('BEGIN');
        try {
          await client.query(m.sql(n));
          await client.query(`INSERT INTO ${n.migrations} (version, name) VALUES ($1, $2)`, [
            m.version,
            m.name,
          ]);
          await client.query('COMMIT');
        } catch (err) {
          await client.query('ROLLBACK').catch(() => undefined);
          throw err;
        }
        logger.info(`postgres: migration ${m.version} (${m.name}) applied to ${n.schema}`);
        applied.push(m.version);
      }
      return applied;
    } finally {
      await client
        .query('SELECT pg_advisory_unlock($1::bigint)', [n.migrateLock])
        .catch(() => undefined);
    }
  });
}
