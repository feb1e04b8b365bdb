/**
 * This node's threads: fills each category's slots with jobs it claims from
 * the backend, runs them on the pool, and reports their outcomes.
 *
 * - Jobs go to the threads in batches (`nextBatchSize`): a batch is one round
 *   trip to a thread for jobs of one category, run one after another, and
 *   takes one slot. A category has `allocated` threads here (the leader's
 *   placement for this node), each running up to `concurrency` of its batches
 *   at once. The threads used never exceed the pool's, so shrinking a
 *   category never kills a job: it takes effect as its batches finish.
 * - Every job of a batch is `running` from its claim; a job of a batch that
 *   did not run to an outcome through no fault of its own (`interrupted`: its
 *   thread died under another job) is handed back, its attempt not counted.
 *   A batch that outruns `BATCHING.cutMs` (its jobs turned slow) sends back
 *   the jobs it has not started: they wait first in line for the next batch,
 *   or go back to the queue if the category is paused meanwhile.
 * - A category is claimed from only while it may have work (`maybeWork`):
 *   set by hints (a job queued, a wake from the backend, every tick), cleared
 *   when a claim comes back empty. One claim per category is in flight at a time.
 * - A thread is free as soon as its attempt ends; the outcome is recorded
 *   behind (the backend fences it by node and attempt).
 * - A category with a rate limit is claimed with `claimLimited`: the backend
 *   gives at most what the window has left (so no batch takes more than the
 *   budget), and says when a full window frees a start (`heldUntil`). The
 *   category is not claimed from until then; one timer wakes it then, so it
 *   neither spins on empty claims nor waits longer than the window needs.
 *   It is never claimed ahead: its starts (counted at the claim) stay its runs.
 * - Where a claim is a round trip (`backend.claimsAhead`), a category of short
 *   jobs is claimed ahead of its free threads (`claimAhead`): those jobs wait
 *   in `ahead`, running on this node as far as the cluster sees, and start as
 *   threads free up. They are handed back (their attempt not counted) when
 *   the category is paused or loses its slots here, and at stop.
 * - Each attempt's wait (its claim, less when it was due) and its end (how,
 *   and its run time, as the job's `durationMs` counts it) go to the metrics
 *   history recorder: a few array increments, no I/O (history-flusher.ts
 *   writes them behind).
 */
import {
  BATCHING,
  CLAIM_AHEAD,
  EndRate,
  JobTime,
  waitOf,
  type HistoryRecorder,
  nextBatchSize,
  backoffDelay,
  claimAhead,
  withProgress,
  type Allocation,
  type AttemptOutcome,
  type Job,
} from '@cadre/core';
import type { BatchOutcome, RunRequest, TaskPool } from '@cadre/pool';
import type { AttemptRef, Backend } from '@cadre/store';
import type { CategorySettings } from './category-settings.js';
import type { Clock, Logger } from './engine-options.js';

const MAX_TIMER_MS = 2 ** 31 - 1;

interface Slots {
  /** Threads the leader lets this node give the category. */
  allocated: number;
  /** Batches on a thread now (a cancelled attempt holds its batch's slot until the batch ends). */
  batches: number;
  /** Batch slots a claim in flight may fill. */
  claiming: number;
  /** A claim is in flight. */
  inFlight: boolean;
  maybeWork: boolean;
  /** Its rate limit holds it until then (epoch ms, by the clock); 0 when not held. */
  heldUntil: number;
  /** Wakes it at `heldUntil`. */
  heldTimer: NodeJS.Timeout | null;
  /** Claimed, not started yet: they start as threads free up. */
  ahead: Job[];
  /** Its attempts that ended here, per second (sizes the claims ahead). */
  readonly ended: EndRate;
  /** Its time per job on a thread (sizes its batches). */
  readonly jobTime: JobTime;
}

export interface DispatcherOptions {
  backend: Backend;
  pool: TaskPool;
  threads: number;
  categories: ReadonlyMap<string, CategorySettings>;
  clock: Clock;
  random: () => number;
  log: Logger;
  /** Where attempts' waits and ends are counted (metrics history). */
  history: HistoryRecorder;
  /** A running job changed on this node without the backend (progress). */
  onProgress(job: Job): void;
  /** Threads idle while a category with work has no free slot: the allocation is stale. */
  onStarved(): void;
}

export class Dispatcher {
  readonly #o: DispatcherOptions;
  readonly #slots = new Map<string, Slots>();
  /** Attempts running on this node, as claimed (with their progress). */
  readonly #running = new Map<string, Job>();
  /** Jobs on the threads now. */
  #busy = 0;
  readonly #claims = new Set<Promise<void>>();
  #open = true;
  #filling = false;
  #drained: (() => void) | null = null;

