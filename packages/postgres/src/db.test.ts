/** The pool's transactions: what PostgreSQL's own conflicts do to them. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Db } from './db.js';
import { silentLogger } from './logger.js';
import { dropSchema, sql } from './test-support/schemas.js';
import { createTestDatabase, type TestDatabase } from './test-support/test-database.js';

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(async () => {
  await db.drop();
});

describe('transactions', () => {
  it('run again, from the start, the side PostgreSQL aborts to break a deadlock', async () => {
    const schema = db.schemaName();
    await sql(db.url, `CREATE SCHEMA ${schema}`);
    await sql(db.url, `CREATE TABLE ${schema}.t (id integer PRIMARY KEY, n integer NOT NULL)`);
    await sql(db.url, `INSERT INTO ${schema}.t VALUES (1, 0), (2, 0)`);
    const pool = new Db({
      connectionString: db.url,
      poolSize: 2,
      applicationName: 'cadre db test',
      logger: silentLogger,
      onHealth: () => undefined,
    });
    try {
      // Each takes one row, waits until the other has taken the other row, then
      // wants it: a deadlock, which PostgreSQL breaks by aborting one of them.
      let arrived = 0;
      let release!: () => void;
      const bothHold = new Promise<void>((resolve) => (release = resolve));
      const runs = [0, 0];
      const crossing = (first: number, second: number, side: 0 | 1) =>
        pool.transaction(async (tx) => {
          runs[side]! += 1;
          await tx.query(`UPDATE ${schema}.t SET n = n + 1 WHERE id = $1`, [first]);
          if (++arrived === 2) release();
          await bothHold;
          await tx.query(`UPDATE ${schema}.t SET n = n + 1 WHERE id = $1`, [second]);
          return side;
        });
      expect(await Promise.all([crossing(1, 2, 0), crossing(2, 1, 1)])).toEqual([0, 1]);
      expect(runs[0]! + runs[1]!).toBe(3);
      // Each committed once: the aborted run left nothing behind.
      expect(await sql(db.url, `SELECT id, n FROM ${schema}.t ORDER BY id`)).toEqual([
        { id: 1, n: 2 },
        { id: 2, n: 2 },
      ]);
    } finally {
      await pool.end();
      await dropSchema(db.url, schema);
    }
  });
});
