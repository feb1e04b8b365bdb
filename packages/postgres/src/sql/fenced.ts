import {
  forgottenAtEnd,
  transition,
  type Job,
  type JobEvent,
  type RetentionPolicy,
} from '@cadre/core';
import type { Queryable } from '../db.js';
import type { Names } from '../names.js';
import { notify } from '../notifications.js';
import type { Claimant } from './claim.js';
import { settleFinished, type Changed, type Finished } from './settle.js';
import { forgetFenced, writeFenced } from './write-jobs.js';

/** The end of an attempt this node claimed: an outcome to settle, or an interrupt. */
export interface FencedChange {
  id: string;
  attempt: number;
  /**
   * The job as this node claimed it for `attempt`. While the fence holds, the
   * row is unchanged since that claim: every other writer of a running job
   * (a cancel, a reap) changes its state.
   */
  job: Job;
  event: Extract<JobEvent, { type: 'settle' } | { type: 'interrupt' }>;
  now: number;
}

/** What a batch of fenced changes did, in the order of the changes. */
export interface FencedResult {
  /** The job's new record, or null where the fence refused the change. */
  results: (Job | null)[];
  /**
   * Every change made, for `change` events: the new record and the one
   * before; the callbacks the batch fired or dropped come last.
   */
  changed: Changed[];
}

/**
 * Applies attempts' ends in one transaction. The fence: a change applies
 * only to a job still running attempt `attempt` on this node's incarnation;
 * anything else (cancelled, requeued after this node was declared dead, a
 * later attempt) refuses it.
 *
 * This is the hot path of throughput: one UPDATE, fenced in its WHERE, from
 * the records the node claimed, with no read of the rows before. The
 * callbacks of the jobs it finishes are settled in the same transaction
 * (settle.ts), after the jobs are written; the UPDATE returns each row's
 * `children`, so a batch without callbacks costs no statement more.
 *
 * A job that its end takes beyond `retention` at once (core's
 * `forgottenAtEnd`) is deleted first instead, fenced alike, unless callbacks
 * wait on it: no index entry and no search text is written for a record
 * that nobody will read.
 */
export async function applyFenced(
  tx: Queryable,
  n: Names,
  me: Claimant,
  changes: readonly FencedChange[],
  retention: RetentionPolicy,
  origin: string,
): Promise<FencedResult> {
  const current = new Map<string, Job>();
  const ended: { change: FencedChange; next: Job; previous: Job }[] = [];
  for (const c of changes) {
    const job = current.get(c.id) ?? c.job;
    // A second end of the same attempt in one batch finds it no longer running.
    if (job.state !== 'running' || job.attempts !== c.attempt) continue;
    const next = transition(job, c.event, c.now);
    current.set(c.id, next);
    ended.push({ change: c, next, previous: job });
  }
  // In id order, as every writer of several jobs locks them.
  const writes = ended
    .map(({ change, next }) => ({ job: next, attempt: change.attempt }))
    .sort((a, b) => (a.job.id < b.job.id ? -1 : a.job.id > b.job.id ? 1 : 0));
  const forgettable = writes.filter((w) => forgottenAtEnd(w.job, retention));
  const deleted = new Set(await forgetFenced(tx, n, me, forgettable));
  // Those the delete left (a lone job with callbacks, or refused) are written as any other.
  const written = await writeFenced(
    tx,
    n,
    me,
    writes.filter((w) => !deleted.has(w.job.id)),
  );
  for (const id of deleted) written.set(id, []);
  const applied = new Map<FencedChange, Job>();
  const changed: Changed[] = [];
  const finished: Finished[] = [];
  for (const { change, next, previous } of ended) {
    const children = written.get(next.id);
    if (children === undefined) continue;
    applied.set(change, next);
    changed.push({ job: next, previous });
    if (children.length > 0) finished.push({ job: next, children, now: change.now });
  }
  const settled = await settleFinished(tx, n, finished);
  const queued = [...applied.values(), ...settled.map((c) => c.job)]
    .filter((j) => j.state === 'queued')
    .map((j) => j.category);
  await notify(tx, n, 'work', origin, queued);
  return { results: changes.map((c) => applied.get(c) ?? null), changed: [...changed, ...settled] };
}
