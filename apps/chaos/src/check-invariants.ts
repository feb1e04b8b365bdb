/**
 * The chaos checker: a pure function from what the client was told, what the
 * server holds at the end, and what the tasks logged, to figures and
 * violations. What is checked, and why it is right:
 *
 * 1. No loss. Every acknowledged job (201/200 with an id) exists, under the
 *    key it was submitted with: the API answers only once a job is durable.
 * 2. No phantom. Every stored job carries a key the chaos client sent; no key
 *    is stored twice (idempotency keys are unique). Jobs from requests whose
 *    answer a kill cut off ("in doubt") may or may not exist: both are right.
 * 3. Everything finished. After the final restart has drained, every stored
 *    job is succeeded, failed or cancelled; the categories and the stats show
 *    no queued, delayed, retrying or running job; listing by each state gives
 *    exactly the jobs of the unfiltered listing, each under its own state, and
 *    the total is acknowledged + stored-in-doubt.
 * 4. Executions. A job may run again only after (a) an attempt that fails by
 *    design (the chaos tasks fail as a pure function of the attempt number),
 *    or (b) a kill -9 of the process that ran it. So, for consecutive
 *    executions of one job: within one epoch (server process), the earlier one
 *    must be a designed failure that did not return ok; across epochs, the
 *    earlier epoch must have been killed. A successful execution repeated
 *    (a "duplicate") therefore always lies in a killed epoch.
 * 5. Attempts agree with executions. No execution has an attempt number above
 *    the stored `attempts`, and `attempts ≤ maxRetries + 1`. A succeeded job's
 *    last attempt returned ok in the log; a job failed by its own error has its
 *    last attempt in the log (only a job whose last attempt was lost, kind
 *    'lost', may lack it). A job that needed more attempts than its design
 *    explains (attempts > attemptsToSucceed) must say why: lastError 'lost',
 *    or 'interrupted' in a cluster: a node claims a few jobs ahead of its
 *    threads, and one killed while holding them has them queued again as
 *    lost, attempt counted, without a run; a later hand back of claimed-ahead
 *    jobs (which gives its own attempt back) then writes its own kind.
 * 6. Results. A succeeded job ends as designed (echo returns its input, flaky
 *    the attempt it succeeded on); one designed to succeed may end failed only
 *    through losses (lastError 'lost'); a job designed to fail never succeeds.
 *
 * The start of an attempt is recorded without waiting for the disk, so a kill
 * may leave the same attempt number executed twice: allowed by 4 (killed
 * epoch), and counted as "same-attempt re-runs".
 *
 * Jobs of flows carry no key: 1 and 2 and the totals of 3 are checked for
 * them flow by flow, with what else flows promise, in check-flows.ts; 3 to 6
 * hold for them as for any job, except that a callback that will never fire
 * ends cancelled (kind `upstream`) without anyone cancelling it.
 */
import type { CategoryView, Job, JobState, Stats } from '@cadre/client';
import { FINISHED_STATES, JOB_STATES, type Flow } from '@cadre/core';
import {
  checkFlows,
  type AcknowledgedFlow,
  type FlowFigures,
  type InDoubtFlow,
} from './check-flows.js';
import type { Execution } from './exec-log.js';
import { attemptsToSucceed, failsByDesign, ownInput } from './job-mix.js';

export const TERMINAL: readonly JobState[] = [...FINISHED_STATES];
export const ALL_STATES: readonly JobState[] = JOB_STATES;
/** The counters of categories and stats that must be 0 once everything has finished. */
const PENDING = ['waiting', 'queued', 'delayed', 'retrying', 'running'] as const;

export interface Acknowledged {
  id: string;
  key: string;
}

export interface InDoubt {
  key: string;
  /** Requests of one batch share it: a batch is stored whole or not at all. */
  batch: number;
}

export interface ChaosObservation {
  acknowledged: readonly Acknowledged[];
  inDoubt: readonly InDoubt[];
  /** The unfiltered listing at the end. */
  jobs: readonly Job[];
  /** The listing by each state at the end. */
  jobsByState: Readonly<Record<JobState, readonly Job[]>>;
  categories: readonly CategoryView[];
  stats: Stats;
  executions: readonly Execution[];
  malformedLogLines: number;
  /** Epochs whose server was killed with SIGKILL. */
  killedEpochs: ReadonlySet<number>;
  flows: readonly AcknowledgedFlow[];
  flowsInDoubt: readonly InDoubtFlow[];
  /** GET /api/flows/:id of each acknowledged flow at the end (those found). */
  servedFlows: readonly Flow[];
}

export interface ChaosFigures {
  acknowledged: number;
  inDoubt: number;
  inDoubtStored: number;
  partialBatches: number;
  stored: number;
  lost: number;
  phantom: number;
  notTerminal: number;
  executions: number;
  /** Jobs executed again where no designed failure explains it (a kill interrupted them). */
  rerun: number;
  /** Jobs with more than one successful execution. */
  duplicates: number;
  /** Executions of an attempt number already executed (its start was not yet durable). */
  sameAttemptReruns: number;
  /** Jobs whose lastError is kind 'lost'. */
  lostAttempts: number;
  states: Record<JobState, number>;
  flows: FlowFigures;
}

