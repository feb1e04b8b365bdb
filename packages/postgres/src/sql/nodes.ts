import { Errors, type Allocation } from '@cadre/core';
import type { NodeIdentity, NodeRecord, NodeReport } from '@cadre/store';
import type { Db, Queryable } from '../db.js';
import type { Names } from '../names.js';
import { notify } from '../notifications.js';

/** A node process: its name, and the incarnation that tells this start of it from earlier ones. */
export interface Me {
  node: NodeIdentity;
  incarnation: string;
}

const EMPTY_REPORT: NodeReport = { running: 0, finished: {}, throughput: {} };

/**
 * Registers this node as live under a fresh incarnation, inside `tx`. Throws
 * ERR_NODE_NAME_TAKEN if a live node holds the name and has beaten within
 * `timeoutMs` (by the database's clock); a silent or dead holder is taken
 * over. The row is inserted first if missing, so that two nodes starting
 * under one name take turns on its lock and the second finds the first.
 */
export async function registerNode(
  tx: Queryable,
  n: Names,
  me: Me,
  timeoutMs: number,
): Promise<void> {
  await tx.query(
    `INSERT INTO ${n.nodes} (name, tags, workers, state, incarnation, report, started_at, heartbeat_at)
     VALUES ($1, '{}', 0, 'dead', '', '{}', now(), '-infinity')
     ON CONFLICT (name) DO NOTHING`,
    [me.node.name],
  );
  const [holder] = await tx.query<{ taken: boolean }>(
    `SELECT state = 'live' AND heartbeat_at > now() - $2 * interval '1 millisecond' AS taken
     FROM ${n.nodes} WHERE name = $1 FOR UPDATE`,
    [me.node.name, timeoutMs],
  );
  if (holder?.taken) throw Errors.nodeNameTaken(me.node.name);
  await tx.query(
    `UPDATE ${n.nodes} SET tags = $2, workers = $3, state = 'live', incarnation = $4,
       allocation = '{}', report = $5, started_at = now(), heartbeat_at = now()
     WHERE name = $1`,
    [
      me.node.name,
      [...me.node.tags],
      me.node.workers,
      me.incarnation,
      JSON.stringify(EMPTY_REPORT),
    ],
  );
}

/**
 * Renews this node's heartbeat (the database's clock) and report, and
 * answers the node's state: `dead` when the cluster declared it dead
 * meanwhile, or forgot it (it is registered again, dead). It stays dead
 * until `rejoinNode`, which the engine calls once it has dropped the
 * node's attempts. A row that another incarnation holds (this node's name
 * taken over while it was silent) is left alone: this process is the stale
 * one, and stays `dead`.
 *
 * The update locks the row FOR NO KEY UPDATE, which a reap's FOR UPDATE
 * waits for, but not this node's claims (FOR KEY SHARE).
 */
export async function heartbeatNode(
  db: Db,
  n: Names,
  me: Me,
  report: NodeReport,
): Promise<'live' | 'dead'> {
  const [row] = await db.query<{ state: 'live' | 'dead' }>(
    `UPDATE ${n.nodes} SET heartbeat_at = now(), report = $3
     WHERE name = $1 AND incarnation = $2
     RETURNING state`,
    [me.node.name, me.incarnation, JSON.stringify(report)],
  );
  if (row) return row.state;
  await db.query(
    `INSERT INTO ${n.nodes} (name, tags, workers, state, incarnation, report, started_at, heartbeat_at)
     VALUES ($1, $2, $3, 'dead', $4, $5, now(), now())
     ON CONFLICT (name) DO NOTHING`,
    [me.node.name, [...me.node.tags], me.node.workers, me.incarnation, JSON.stringify(report)],
  );
  return 'dead';
}

/**
 * Brings this node back to life after a heartbeat found it dead: only its
 * own row (this incarnation), and only if dead. From its commit on, the
 * node's claims take jobs again (claim.ts).
 */
export async function rejoinNode(db: Db, n: Names, me: Me): Promise<void> {
  await db.query(
    `UPDATE ${n.nodes} SET state = 'live', heartbeat_at = now()
     WHERE name = $1 AND incarnation = $2 AND state = 'dead'`,
    [me.node.name, me.incarnation],
  );
}

interface NodeRow {
  name: string;
  tags: string[];
  workers: number;
  state: 'live' | 'dead';
  leader: boolean;
  allocation: Allocation;
  report: NodeReport;
  started_at: Date;
  heartbeat_at: Date;
  silent_ms: number;
}

/** Every node, in name order; `leader` is the holder of the unexpired lease. */
export async function listNodes(db: Queryable, n: Names): Promise<NodeRecord[]> {
  const rows = await db.query<NodeRow>(
    `SELECT x.name, x.tags, x.workers, x.state, x.allocation, x.report, x.started_at,
       x.heartbeat_at, l.node IS NOT NULL AS leader,
       greatest(0, extract(epoch FROM now() - x.heartbeat_at) * 1000)::float8 AS silent_ms
     FROM ${n.nodes} AS x
     LEFT JOIN ${n.leader} AS l ON l.node = x.name AND l.expires_at > now()
     ORDER BY x.name`,
  );
  return rows.map((r) => ({
    name: r.name,
    tags: r.tags,
    workers: r.workers,
    state: r.state,
    leader: r.leader,
    allocation: r.allocation,
    report: r.report,
    startedAt: r.started_at.getTime(),
    heartbeatAt: r.heartbeat_at.getTime(),
    silentMs: r.silent_ms,
  }));
}

/** Forgets a dead node: ERR_NODE_NOT_FOUND, or ERR_NODE_LIVE while it is live. */
export function removeNode(db: Db, n: Names, name: string): Promise<void> {
  return db.transaction(async (tx) => {
    const [row] = await tx.query<{ state: 'live' | 'dead' }>(
      `SELECT state FROM ${n.nodes} WHERE name = $1 FOR UPDATE`,
      [name],
    );
    if (!row) throw Errors.nodeNotFound(name);
    if (row.state === 'live') throw Errors.nodeLive(name);
    await tx.query(`DELETE FROM ${n.nodes} WHERE name = $1`, [name]);
  });
}

/** Writes the leader's placement: each node's slots; a node it leaves out gets none. */
export function publishAllocation(
  db: Db,
  n: Names,
  byNode: Readonly<Record<string, Allocation>>,
  origin: string,
): Promise<void> {
  return db.transaction(async (tx) => {
    await tx.query(`UPDATE ${n.nodes} SET allocation = coalesce($1::jsonb -> name, '{}'::jsonb)`, [
      JSON.stringify(byNode),
    ]);
    await notify(tx, n, 'allocation', origin, ['']);
  });
}

/**
 * This node leaves the cluster: its row goes, unless it still has running
 * jobs; then it stays, dead, so that the node's next start (or a reap) queues
 * them again as lost.
 */
export async function leave(db: Queryable, n: Names, me: Me): Promise<void> {
  await db.query(
    `WITH mine AS (SELECT name FROM ${n.nodes} WHERE name = $1 AND incarnation = $2 FOR UPDATE),
     busy AS (SELECT 1 FROM ${n.jobs} WHERE state = 'running' AND node = $1 LIMIT 1),
     gone AS (
       DELETE FROM ${n.nodes} WHERE name IN (SELECT name FROM mine) AND NOT EXISTS (SELECT 1 FROM busy)
       RETURNING 1
     )
     UPDATE ${n.nodes} SET state = 'dead'
     WHERE name IN (SELECT name FROM mine) AND EXISTS (SELECT 1 FROM busy)`,
    [me.node.name, me.incarnation],
  );
}
