/**
 * This node's threads: fills each category's slots with jobs it claims from
 * the backend, runs them on the pool, and reports their outcomes.
 *
 * - A category may have at most `allocated` attempts here (the leader's
 *   placement for this node). The total never exceeds the pool's threads, so
 *   shrinking a category never kills a job: it takes effect as its jobs finish.
 * - A category is claimed from only while it may have work (`maybeWork`):
 *   set by hints (a job queued, a wake from the backend, every tick), cleared
 *   when a claim comes back empty. One claim per category is in flight at a time.
 * - A thread is free as soon as its attempt ends; the outcome is recorded
 *   behind (the backend fences it by node and attempt).
 * - Where a claim is a round trip (`backend.claimsAhead`), a category of short
 *   jobs is claimed ahead of its free threads (`claimAhead`): those jobs wait
 *   in `ahead`, running on this node as far as the cluster sees, and start as
 *   threads free up. They are handed back (their attempt not counted) when
 *   the category is paused or loses its slots here, and at stop.
 */
import {
  CLAIM_AHEAD,
  EndRate,
  backoffDelay,
  claimAhead,
  withProgress,
  type Allocation,
  type AttemptOutcome,
  type Job,
} from '@cadre/core';
import type { TaskPool } from '@cadre/pool';
import type { AttemptRef, Backend } from '@cadre/store';
import type { CategorySettings } from './category-settings.js';
import type { Clock, Logger } from './engine-options.js';

interface Slots {
  /** Attempts the leader lets this node run. */
  allocated: number;
  /** Attempts on a thread now (a cancelled attempt holds its slot until its thread is free). */
  busy: number;
  /** Slots a claim in flight may fill. */
  claiming: number;
  /** A claim is in flight. */
  inFlight: boolean;
  maybeWork: boolean;
  /** Claimed, not started yet: they start as threads free up. */
  ahead: Job[];
  /** Its attempts that ended here, per second (sizes the claims ahead). */
  readonly ended: EndRate;
}

export interface DispatcherOptions {
  backend: Backend;
  pool: TaskPool;
  threads: number;
  categories: ReadonlyMap<string, CategorySettings>;
  clock: Clock;
  random: () => number;
  log: Logger;
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
  #busy = 0;
  #claiming = 0;
  readonly #claims = new Set<Promise<void>>();
  #open = true;
  #filling = false;
  #drained: (() => void) | null = null;

  constructor(options: DispatcherOptions) {
    this.#o = options;
    for (const name of options.categories.keys()) this.#slotsOf(name);
  }

  get busy(): number {
    return this.#busy;
  }