export interface ChaosVerdict {
  figures: ChaosFigures;
  /** Kind → examples (at most a few per kind) and count. */
  violations: Record<string, { count: number; examples: string[] }>;
  ok: boolean;
}

export function checkInvariants(obs: ChaosObservation): ChaosVerdict {
  const violations: ChaosVerdict['violations'] = {};
  const violate = (kind: string, example: string): void => {
    const v = (violations[kind] ??= { count: 0, examples: [] });
    v.count += 1;
    if (v.examples.length < 5) v.examples.push(example);
  };

  const byId = new Map<string, Job>();
  const byKey = new Map<string, Job>();
  let loneJobs = 0;
  for (const job of obs.jobs) {
    if (byId.has(job.id)) violate('listed twice', job.id);
    byId.set(job.id, job);
    if (job.flowId !== null) continue;
    loneJobs += 1;
    if (job.key === null) {
      violate('phantom job', `${job.id} has no key`);
      continue;
    }
    if (byKey.has(job.key))
      violate('duplicate key', `${job.key}: ${byKey.get(job.key)!.id}, ${job.id}`);
    byKey.set(job.key, job);
  }

  // 1, 2
  let lost = 0;
  const ackKeys = new Set<string>();
  for (const ack of obs.acknowledged) {
    ackKeys.add(ack.key);
    const job = byId.get(ack.id);
    if (job === undefined) {
      lost += 1;
      violate('lost', `${ack.id} (key ${ack.key})`);
    } else if (job.key !== ack.key) {
      violate('acknowledged id holds another job', `${ack.id}: key ${job.key}, sent ${ack.key}`);
    }
  }
  const doubtKeys = new Set(obs.inDoubt.map((d) => d.key));
  let phantom = 0;
  for (const job of obs.jobs) {
    if (job.key !== null && !ackKeys.has(job.key) && !doubtKeys.has(job.key)) {
      phantom += 1;
      violate('phantom job', `${job.id} key ${job.key}`);
    }
  }
  const batches = new Map<number, { sent: number; stored: number }>();
  let inDoubtStored = 0;
  for (const d of obs.inDoubt) {
    const b = batches.get(d.batch) ?? { sent: 0, stored: 0 };
    b.sent += 1;
    if (byKey.has(d.key)) {
      b.stored += 1;
      inDoubtStored += 1;
    }
    batches.set(d.batch, b);
  }
  const partialBatches = [...batches.values()].filter(
    (b) => b.stored > 0 && b.stored < b.sent,
  ).length;

  // 3
  const states = Object.fromEntries(ALL_STATES.map((s) => [s, 0])) as Record<JobState, number>;
  let notTerminal = 0;
  for (const job of obs.jobs) {
    states[job.state] += 1;
    if (!TERMINAL.includes(job.state)) {
      notTerminal += 1;
      violate('not terminal', `${job.id} is ${job.state}`);
    }
  }
  const seen = new Set<string>();
  for (const state of ALL_STATES) {
    for (const job of obs.jobsByState[state]) {
      if (job.state !== state)
        violate('listing by state', `${job.id} listed as ${state}, is ${job.state}`);
      if (seen.has(job.id)) violate('listing by state', `${job.id} listed under two states`);
      seen.add(job.id);
      if (!byId.has(job.id)) violate('listing by state', `${job.id} missing from the full listing`);
    }
  }
  if (seen.size !== obs.jobs.length) {
    violate(
      'listing by state',
      `${seen.size} jobs by state, ${obs.jobs.length} in the full listing`,
    );
  }
  if (loneJobs !== obs.acknowledged.length - lost + inDoubtStored) {
    violate(
      'totals',
      `${loneJobs} lone jobs stored ≠ ${obs.acknowledged.length - lost} acknowledged + ${inDoubtStored} in doubt`,
    );
  }
  for (const c of obs.categories) {
    for (const field of PENDING) {
      if (c[field] !== 0) violate('category counters', `${c.name}.${field} = ${c[field]}`);
    }
  }
  for (const field of PENDING) {
    if (obs.stats[field] !== 0) violate('stats counters', `${field} = ${obs.stats[field]}`);
  }

  // 4, 5, 6
  if (obs.malformedLogLines > 0)
    violate('executions log', `${obs.malformedLogLines} malformed lines`);
  const runs = new Map<string, Execution[]>();
  for (const e of obs.executions) {
    const list = runs.get(e.jobId);
    if (list) list.push(e);
    else runs.set(e.jobId, [e]);
  }
  let rerun = 0;
  let duplicates = 0;
  let sameAttemptReruns = 0;
  let lostAttempts = 0;
  for (const [jobId, list] of runs) {
    const job = byId.get(jobId);
    if (job === undefined) {
      violate('execution of an unknown job', jobId);
      continue;
    }
    // In the order of the log, which is the order of time: epochs follow one
    // another for one server, but a cluster's node processes run side by side.
    list.sort((a, b) => a.seq - b.seq);
    const starts = list.filter((e) => !e.ok);
    const oks = list.filter((e) => e.ok);
    let rerunByKill = false;
    if (oks.length > 1) duplicates += 1;
    const attemptsSeen = new Set<number>();
    for (const [i, s] of starts.entries()) {
      if (attemptsSeen.has(s.attempt)) sameAttemptReruns += 1;
      attemptsSeen.add(s.attempt);
      if (s.attempt > job.attempts) {
        violate(
          'attempt above attempts',
          `${jobId}: ran attempt ${s.attempt}, stored ${job.attempts}`,
        );
      }
      const next = starts[i + 1];
      if (next === undefined) continue;
      const returnedOk = oks.some((o) => o.epoch === s.epoch && o.attempt === s.attempt);
      if (failsByDesign(job, s.attempt) && !returnedOk) continue;
      // Not a designed retry: only a kill of the process that ran `s` explains `next`.
      rerunByKill = true;
      if (next.epoch === s.epoch) {
        violate(
          'ran again without a failure or a kill',
          `${jobId} (${job.task}) attempt ${s.attempt} then ${next.attempt} in epoch ${s.epoch}`,
        );
      } else if (!obs.killedEpochs.has(s.epoch)) {
        violate('ran again after a clean stop', `${jobId} epoch ${s.epoch} → ${next.epoch}`);
      }
    }
    if (rerunByKill) rerun += 1;
    for (const o of oks.slice(0, -1)) {
      if (!obs.killedEpochs.has(o.epoch)) {
        violate(
          'duplicate success outside a kill',
          `${jobId} attempt ${o.attempt} epoch ${o.epoch}`,
        );
      }
    }
  }
  for (const job of obs.jobs) {
    if (job.lastError?.kind === 'lost') lostAttempts += 1;
    if (job.attempts > job.maxRetries + 1) {
      violate(
        'attempts above maxRetries + 1',
        `${job.id}: ${job.attempts} > ${job.maxRetries} + 1`,
      );
    }
    const list = runs.get(job.id) ?? [];
    const lastOk = list.some((e) => e.ok && e.attempt === job.attempts);
    const lastRan = list.some((e) => !e.ok && e.attempt === job.attempts);
    const needed = attemptsToSucceed(job);
    if (job.state === 'succeeded') {
      if (!lastOk)
        violate('succeeded without a logged success', `${job.id} attempt ${job.attempts}`);
      if (needed === null) violate('designed to fail, succeeded', `${job.id} (${job.task})`);
      else if (job.attempts > needed && !explainsExtraAttempts(job)) {
        violate(
          'extra attempts without a loss',
          `${job.id} (${job.task}) ${job.attempts} attempts, needs ${needed}, lastError ${job.lastError?.kind ?? 'none'}`,
        );
      }
      if (!resultAsDesigned(job)) violate('wrong result', `${job.id} (${job.task})`);
    } else if (job.state === 'cancelled') {
      // A callback that will never fire is dropped: check-flows.ts says whether rightly.
      if (job.trigger === null || job.lastError?.kind !== 'upstream') {
        violate('cancelled, though nobody cancelled', job.id);
      }
    } else if (job.state === 'failed') {
      if (job.lastError?.kind !== 'lost' && !lastRan) {
        violate('failed attempt not logged', `${job.id} attempt ${job.attempts}`);
      }
      if (needed !== null && needed <= job.maxRetries + 1 && job.lastError?.kind !== 'lost') {
        violate(
          'designed to succeed, failed',
          `${job.id} (${job.task}) ${job.lastError?.kind ?? ''}`,
        );
      }
    }
  }

  const flows = checkFlows(obs, violate);

  const figures: ChaosFigures = {
    acknowledged: obs.acknowledged.length,
    inDoubt: obs.inDoubt.length,
    inDoubtStored,
    partialBatches,
    stored: obs.jobs.length,
    lost,
    phantom,
    notTerminal,
    executions: obs.executions.filter((e) => !e.ok).length,
    rerun,
    duplicates,
    sameAttemptReruns,
    lostAttempts,
    states,
    flows,
  };
  return { figures, violations, ok: Object.keys(violations).length === 0 };
}

function resultAsDesigned(job: Job): boolean {
  switch (job.task) {
    case 'echo':
      return JSON.stringify(job.result) === JSON.stringify(job.input);
    case 'flaky':
      return (job.result as { attempt?: unknown } | null)?.attempt === job.attempts;
    case 'sleep':
      return (
        (job.result as { slept?: unknown } | null)?.slept ===
        ((ownInput(job.input) as { ms?: unknown } | null)?.ms ?? 100)
      );
    default:
      return true;
  }
}

/** A loss counted an attempt that never ran; a hand back after it keeps the count and names itself. */
function explainsExtraAttempts(job: Job): boolean {
  return job.lastError?.kind === 'lost' || job.lastError?.kind === 'interrupted';
}
