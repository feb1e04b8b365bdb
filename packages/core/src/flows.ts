/**
 * Flows: callbacks, chains, groups and chords, as pure rules over job records.
 *
 * A callback is a job created `waiting` with its parents, in the same commit.
 * When a job reaches a final state, `settleDependents` decides what happens to
 * the callbacks waiting on it (and, through the ones it cancels, to theirs):
 * each fires (`queued`, with the input it runs with) or is dropped
 * (`cancelled`, kind `upstream`), or keeps waiting (a chord whose other
 * members have not finished). A backend commits those changes with the
 * change that caused them, so a callback fires exactly once: only a
 * `waiting` job can fire, and the firing is durable with its cause.
 *
 * Failures travel down: a success callback of a job that failed is dropped,
 * and the error callbacks of a dropped job run with the error that started
 * it, so a chain's later steps and a chord's callback can report a failure
 * upstream of them. A job cancelled by a person starts no error callback.
 */
import type { FlowRole, Job, Json } from './job.js';
import { isFinished } from './job.js';
import { transition, type JobEvent } from './transitions.js';

/** What `settleDependents` reads: the jobs as they stand, and who waits on whom. */
export interface FlowGraph {
  /** The job's current record (already showing the change being settled), or undefined if unknown. */
  job(id: string): Job | undefined;
  /** The ids of the jobs that list `id` among their parents. */
  children(id: string): readonly string[];
}

/**
 * The changes that `done`, which just reached a final state, makes to the
 * callbacks waiting on it, transitively, in the order to apply them. Empty
 * when `done` is not final or nothing waits on it. The graph must already
 * hold `done`'s new record; the changes returned are not applied to it.
 */
export function settleDependents(done: Job, graph: FlowGraph, now: number): Job[] {
  if (!isFinished(done.state)) return [];
  const changed = new Map<string, Job>();
  const look = (id: string): Job | undefined => changed.get(id) ?? graph.job(id);
  const pending: Settled[] = [{ job: done, failure: failureOf(done) }];
  for (let i = 0; i < pending.length; i += 1) {
    const parent = pending[i]!;
    for (const id of graph.children(parent.job.id)) {
      const child = look(id);
      if (child === undefined || child.state !== 'waiting' || child.trigger === null) continue;
      const verdict = decide(parent, child, look);
      if (verdict === null) continue;
      const next = transition(child, verdict.event, now);
      changed.set(id, next);
      if (next.state === 'cancelled') pending.push({ job: next, failure: verdict.failure });
    }
  }
  return [...changed.values()];
}

/** A finished job, and the failure it carries down (null: none, e.g. a success or a person's cancel). */
interface Settled {
  job: Job;
  failure: string | null;
}

interface Verdict {
  event: Extract<JobEvent, { type: 'fire' } | { type: 'drop' }>;
  /** For a drop: the failure the dropped job carries on to its own callbacks. */
  failure: string | null;
}

function failureOf(job: Job): string | null {
  return job.state === 'failed' ? (job.lastError?.message ?? 'the job failed') : null;
}

/** What `parent` finishing means for `child`, which waits on it; null: it keeps waiting. */
function decide(
  parent: Settled,
  child: Job,
  look: (id: string) => Job | undefined,
): Verdict | null {
  const trigger = child.trigger!;
  const p = parent.job;
  if (trigger.on === 'error') {
    if (parent.failure !== null) {
      const input = trigger.pass === 'nothing' ? child.input : [parent.failure, ...argsOf(child)];
      return fire(input);
    }
    return drop(
      p.state === 'succeeded'
        ? `job ${p.id} succeeded, so this error callback does not run`
        : `job ${p.id} was cancelled, so this error callback does not run`,
      null,
    );
  }
  if (p.state !== 'succeeded') return dropAfter(p, parent.failure);
  switch (trigger.pass) {
    case 'result':
      return fire([p.result, ...argsOf(child)]);
    case 'results': {
      const results: Json[] = [];
      for (const id of child.parents) {
        const member = look(id);
        if (member === undefined)
          return drop(`job ${id}, which it waited for, no longer exists`, null);
        if (member.state === 'succeeded') results.push(member.result);
        else if (isFinished(member.state)) return dropAfter(member, failureOf(member));
        else return null;
      }
      return fire([results, ...argsOf(child)]);
    }
    case 'error':
    case 'nothing':
      return fire(child.input);
  }
}

function dropAfter(parent: Job, failure: string | null): Verdict {
  const what = parent.state === 'failed' ? 'failed' : 'was cancelled';
  return drop(`job ${parent.id} ${what}${failure === null ? '' : `: ${failure}`}`, failure);
}

function fire(input: Json): Verdict {
  return { event: { type: 'fire', input }, failure: null };
}

function drop(message: string, failure: string | null): Verdict {
  return { event: { type: 'drop', message }, failure };
}

/** A callback's own arguments: its input as submitted, an array or absent (null) for []. */
function argsOf(job: Job): Json[] {
  if (job.input === null) return [];
  return Array.isArray(job.input) ? job.input : [job.input];
}

// ── flows as a whole ─────────────────────────────────────────────────────────

export const FLOW_KINDS = ['chain', 'group'] as const;
export type FlowKind = (typeof FLOW_KINDS)[number];
export const FLOW_STATES = ['running', 'succeeded', 'failed', 'cancelled'] as const;
export type FlowState = (typeof FLOW_STATES)[number];

/** Most jobs one chain may have. */
export const MAX_CHAIN_JOBS = 100;
/** Most jobs one group may have (its callback aside). */
export const MAX_GROUP_JOBS = 1000;
/** Most jobs one request may create, callbacks included. */
export const MAX_REQUEST_JOBS = 10_000;
/** Deepest nesting of callbacks. */
export const MAX_CALLBACK_DEPTH = 32;

export interface Flow {
  id: string;
  kind: FlowKind;
  /**
   * `running` while any of its jobs (callbacks included) has not finished;
   * then `succeeded` if its jobs and callback all succeeded, else `failed`
   * if any of them failed, else `cancelled`.
   */
  state: FlowState;
  /** A chain's steps, or a group's members, in order. */
  jobs: Job[];
  /** A group's chord callback, or null. */
  callback: Job | null;
  /** The other callbacks of its jobs (their onSuccess and onError, at any depth), oldest first. */
  callbacks: Job[];
  createdAt: string;
}

const IN_JOBS: ReadonlySet<FlowRole> = new Set(['step', 'member']);

/**
 * The flow that `jobs` (every job with flowId `id`, in any order) make up, or
 * null when there are none. Ids sort by creation, and a flow's steps and
 * members are created in their order.
 */
export function flowView(id: string, jobs: readonly Job[]): Flow | null {
  if (jobs.length === 0) return null;
  const sorted = [...jobs].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const main = sorted.filter((j) => j.flowRole !== null && IN_JOBS.has(j.flowRole));
  const callback = sorted.find((j) => j.flowRole === 'chord') ?? null;
  const callbacks = sorted.filter((j) => j.flowRole === 'callback');
  const kind: FlowKind = main.some((j) => j.flowRole === 'step') ? 'chain' : 'group';
  return {
    id,
    kind,
    state: flowState(sorted, callback === null ? main : [...main, callback]),
    jobs: main,
    callback,
    callbacks,
    createdAt: sorted[0]!.createdAt,
  };
}

function flowState(all: readonly Job[], counted: readonly Job[]): FlowState {
  if (all.some((j) => !isFinished(j.state))) return 'running';
  if (counted.every((j) => j.state === 'succeeded')) return 'succeeded';
  return counted.some((j) => j.state === 'failed') ? 'failed' : 'cancelled';
}
