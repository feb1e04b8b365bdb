import { transition } from '@cadre/core';
import type { Db, Queryable } from '../db.js';
import type { Names } from '../names.js';
import { notify } from '../notifications.js';
import { jobColumns, rowToJob, type JobRow } from '../rows.js';
import { settleFinished, type Changed } from './settle.js';
import { writeJobs } from './write-jobs.js';

export type Lost = Changed;

export interface LostJobs {
  /** The jobs queued again, or failed without retries left. */
  lost: Lost[];
  /** The callbacks waiting on those that failed: fired or dropped. */
  settled: Changed[];
}

/**
 * Queues again, as `lost`, the running jobs that `where` selects (a condition
 * on `j`): core's `lose` transition, the attempt counted, the node kept. A
 * job without retries left fails, and its callbacks are settled in the same
 * transaction. Returns each change.
 */
export async function loseRunning(
  tx: Queryable,
  n: Names,
  where: string,
  values: readonly unknown[],
  now: number,
  origin: string,
): Promise<LostJobs> {
  const rows = await tx.query<JobRow & { children: string[] }>(
    `SELECT ${jobColumns('j')}, j.children FROM ${n.jobs} AS j
     WHERE j.state = 'running' AND ${where}
     ORDER BY j.id
     FOR UPDATE`,
    values,
  );
  const lost = rows.map((row) => {
    const previous = rowToJob(row);
    return { previous, job: transition(previous, { type: 'lose' }, now) };
  });
  const jobs = lost.map((l) => l.job);
  await writeJobs(tx, n, jobs);
  const settled = await settleFinished(
    tx,
    n,
    rows.map((row, i) => ({ job: jobs[i]!, children: row.children, now })),
  );
  await notify(
    tx,
    n,
    'work',
    origin,
    [...jobs, ...settled.map((c) => c.job)]
      .filter((j) => j.state === 'queued')
      .map((j) => j.category),
  );
  return { lost, settled };
}

export interface Reaped {
  /** Per node: the nodes declared dead now, and any other node whose running jobs were queued again. */
  nodes: { node: string; requeued: number }[];
  lost: Lost[];
  /** The callbacks of the jobs that failed without retries left. */
  settled: Changed[];
}

/**
 * Declares dead the live nodes silent for longer than `timeoutMs` (by the
 * database's clock), then queues again every job running on a node that is
 * not live: theirs, and any a node left running when it closed or was
 * removed. Node rows are locked first, so that a claim in flight on a node
 * being declared dead either commits before (and is queued again here) or
 * finds the node dead (see claim.ts).
 */
export function reapNodes(
  db: Db,
  n: Names,
  timeoutMs: number,
  now: number,
  origin: string,
): Promise<Reaped> {
  return db.transaction(async (tx) => {
    const dead = await tx.query<{ name: string }>(
      `WITH silent AS (
         SELECT name FROM ${n.nodes}
         WHERE state = 'live' AND heartbeat_at < now() - $1 * interval '1 millisecond'
         ORDER BY name
         FOR UPDATE
       )
       UPDATE ${n.nodes} AS x SET state = 'dead' FROM silent WHERE x.name = silent.name
       RETURNING x.name`,
      [timeoutMs],
    );
    const { lost, settled } = await loseRunning(
      tx,
      n,
      `NOT EXISTS (SELECT 1 FROM ${n.nodes} AS x WHERE x.name = j.node AND x.state = 'live')`,
      [],
      now,
      origin,
    );
    const counts = new Map<string, number>(dead.map((d) => [d.name, 0]));
    for (const { previous } of lost) {
      counts.set(previous.node!, (counts.get(previous.node!) ?? 0) + 1);
    }
    const nodes = [...counts]
      .map(([node, requeued]) => ({ node, requeued }))
      .sort((a, b) => (a.node < b.node ? -1 : a.node > b.node ? 1 : 0));
    return { nodes, lost, settled };
  });
}
