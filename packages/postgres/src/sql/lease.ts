import type { Lease } from '@cadre/store';
import type { Queryable } from '../db.js';
import type { Names } from '../names.js';

/**
 * Takes or renews the leader's lease for `leaseMs`, by the database's clock:
 * only when this node holds it or it has expired. The one row's lock makes
 * contenders take turns, so at most one holds an unexpired lease. A node
 * that does not lead learns when the leader's lease runs out (the row as
 * the statement began: 0 when another node was taking it meanwhile).
 */
export async function takeLease(
  db: Queryable,
  n: Names,
  node: string,
  leaseMs: number,
): Promise<Lease> {
  const [row] = await db.query<{ leader: boolean; expires_in_ms: number }>(
    `WITH taken AS (
       UPDATE ${n.leader} SET node = $1, expires_at = now() + $2 * interval '1 millisecond'
       WHERE node = $1 OR expires_at < now()
       RETURNING node
     )
     SELECT EXISTS (SELECT 1 FROM taken) AS leader,
       CASE WHEN l.expires_at <= now() THEN 0
            ELSE extract(epoch FROM l.expires_at - now()) * 1000 END::float8 AS expires_in_ms
     FROM ${n.leader} AS l`,
    [node, leaseMs],
  );
  return row!.leader
    ? { leader: true, expiresInMs: leaseMs }
    : { leader: false, expiresInMs: row!.expires_in_ms };
}

/** Gives the lease up at once, so that another node need not wait for it to expire. */
export async function releaseLease(db: Queryable, n: Names, node: string): Promise<void> {
  await db.query(`UPDATE ${n.leader} SET expires_at = '-infinity' WHERE node = $1`, [node]);
}
