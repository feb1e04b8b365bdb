/**
 * What the flow view and the job detail say of a flow: its jobs in one list,
 * how many are in each state, how often to poll it, and the job ids in a
 * callback's `upstream` message, to link them.
 */
import type { Job, JobState } from '@cadre/client';
import { JOB_STATES } from './job-states.js';

/** What these helpers read of a flow (the API's `Flow`). */
export interface FlowJobs<J = Job> {
  jobs: readonly J[];
  callback: J | null;
  callbacks: readonly J[];
}

/** Every job of the flow: its steps or members, its chord callback, then the other callbacks. */
export function allFlowJobs<J>(flow: FlowJobs<J>): J[] {
  return flow.callback === null
    ? [...flow.jobs, ...flow.callbacks]
    : [...flow.jobs, flow.callback, ...flow.callbacks];
}

/** How many jobs are in each state, in the lifecycle's order, leaving out states no job is in. */
export function countStates(jobs: readonly Pick<Job, 'state'>[]): [JobState, number][] {
  const counts = new Map<JobState, number>();
  for (const j of jobs) counts.set(j.state, (counts.get(j.state) ?? 0) + 1);
  return JOB_STATES.filter((s) => counts.has(s)).map((s) => [s, counts.get(s)!]);
}

/**
 * Whether a callback has fired (or a job outside any trigger has been
 * queued): it is neither waiting nor cancelled before it ever started.
 */
export function hasFired(job: Pick<Job, 'state' | 'startedAt'>): boolean {
  if (job.state === 'waiting') return false;
  return job.state !== 'cancelled' || job.startedAt !== null;
}

/** About once a second. */
export const FLOW_POLL_MS = 1000;
/**
 * A poll that took `tookMs` waits at least four times that, and a big flow
 * 2 ms a job (2 s for a group of 1,000, whose answer is some 400 kB): a
 * flow on a busy server, or a big one, is asked less often.
 */
const POLL_BACKOFF = 4;
const POLL_MS_PER_JOB = 2;
const MAX_POLL_MS = 10_000;

/** The wait before polling a running flow of `jobs` jobs again, after a poll that took `tookMs`. */
export function nextPollMs(tookMs: number, jobs = 0): number {
  const slow = Number.isFinite(tookMs) && tookMs > 0 ? tookMs * POLL_BACKOFF : 0;
  const big = Number.isFinite(jobs) && jobs > 0 ? jobs * POLL_MS_PER_JOB : 0;
  return Math.min(MAX_POLL_MS, Math.max(FLOW_POLL_MS, Math.round(slow), big));
}

/** When a callback runs and what it receives, in words: "on success, with its parent’s result". */
export function describeTrigger(trigger: NonNullable<Job['trigger']>): string {
  const when = trigger.on === 'error' ? 'on error' : 'on success';
  const what = {
    result: 'with its parent’s result',
    results: 'with the results of all its parents',
    error: 'with its parent’s error',
    nothing: 'with its own input',
  }[trigger.pass];
  return `${when}, ${what}`;
}

export type MessagePart = { text: string } | { jobId: string };

/**
 * A message cut around the ids of `ids` it names as `job <id>`, so that
 * they can be links: an `upstream` message names the parent that failed or
 * was cancelled ("job 0193… failed: boom").
 */
export function linkJobIds(message: string, ids: readonly string[]): MessagePart[] {
  const known = new Set(ids);
  const parts: MessagePart[] = [];
  let from = 0;
  for (const m of message.matchAll(/\bjob ([^\s,:;]+)/g)) {
    const id = m[1]!;
    if (!known.has(id)) continue;
    const start = m.index + 'job '.length;
    if (start > from) parts.push({ text: message.slice(from, start) });
    parts.push({ jobId: id });
    from = start + id.length;
  }
  if (from < message.length) parts.push({ text: message.slice(from) });
  return parts;
}
