import type { Queryable } from '../db.js';
import type { Names } from '../names.js';

/**
 * Takes or renews the leader's lease for `leaseMs`, by the database's clock:
 * only when this node holds it or it has expired. The one row's lock makes
 * contenders take turns, so at most one holds an unexpired lease.
 */
export async function takeLease(
  db: Queryable,
  n: Names,
  node: string,
  leaseMs: number,
): Promise<boolean> {
  const rows = await db.query(
    `UPDATE ${n.leader} SET node = $1, expires_at = now() + $2 * interval '1 millisecond'
     WHERE node = $1 OR expires_at < now()
     RETURNING node`,
    [node, leaseMs],
  );
  return rows.length > 0;
}

/** Gives the lease up at once, so that another node need not wait for it to expire. */
export async function releaseLease(db: Queryable, n: Names, node: string): Promise<void> {
  await db.query(`UPDATE ${n.leader} SET expires_at = '-infinity' WHERE node = $1`, [node]);
}