  /** Attempts running here, by category. */
  runningByCategory(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const [name, s] of this.#slots) out[name] = s.busy;
    return out;
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

  /** Starts what was claimed ahead, and claims work for every category with free slots. */
  fill(): void {
    if (!this.#open || this.#filling) return;
    this.#filling = true;
    try {
      let starved = false;
      for (const [name, s] of this.#slots) {
        if (!this.#o.categories.get(name)!.runnable) {
          if (s.ahead.length > 0) this.#handBack(s);
          continue;
        }
        // No slots here any more: what was claimed ahead goes back (work waiting still asks below).
        if (s.allocated === 0 && s.ahead.length > 0) this.#handBack(s);
        while (s.ahead.length > 0 && s.busy < s.allocated && this.#busy < this.#o.threads) {
          this.#start(s, s.ahead.shift()!);
        }
        if (!s.maybeWork || s.inFlight) continue;
        const idle = this.#o.threads - this.#busy - this.#claiming;
        const free = s.allocated - s.busy - s.claiming - s.ahead.length;
        if (free <= 0 && idle > 0) starved = true;
        const run = Math.max(0, Math.min(free, idle));
        const ahead = this.#o.backend.claimsAhead ? this.#toClaimAhead(s) : 0;
        if (run + ahead > 0) this.#claim(name, s, run, ahead);
      }
      if (starved && this.#busy + this.#claiming < this.#o.threads) {
        // Asked once per hint: a category that stays capped does not ask again and again.
        for (const s of this.#slots.values()) {
          if (s.allocated - s.busy - s.claiming <= 0) s.maybeWork = false;
        }
        this.#o.onStarved();
      }
    } finally {
      this.#filling = false;
    }
  }

  /**
   * How many to claim ahead now: none while the buffer holds more than half
   * its target, then up to the target, so that claims stay few and large.
   */
  #toClaimAhead(s: Slots): number {
    const target = claimAhead(s.ended.rate(this.#o.clock.now()));
    return s.ahead.length > target / 2 ? 0 : target - s.ahead.length;
  }

  /** Claims `run` jobs to start now and `ahead` more to hold. */
  #claim(category: string, s: Slots, run: number, ahead: number): void {
    s.inFlight = true;
    s.claiming = run;
    this.#claiming += run;
    const settle = () => {
      s.inFlight = false;
      s.claiming = 0;
      this.#claiming -= run;
    };
    const claim = this.#o.backend.claim(category, run + ahead, this.#o.clock.now()).then(
      (jobs) => {
        settle();
        // None left to claim; a short claim may only have met rows another node
        // was taking, so the next free slot asks again.
        if (jobs.length === 0) s.maybeWork = false;
        for (const job of jobs) {
          this.#running.set(job.id, job);
          s.ahead.push(job);
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

  /** Hands back the jobs claimed ahead, their attempt not counted: the category cannot run them here now. */
  #handBack(s: Slots): void {
    const jobs = s.ahead.splice(0);
    for (const job of jobs) this.#running.delete(job.id);
    const refs = jobs.map((j) => ({ id: j.id, attempt: j.attempts }));
    this.#o.backend
      .interrupt(refs, this.#o.clock.now())
      .catch((err: unknown) =>
        this.#o.log.warn({ err }, 'could not hand back claimed jobs; they run again as lost'),
      );
  }

  #start(s: Slots, job: Job): void {
    s.busy += 1;
    s.ended.started(this.#o.clock.now());
    this.#busy += 1;
    this.#o.pool
      .run({
        jobId: job.id,
        task: job.task,
        input: job.input,
        attempt: job.attempts,
        timeoutMs: job.timeoutMs,
      })
      .then(
        (outcome) => this.#settle(s, job, outcome),
        (err: unknown) => this.#settle(s, job, { kind: 'crash', message: String(err) }),
      );
  }

  /** An attempt ended: its thread is free at once; its outcome is recorded. */
  #settle(s: Slots, job: Job, outcome: AttemptOutcome): void {
    s.busy -= 1;
    this.#busy -= 1;
    // Dropped (this node was declared dead) or handed back at stop: the outcome is stale.
    if (this.#running.get(job.id) === undefined) {
      this.#afterSettle();
      return;
    }
    this.#running.delete(job.id);
    s.ended.ended(this.#o.clock.now());
    const cat = this.#o.categories.get(job.category);
    const retryDelayMs = cat ? backoffDelay(cat.config.backoff, job.attempts, this.#o.random()) : 0;
    const done = { id: job.id, attempt: job.attempts, outcome, retryDelayMs };
    this.#o.backend.complete(done, this.#o.clock.now()).then(
      (recorded) => {
        if (recorded === null) {
          this.#o.log.debug({ job: job.id }, 'an outcome came too late: the job had moved on');
        }
      },
      (err: unknown) => this.#o.log.error({ err, job: job.id }, 'could not record an outcome'),
    );
    this.#afterSettle();
  }

  #afterSettle(): void {
    if (this.#busy === 0 && this.#drained) this.#drained();
    this.fill();
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
        busy: 0,
        claiming: 0,
        inFlight: false,
        maybeWork: true,
        ahead: [],
        ended: new EndRate(2, CLAIM_AHEAD.aheadMs),
      };
      this.#slots.set(name, s);
    }
    return s;
  }
}
