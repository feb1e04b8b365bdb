import { isFinished, settleDependents, type FlowGraph, type Job } from '@cadre/core';
import type { Queryable } from '../db.js';
import type { Names } from '../names.js';
import { jobColumns, rowToJob, type JobRow } from '../rows.js';
import { writeJobs } from './write-jobs.js';

/** A job that the transaction has just brought to a final state (and written), with its callbacks. */
export interface Finished {
  job: Job;
  /** The ids of the jobs waiting on it (its row's `children`). */
  children: readonly string[];
  /** The time of the change that finished it. */
  now: number;
}

/** A change of a job's record, for `change` events: the new record and the one before. */
export interface Changed {
  job: Job;
  previous: Job;
}

/**
 * Flows: applies core's `settleDependents` to the callbacks waiting on jobs
 * that this transaction finished, in the same transaction, so that a
 * callback fires exactly once and durably with its cause. Writes the fired
 * (queued, with the input they run with) and dropped (cancelled) callbacks
 * and returns them in the order core gave them. Costs nothing when no
 * finished job has callbacks.
 *
 * Exactly once across nodes rests on an order of work under READ COMMITTED:
 * the finished jobs are written before this runs; a callback is locked
 * (FOR UPDATE) before it is judged; and the other parents of a chord are
 * read by a statement that starts after that lock is taken. Of two
 * transactions that finish two members of one chord, the one that locks the
 * chord second sees the first one's member committed, so exactly one of
 * them sees every member done. Locks go from parents to callbacks, in id
 * order within each statement, as the other writers of several jobs do.
 *
 * What settleDependents needs is loaded in rounds: the callbacks of the
 * finished jobs first (the common case: one round); then, when it asks for
 * more (the callbacks of a callback it dropped, a chord's other members),
 * those, and it is run again over what is loaded, until it asks for nothing
 * it does not have.
 */
export async function settleFinished(
  tx: Queryable,
  n: Names,
  finished: readonly Finished[],
): Promise<Changed[]> {
  const roots = finished.filter((f) => f.children.length > 0 && isFinished(f.job.state));
  if (roots.length === 0) return [];
  const known = new Map<string, Job>();
  const childrenOf = new Map<string, readonly string[]>();
  const locked = new Set<string>();
  /** Looked for and not found (pruned, or never created). */
  const absent = new Set<string>();
  for (const f of roots) {
    known.set(f.job.id, f.job);
    childrenOf.set(f.job.id, f.children);
    locked.add(f.job.id);
  }

  const load = async (ids: readonly string[], lock: 'row' | 'below' | 'none') => {
    const rows = await loadJobs(tx, n, ids, lock);
    for (const row of rows) {
      known.set(row.id, rowToJob(row));
      childrenOf.set(row.id, row.children);
      if (lock !== 'none') locked.add(row.id);
    }
    for (const id of ids) if (!known.has(id)) absent.add(id);
  };

  await load(
    unique(roots.flatMap((f) => f.children)).filter((id) => !locked.has(id)),
    'row',
  );
  for (;;) {
    const toLock = new Set<string>();
    const toRead = new Set<string>();
    /** Ids settleDependents met as a callback of a job it settles: judged only once locked. */
    const asChild = new Set<string>();
    const overlay = new Map<string, Job>();
    const graph: FlowGraph = {
      job: (id) => {
        const job = overlay.get(id) ?? known.get(id);
        if (asChild.has(id) && !locked.has(id) && !absent.has(id)) toLock.add(id);
        else if (job === undefined && !absent.has(id)) toRead.add(id);
        return job;
      },
      children: (id) => {
        const children = childrenOf.get(id) ?? [];
        for (const child of children) asChild.add(child);
        return children;
      },
    };
    const changed: Changed[] = [];
    for (const f of roots) {
      for (const next of settleDependents(f.job, graph, f.now)) {
        changed.push({ job: next, previous: known.get(next.id)! });
        overlay.set(next.id, next);
      }
    }
    if (toLock.size === 0 && toRead.size === 0) {
      const fired = changed.filter((c) => c.job.state === 'queued').map((c) => c.job.id);
      await writeJobs(
        tx,
        n,
        changed.map((c) => c.job),
        new Set(fired),
      );
      return changed;
    }
    if (toLock.size > 0) {
      // Callbacks of callbacks it dropped: their own are likely dropped too
      // (a failed chain's later steps), so the whole tree below is locked at once.
      await load([...toLock], 'below');
      // What was read before these locks may be older than they are: read it again.
      for (const id of known.keys()) if (!locked.has(id)) known.delete(id);
      continue;
    }
    await load([...toRead], 'none');
  }
}

const unique = (ids: readonly string[]): string[] => [...new Set(ids)];

/**
 * Jobs with their `children`: locked (`row`), locked with every job waiting
 * below them (`below`, through `children`), or only read (`none`).
 */
async function loadJobs(
  tx: Queryable,
  n: Names,
  ids: readonly string[],
  lock: 'row' | 'below' | 'none',
): Promise<(JobRow & { children: string[] })[]> {
  if (ids.length === 0) return [];
  const select = `SELECT ${jobColumns('j')}, j.children FROM ${n.jobs} AS j`;
  switch (lock) {
    case 'row':
      return tx.query(`${select} WHERE j.id = ANY($1::text[]) ORDER BY j.id FOR UPDATE`, [ids]);
    case 'below':
      return tx.query(
        `WITH RECURSIVE below(id) AS (
           SELECT unnest($1::text[])
           UNION
           SELECT unnest(x.children) FROM ${n.jobs} AS x JOIN below ON x.id = below.id
         )
         ${select} WHERE j.id IN (SELECT id FROM below) ORDER BY j.id FOR UPDATE OF j`,
        [ids],
      );
    case 'none':
      return tx.query(`${select} WHERE j.id = ANY($1::text[])`, [ids]);
  }
}