  constructor(options: DispatcherOptions) {
    this.#o = options;
    for (const name of options.categories.keys()) this.#slotsOf(name);
  }

  /** Jobs on the threads now. */
  get busy(): number {
    return this.#busy;
  }

  /** The record of a job this node runs now, with its progress; undefined otherwise. */
  running(id: string): Job | undefined {
    return this.#running.get(id);
  }

  /** Takes this node's new slots, and fills them. */
  setAllocation(allocation: Allocation): void {
    for (const [name, s] of this.#slots) {
      const n = allocation[name] ?? 0;
      // More room: look again, the category may have work we stopped asking for.
      if (n > s.allocated) s.maybeWork = true;
      s.allocated = n;
    }
    this.fill();
  }

  /** Work may have arrived in `category` (every category when absent). */
  hint(category?: string): void {
    if (category === undefined) for (const s of this.#slots.values()) s.maybeWork = true;
    else {
      const s = this.#slots.get(category);
      if (!s) return;
      s.maybeWork = true;
    }
    this.fill();
  }

  /** Starts what was claimed, and claims work for every category with free slots. */
  fill(): void {
    if (!this.#open || this.#filling) return;
    this.#filling = true;
    try {
      let starved = false;
      for (const [name, s] of this.#slots) {
        const cat = this.#o.categories.get(name)!;
        if (!cat.runnable) {
          if (s.ahead.length > 0) this.#handBack(s);
          continue;
        }
        // No slots here any more: what was claimed ahead goes back (work waiting still asks below).
        if (s.allocated === 0 && s.ahead.length > 0) this.#handBack(s);
        const limit = s.jobTime.limit();
        let free = this.#freeBatches(s, cat.concurrency);
        while (s.ahead.length > 0 && free > 0) {
          const size = nextBatchSize(s.ahead.length, free, limit);
          this.#start(name, s, cat.concurrency, s.ahead.splice(0, size));
          free = this.#freeBatches(s, cat.concurrency);
        }
        if (!s.maybeWork || s.inFlight) continue;
        // Its rate limit's window is full: its timer claims again when it frees a start.
        if (s.heldUntil !== 0 && s.heldUntil > this.#o.clock.now()) continue;
        if (allowedBatches(s, cat.concurrency) <= 0 && this.#threadsUsed() < this.#o.threads) {
          starved = true;
        }
        // Jobs claimed earlier still wait for a slot: claim only ahead.
        const run = s.ahead.length > 0 ? 0 : free;
        const ahead =
          this.#o.backend.claimsAhead && cat.rateLimit === null ? this.#toClaimAhead(s) : 0;
        if (run + ahead > 0) this.#claim(name, s, run, run * limit + ahead);
      }
      if (starved && this.#threadsUsed() < this.#o.threads) {
        // Asked once per hint: a category that stays capped does not ask again and again.
        for (const [name, s] of this.#slots) {
          const concurrency = this.#o.categories.get(name)!.concurrency;
          if (allowedBatches(s, concurrency) <= 0) s.maybeWork = false;
        }
        this.#o.onStarved();
      }
    } finally {
      this.#filling = false;
    }
  }

  /** Threads in use or promised to a claim in flight: a category's batches over its concurrency. */
  #threadsUsed(): number {
    let used = 0;
    for (const [name, s] of this.#slots) {
      const own = s.batches + s.claiming;
      if (own > 0) used += Math.ceil(own / this.#o.categories.get(name)!.concurrency);
    }
    return used;
  }

  /** Batches the category may start now: within its threads here, and the threads left idle. */
  #freeBatches(s: Slots, concurrency: number): number {
    const own = s.batches + s.claiming;
    const idle = this.#o.threads - this.#threadsUsed();
    const byThreads = (Math.ceil(own / concurrency) + idle) * concurrency - own;
    return Math.max(0, Math.min(allowedBatches(s, concurrency), byThreads));
  }

  /**
   * How many to claim ahead now: none while the buffer holds more than half
   * its target, then up to the target, so that claims stay few and large.
   */
  #toClaimAhead(s: Slots): number {
    const target = claimAhead(s.ended.rate(this.#o.clock.now()));
    return s.ahead.length > target / 2 ? 0 : target - s.ahead.length;
  }

  /** Claims up to `jobs` jobs, holding `slots` batch slots for them meanwhile. */
  #claim(category: string, s: Slots, slots: number, jobs: number): void {
    s.inFlight = true;
    s.claiming = slots;
    const settle = () => {
      s.inFlight = false;
      s.claiming = 0;
    };
    // Read as the claim runs: its jobs start then, not when it was asked for.
    const now = () => this.#o.clock.now();
    const limit = this.#o.categories.get(category)!.rateLimit;
    const claimed =
      limit === null
        ? this.#o.backend.claim(category, jobs, now)
        : this.#o.backend.claimLimited(category, jobs, limit, now).then((c) => {
            this.#hold(s, c.heldUntil);
            return c.jobs;
          });
    const claim = claimed.then(
      (claimed) => {
        settle();
        // None left to claim; a short claim may only have met rows another node
        // was taking, so the next free slot asks again.
        if (claimed.length === 0) s.maybeWork = false;
        const history = this.#o.history;
        // One claim, one start time for all its jobs.
        const startedAt = claimed.length === 0 ? 0 : Date.parse(claimed[0]!.startedAt!);
        for (const job of claimed) {
          this.#running.set(job.id, job);
          s.ahead.push(job);
          history.started(category, waitOf(job, startedAt), startedAt);
        }
        this.fill();
      },
      (err: unknown) => {
        settle();
        this.#o.log.warn({ err, category }, 'could not claim jobs; trying again at the next tick');
      },
    );
    this.#claims.add(claim);
    void claim.finally(() => this.#claims.delete(claim));
  }

  /**
   * Holds the category until `until` (its rate limit's window is full), or
   * lets it go (null). One timer per category wakes it then.
   */
  #hold(s: Slots, until: number | null): void {
    if (s.heldTimer !== null) clearTimeout(s.heldTimer);
    s.heldTimer = null;
    s.heldUntil = until ?? 0;
    if (until === null) return;
    const wait = Math.min(Math.max(0, until - this.#o.clock.now()), MAX_TIMER_MS);
    s.heldTimer = setTimeout(() => {
      s.heldTimer = null;
      s.heldUntil = 0;
      s.maybeWork = true;
      this.fill();
    }, wait);
  }

  /** The category's rate limit changed: whatever held it no longer does. */
  release(category: string): void {
    const s = this.#slots.get(category);
    if (!s) return;
    this.#hold(s, null);
    s.maybeWork = true;
    this.fill();
  }

  /** Whether the category's rate limit holds its queued jobs here now. */
  held(category: string): boolean {
    const s = this.#slots.get(category);
    return s !== undefined && s.heldUntil > this.#o.clock.now();
  }

  /** The categories whose rate limit holds them here now. */
  rateHeld(): string[] {
    const now = this.#o.clock.now();
    return [...this.#slots].filter(([, s]) => s.heldUntil > now).map(([name]) => name);
  }

  /** The category's time per job on a thread, as its batches here show it; null before the first. */
  jobMs(category: string): number | null {
    return this.#slots.get(category)?.jobTime.ms ?? null;
  }

  /** Hands back the jobs claimed ahead, their attempt not counted: the category cannot run them here now. */
  #handBack(s: Slots): void {
    const jobs = s.ahead.splice(0);
    for (const job of jobs) this.#running.delete(job.id);
    this.#interrupt(jobs);
  }

  /** Queues `jobs` again, their attempt not counted. */
  #interrupt(jobs: readonly Job[]): void {
    const refs = jobs.map((j) => ({ id: j.id, attempt: j.attempts }));
    this.#o.backend
      .interrupt(refs, this.#o.clock.now())
      .catch((err: unknown) =>
        this.#o.log.warn({ err }, 'could not hand back claimed jobs; they run again as lost'),
      );
  }

  #start(category: string, s: Slots, concurrency: number, jobs: Job[]): void {
    const now = this.#o.clock.now();
    s.batches += 1;
    this.#busy += jobs.length;
    const requests: RunRequest[] = new Array<RunRequest>(jobs.length);
    for (let i = 0; i < jobs.length; i++) {
      const job = jobs[i]!;
      s.ended.started(now);
      requests[i] = {
        jobId: job.id,
        task: job.task,
        input: job.input,
        attempt: job.attempts,
        timeoutMs: job.timeoutMs,
      };
    }
    const batch = { jobs: requests, lane: category, concurrency, cutMs: BATCHING.cutMs };
    this.#o.pool.runBatch(batch).then(
      (outcomes) => this.#settle(s, jobs, outcomes, now),
      (err: unknown) =>
        this.#settle(
          s,
          jobs,
          jobs.map(() => ({ kind: 'crash', message: String(err) })),
          now,
        ),
    );
  }

  /** A batch ended: its slot is free at once; its outcomes are recorded. */
  #settle(
    s: Slots,
    jobs: readonly Job[],
    outcomes: readonly BatchOutcome[],
    startedAt: number,
  ): void {
    const now = this.#o.clock.now();
    s.batches -= 1;
    this.#busy -= jobs.length;
    let interrupted: Job[] | null = null;
    let returned: Job[] | null = null;
    for (let i = 0; i < jobs.length; i++) {
      const job = jobs[i]!;
      const outcome = outcomes[i]!;
      // Dropped (this node was declared dead) or handed back at stop: the outcome is stale.
      if (this.#running.get(job.id) === undefined) continue;
      if (outcome.kind === 'returned') {
        // Still claimed: it waits for the next batch, first in line.
        (returned ??= []).push(job);
        continue;
      }
      this.#running.delete(job.id);
      s.ended.ended(now);
      if (outcome.kind === 'interrupted') (interrupted ??= []).push(job);
      else {
        if (outcome.kind !== 'cancelled') {
          const runMs = now - Date.parse(job.startedAt!);
          this.#o.history.finished(job.category, outcome.kind === 'ok', runMs, now);
        }
        this.#record(job, outcome, now);
      }
    }
    s.jobTime.observe(now - startedAt, jobs.length - (returned?.length ?? 0));
    if (returned !== null) s.ahead.unshift(...returned);
    if (interrupted !== null) this.#interrupt(interrupted);
    if (this.#busy === 0 && this.#drained) this.#drained();
    this.fill();
  }

  #record(job: Job, outcome: AttemptOutcome, now: number): void {
    const cat = this.#o.categories.get(job.category);
    const retryDelayMs = cat ? backoffDelay(cat.config.backoff, job.attempts, this.#o.random()) : 0;
    const lowerPriority = cat?.lowerPriorityOnRetry ?? true;
    const done = { id: job.id, attempt: job.attempts, outcome, retryDelayMs, lowerPriority };
    this.#o.backend.complete(done, now).then(
      (recorded) => {
        if (recorded === null) {
          this.#o.log.debug({ job: job.id }, 'an outcome came too late: the job had moved on');
        }
      },
      (err: unknown) => this.#o.log.error({ err, job: job.id }, 'could not record an outcome'),
    );
  }

  progress(id: string, percent: number): void {
    const job = this.#running.get(id);
    if (!job) return;
    const next = withProgress(job, percent);
    if (next === job) return;
    this.#running.set(id, next);
    this.#o.onProgress(next);
  }

  /** Stops the attempt of `id` if it runs or waits here (its job was cancelled). */
  abort(id: string): void {
    const job = this.#running.get(id);
    if (!job) return;
    const s = this.#slots.get(job.category);
    const waiting = s?.ahead.indexOf(job) ?? -1;
    if (waiting >= 0) {
      // Never started: its cancel is recorded already, nothing runs.
      s!.ahead.splice(waiting, 1);
      this.#running.delete(id);
    } else this.#o.pool.cancel(id);
  }

  /**
   * This node was declared dead: its jobs were queued again elsewhere. Its
   * attempts are stopped and forgotten; their outcomes would be refused.
   */
  dropAll(): number {
    const ids = [...this.#running.keys()];
    this.#running.clear();
    for (const s of this.#slots.values()) s.ahead.length = 0;
    for (const id of ids) this.#o.pool.cancel(id);
    return ids.length;
  }

  /**
   * Stops claiming, lets running attempts finish within `graceMs`, and
   * returns the attempts still running then, forgotten (the caller hands
   * them back).
   */
  async stop(graceMs: number): Promise<AttemptRef[]> {
    this.#open = false;
    for (const s of this.#slots.values()) this.#hold(s, null);
    await Promise.all(this.#claims);
    if (this.#busy > 0) {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        new Promise<void>((resolve) => (this.#drained = resolve)),
        new Promise<void>((resolve) => (timer = setTimeout(resolve, graceMs))),
      ]);
      clearTimeout(timer);
    }
    const left = [...this.#running.values()].map((j) => ({ id: j.id, attempt: j.attempts }));
    this.#running.clear();
    for (const s of this.#slots.values()) s.ahead.length = 0;
    return left;
  }

  /** Cancels what still runs on the threads (after `stop` handed it back). */
  cancelAll(ids: readonly string[]): void {
    for (const id of ids) this.#o.pool.cancel(id);
  }

  #slotsOf(name: string): Slots {
    let s = this.#slots.get(name);
    if (!s) {
      s = {
        allocated: 0,
        batches: 0,
        claiming: 0,
        inFlight: false,
        maybeWork: true,
        heldUntil: 0,
        heldTimer: null,
        ahead: [],
        ended: new EndRate(2, CLAIM_AHEAD.aheadMs),
        jobTime: new JobTime(),
      };
      this.#slots.set(name, s);
    }
    return s;
  }
}

/** Batch slots the category's threads here leave it, less what runs or is being claimed. */
function allowedBatches(s: Slots, concurrency: number): number {
  return s.allocated * concurrency - s.batches - s.claiming;
}
