/**
 * The running system: core + store + pool, wired.
 *
 * - submit: build job records (core), commit them (store), then queue them;
 *   the caller is answered only once the commit is durable.
 * - dispatch: each category may have at most `allocated` attempts on threads;
 *   free slots are filled from the head of its FIFO queue. The total never
 *   exceeds the pool's threads, so shrinking a category never kills a job: it
 *   takes effect as its jobs finish.
 * - balance: every `balanceIntervalMs`, and at once when a category with work
 *   has no free slot while threads are idle, `apportion` recomputes the slots;
 *   the tick carries each category's credit, so that shares too small for a
 *   whole thread get one in turn.
 * - delays: delayed and retrying jobs wait in one DelayQueue behind ONE timer
 *   armed for the earliest `runAt`.
 * - recovery: at start, jobs that were running when the process died are
 *   queued again (`lose`), counted as an attempt. Jobs of a category the
 *   config no longer lists are kept as orphans: listed, never run, until the
 *   category is configured again. Configuration never deletes a job.
 *
 * Durability. Every mutation goes through one CommitBatcher, so the journal
 * keeps program order. What a caller is answered after (submit, cancel,
 * retry, a category change) is written first and applied after. Starts and
 * promotions are written behind (at-least-once). An attempt's outcome is
 * written behind too, but published (state, events, waiters) only once it is
 * durable: a client that saw `succeeded` never sees the job run again. While
 * a durable change of a job is in flight (`#inflight`), nothing else changes
 * that job: later changes wait for it. While the store refuses writes, no new
 * job starts.
 */
import {
  apportionShares,
  nextCredit,
  DelayQueue,
  backoffDelay,
  canTransition,
  createJob,
  Errors,
  isFinished,
  JOB_STATES,
  isRetainedAs,
  JobIndex,
  transition,
  withProgress,
  type Allocation,
  type AttemptOutcome,
  type CategoryPatch,
  type CategoryView,
  type Credit,
  type EngineConfig,
  type Job,
  type JobEvent,
  type JobRequest,
  type NewJob,
  type NodeView,
  type RetryChanges,
  type Stats,
  type TaskConfig,
  type TaskView,
} from '@cadre/core';
import { createPool, type TaskPool } from '@cadre/pool';
import { createIdGenerator, type JobStore, type Mutation } from '@cadre/store';
import { CategoryState } from './category-state.js';
import { CommitBatcher } from './commit-batcher.js';
import { Emitter } from './emitter.js';

import { InputValidator } from './input-validator.js';
import type { Engine, EngineEvents, ListPage, ListQuery, SubmitResult } from './types.js';

export interface Clock {
  now(): number;
}

export interface Logger {
  debug(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

export interface PoolHooks {
  onProgress(jobId: string, percent: number): void;
}

export interface EngineOptions {
  config: EngineConfig;
  store: JobStore;
  /**
   * Builds the task pool; the engine calls it once, at start.
   * @defaultValue one piscina pool of `config.workers` threads running `config.tasks`
   */
  pool?: (hooks: PoolHooks) => TaskPool;
  /** @defaultValue Date.now */
  clock?: Clock;
  /** @defaultValue Math.random */
  random?: () => number;
  /** @defaultValue a logger that drops everything */
  logger?: Logger;
}

const MAX_TIMER_MS = 2 ** 31 - 1;
const DEFAULT_GRACE_MS = 10_000;

const silent: Logger = { debug() {}, info() {}, warn() {}, error() {} };

export function createEngine(options: EngineOptions): Engine {
  return new CadreEngine(options);
}

class CadreEngine implements Engine {
  readonly #config: EngineConfig;
  readonly #store: JobStore;
  readonly #makePool: (hooks: PoolHooks) => TaskPool;
  readonly #clock: Clock;
  readonly #random: () => number;
  readonly #log: Logger;
  readonly #batcher: CommitBatcher;
  readonly #events = new Emitter<EngineEvents>();

  readonly #tasks = new Map<string, TaskConfig>();
  readonly #inputs: InputValidator;
  readonly #categories = new Map<string, CategoryState>();
  readonly #jobs = new Map<string, Job>();
  /** Ids by category and state, newest first, for listing. */
  readonly #listing = new JobIndex();
  readonly #keys = new Map<string, string>();
  /** Submissions whose commit is in flight, by idempotency key; settle once indexed. */
  readonly #pendingKeys = new Map<string, Promise<void>>();
  /** Jobs with an attempt in the pool, and that attempt's number. */
  readonly #attempts = new Map<string, number>();
  readonly #delays = new DelayQueue();
  readonly #waiters = new Map<string, Set<(job: Job) => void>>();
  /**
   * Jobs with a durable change in flight, and what waits for it to land: a
   * cancel or retry being written, an outcome being written before it is
   * published. Nothing else changes such a job until then.
   */
  readonly #inflight = new Map<string, (() => void)[]>();
  /** Waiting jobs of submissions whose commit is in flight, counted against `maxQueued`. */
  #reservedTotal = 0;

  #pool: TaskPool | null = null;
  #newId: () => string = () => '';
  #startedAt = 0;
  #busy = 0;
  #allocation: Allocation = {};
  /** Threads each category was owed and not given, carried from tick to tick (see apportion). */
  #credit: Credit = {};
  #mode: 'idle' | 'running' | 'stopping' | 'stopped' = 'idle';
  #pumping = false;
  #delayTimer: NodeJS.Timeout | null = null;
  #delayTimerAt = Infinity;
  #balanceTimer: NodeJS.Timeout | null = null;
  #drained: (() => void) | null = null;

  constructor(options: EngineOptions) {
    this.#config = options.config;
    this.#store = options.store;
    this.#makePool = options.pool ?? ((hooks) => defaultPool(options.config, hooks));
    this.#clock = options.clock ?? { now: Date.now };
    this.#random = options.random ?? Math.random;
    this.#log = options.logger ?? silent;
    this.#batcher = new CommitBatcher(options.store, {
      onError: (err) =>
        this.#log.error(
          { err },
          'could not record job starts or outcomes; no job starts until the store takes writes again',
        ),
      onWritable: () => {
        this.#log.info({}, 'the store takes writes again; dispatch resumes');
        this.#pump();
      },
    });
    for (const c of options.config.categories) this.#categories.set(c.name, new CategoryState(c));
    for (const t of options.config.tasks) this.#tasks.set(t.name, t);
    this.#inputs = new InputValidator(options.config.tasks);
  }

  // ── lifecycle ────────────────────────────────────────────────────────────

  async start(): Promise<void> {
    if (this.#mode !== 'idle') throw new Error('engine.start() may be called once');
    const now = this.#clock.now();
    this.#startedAt = now;
    const state = await this.#store.load();
    for (const [name, override] of Object.entries(state.categories)) {
      this.#categories.get(name)?.apply(override);
    }
    const recovered = this.#recover(state.jobs, now);
    if (recovered.length > 0) await this.#batcher.add(recovered);
    this.#pool = this.#makePool({ onProgress: (id, percent) => this.#progress(id, percent) });
    this.#mode = 'running';
    this.#rebalance();
    this.#balanceTimer = setInterval(() => this.#tick(), this.#config.balanceIntervalMs);
    this.#armDelayTimer();
    this.#pump();
  }

  async stop(options: { graceMs?: number } = {}): Promise<void> {
    if (this.#mode !== 'running') return;
    this.#mode = 'stopping';
    if (this.#balanceTimer) clearInterval(this.#balanceTimer);
    if (this.#delayTimer) clearTimeout(this.#delayTimer);
    this.#balanceTimer = this.#delayTimer = null;

    const graceMs = options.graceMs ?? DEFAULT_GRACE_MS;
    if (this.#busy > 0) {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        new Promise<void>((resolve) => (this.#drained = resolve)),
        new Promise<void>((resolve) => (timer = setTimeout(resolve, graceMs))),
      ]);
      clearTimeout(timer);
    }
    // Whatever still runs is handed back to the queue without spending an
    // attempt (we stopped it; it was not lost): it runs again at the next start.
    const now = this.#clock.now();
    const interrupted: Mutation[] = [];
    for (const id of this.#attempts.keys()) {
      const job = this.#jobs.get(id);
      if (job?.state === 'running' && !this.#inflight.has(id)) {
        interrupted.push(this.#apply(job, { type: 'interrupt' }, now));
      }
      this.#pool?.cancel(id);
    }
    if (interrupted.length > 0) {
      this.#log.info(
        { jobs: interrupted.length },
        'jobs still running at stop are queued again, their attempt not counted',
      );
    }
    await this.#batcher
      .add(interrupted)
      .catch((err: unknown) =>
        this.#log.error({ err }, 'final commit failed; unrecorded outcomes will run again'),
      );
    this.#batcher.close();
    await this.#pool?.destroy();
    await this.#store.close();
    this.#mode = 'stopped';
    for (const [id, set] of this.#waiters) {
      const job = this.#jobs.get(id);
      if (job) for (const resolve of set) resolve(job);
    }
    this.#waiters.clear();
  }

  // ── API ──────────────────────────────────────────────────────────────────

  async submit(requests: readonly JobRequest[]): Promise<SubmitResult[]> {
    if (this.#mode !== 'running') throw Errors.shuttingDown();
    const now = this.#clock.now();
    const specs = requests.map((r, i) => this.#resolve(r, i, now));
    const release = this.#reserve(specs);
    try {
      return await this.#create(specs, now);
    } finally {
      release();
    }
  }

  async #create(specs: readonly JobSpec[], now: number): Promise<SubmitResult[]> {
    const results: (SubmitResult | Promise<SubmitResult>)[] = [];
    const created: Job[] = [];
    const inBatch = new Map<string, Job>();
    for (const spec of specs) {
      if (spec.key !== null) {
        const existing = this.#keys.get(spec.key);
        if (existing !== undefined) {
          results.push({ job: this.#get(existing), created: false });
          continue;
        }
        const pending = this.#pendingKeys.get(spec.key);
        if (pending) {
          const key = spec.key;
          results.push(
            pending.then(() => ({ job: this.#get(this.#keys.get(key) ?? ''), created: false })),
          );
          continue;
        }
        const twin = inBatch.get(spec.key);
        if (twin) {
          results.push({ job: twin, created: false });
          continue;
        }
      }
      const job = createJob({ ...spec, id: this.#newId() }, now);
      if (spec.key !== null) inBatch.set(spec.key, job);
      created.push(job);
      results.push({ job, created: true });
    }
    if (created.length === 0) return Promise.all(results);

    let indexed!: () => void;
    let refused!: (err: unknown) => void;
    const settled = new Promise<void>(
      (resolve, reject) => ((indexed = resolve), (refused = reject)),
    );
    settled.catch(() => {}); // only submissions sharing a key await it
    for (const key of inBatch.keys()) this.#pendingKeys.set(key, settled);
    try {
      await this.#batcher.add(created.map((job) => ({ op: 'put', job }) as const));
    } catch (err) {
      refused(err);
      throw err;
    } finally {
      for (const key of inBatch.keys()) this.#pendingKeys.delete(key);
    }
    // Durable: from here on the jobs exist.
    for (const job of created) {
      this.#remember(job);
      this.#enter(job, null, now);
      this.#events.emit('job:changed', job, null);
    }
    indexed();
    this.#armDelayTimer();
    this.#pump();
    return Promise.all(results);
  }

  async get(id: string): Promise<Job> {
    return this.#get(id);
  }

  #get(id: string): Job {
    const job = this.#jobs.get(id);
    if (!job) throw Errors.jobNotFound(id);
    return job;
  }

  waitFor(id: string, waitMs: number): Promise<Job> {
    const job = this.#get(id);
    if (isFinished(job.state) || waitMs <= 0 || this.#mode !== 'running')
      return Promise.resolve(job);
    return new Promise((resolve) => {
      let set = this.#waiters.get(id);
      if (!set) this.#waiters.set(id, (set = new Set()));
      const done = (j: Job) => {
        clearTimeout(timer);
        set.delete(done);
        if (set.size === 0 && this.#waiters.get(id) === set) this.#waiters.delete(id);
        resolve(j);
      };
      const timer = setTimeout(() => done(this.#jobs.get(id) ?? job), waitMs);
      set.add(done);
    });
  }

  async list(query: ListQuery): Promise<ListPage> {
    const limit = Math.min(Math.max(query.limit ?? 100, 1), 1000);
    if (query.category !== undefined && !this.#categories.has(query.category)) {
      throw Errors.unknownCategory(query.category);
    }
    if (query.key !== undefined) {
      const job = this.#jobs.get(this.#keys.get(query.key) ?? '');
      const match =
        job !== undefined &&
        (query.category === undefined || job.category === query.category) &&
        (query.state === undefined || job.state === query.state) &&
        (query.cursor === undefined || job.id < query.cursor);
      return { jobs: match ? [job] : [], nextCursor: null };
    }
    const page = this.#listing.page({
      category: query.category,
      state: query.state,
      cursor: query.cursor,
      limit,
    });
    return { jobs: page.ids.map((id) => this.#jobs.get(id)!), nextCursor: page.nextCursor };
  }

  async cancel(id: string): Promise<Job> {
    const cancelled = await this.#change(id, { type: 'cancel' });
    // Only once the cancel is durable: had the write failed, the job would still run.
    if (this.#attempts.has(id)) this.#pool?.cancel(id);
    return cancelled;
  }

  async retry(id: string, changes: RetryChanges = {}): Promise<Job> {
    if (this.#mode !== 'running') throw Errors.shuttingDown();
    const job = this.#get(id);
    const { input } = changes;
    // A job that cannot be retried answers that first (409), whatever its new input.
    if (input !== undefined && canTransition(job, 'retry')) {
      this.#inputs.check(job.task, input, null);
    }
    // As retried; it may have started already.
    return this.#change(id, { type: 'retry', input });
  }

  /**
   * A change a caller is answered after: written first, applied once durable.
   * Waits for any change of the job already in flight, and holds off every
   * other change of it (start, promotion, an outcome) while its own is written.
   */
  async #change(id: string, event: JobEvent): Promise<Job> {
    for (let list = this.#inflight.get(id); list; list = this.#inflight.get(id)) {
      await new Promise<void>((resolve) => list!.push(resolve));
    }
    const now = this.#clock.now();
    const next = transition(this.#get(id), event, now);
    this.#inflight.set(id, []);
    try {
      await this.#batcher.add([{ op: 'put', job: next }]);
      // Progress may have replaced the record meanwhile; nothing else can have.
      this.#install(this.#jobs.get(id)!, next, now);
    } finally {
      this.#landed(id);
      this.#armDelayTimer();
      this.#pump();
    }
    return next;
  }

  /** The durable change of `id` in flight has landed (or failed): what waited for it goes on. */
  #landed(id: string): void {
    const waiting = this.#inflight.get(id)!;
    this.#inflight.delete(id);
    for (const go of waiting) go();
  }

  async patchCategory(name: string, patch: CategoryPatch): Promise<CategoryView> {
    const cat = this.#categories.get(name);
    if (!cat || cat.orphaned) throw Errors.unknownCategory(name);
    validatePatch(cat, patch);
    await this.#batcher.add([{ op: 'category', name, override: patch }]);
    cat.apply(patch);
    this.#rebalance();
    this.#pump();
    return this.#view(cat, this.#clock.now());
  }

  async categories(): Promise<CategoryView[]> {
    const now = this.#clock.now();
    return [...this.#categories.values()].map((c) => this.#view(c, now));
  }

  tasks(): TaskView[] {
    return [...this.#tasks.values()].map((t) => ({
      name: t.name,
      category: t.category,
      ...(t.inputSchema ? { inputSchema: t.inputSchema } : {}),
    }));
  }

  async nodes(): Promise<NodeView[]> {
    const at = new Date(this.#startedAt).toISOString();
    return [
      {
        name: 'local',
        tags: [],
        workers: this.#config.workers,
        running: this.#busy,
        allocation: { ...this.#allocation },
        leader: true,
        state: 'live',
        startedAt: at,
        heartbeatAt: new Date(this.#clock.now()).toISOString(),
      },
    ];
  }

  async removeNode(name: string): Promise<void> {
    throw name === 'local' ? Errors.nodeLive(name) : Errors.nodeNotFound(name);
  }

  async stats(): Promise<Stats> {
    const s: Stats = {
      workers: this.#config.workers,
      nodes: 1,
      allocation: { ...this.#allocation },
      queued: 0,
      running: 0,
      delayed: 0,
      retrying: 0,
      succeeded: 0,
      failed: 0,
      cancelled: 0,
      uptimeMs: this.#startedAt === 0 ? 0 : this.#clock.now() - this.#startedAt,
    };
    for (const c of this.#categories.values()) {
      s.queued += c.counts.queued;
      s.running += c.counts.running;
      s.delayed += c.counts.delayed;
      s.retrying += c.counts.retrying;
      s.succeeded += c.finishedSinceStart.succeeded;
      s.failed += c.finishedSinceStart.failed;
      s.cancelled += c.finishedSinceStart.cancelled;
    }
    return s;
  }

  on<E extends keyof EngineEvents>(event: E, listener: EngineEvents[E]): () => void {
    return this.#events.on(event, listener);
  }

  // ── requests ─────────────────────────────────────────────────────────────

  #resolve(r: JobRequest, index: number, now: number): JobSpec {
    const where = (field: string) => ({ index, field });
    const task = this.#tasks.get(r.task);
    if (!task) throw withDetails(Errors.unknownTask(r.task), where('task'));
    const categoryName = r.category ?? task.category ?? 'default';
    const category = this.#categories.get(categoryName);
    if (!category || category.orphaned) {
      throw withDetails(Errors.unknownCategory(categoryName), where('category'));
    }
    let runAtMs: number | null = null;
    if (r.delayMs !== undefined) runAtMs = now + r.delayMs;
    else if (r.runAt !== undefined) runAtMs = Date.parse(r.runAt);
    if (runAtMs !== null && !Number.isFinite(runAtMs)) {
      throw withDetails(
        Errors.validation(`jobs[${index}].runAt is not a valid time`),
        where('runAt'),
      );
    }
    const input = r.input ?? null;
    this.#inputs.check(r.task, input, index);
    return {
      key: r.key ?? null,
      category: categoryName,
      task: r.task,
      input,
      maxRetries: r.maxRetries ?? task.maxRetries ?? category.config.maxRetries,
      timeoutMs: r.timeoutMs ?? task.timeoutMs ?? category.config.timeoutMs,
      runAtMs,
    };
  }

  /**
   * Checks the queue limits and reserves room for `specs` until their commit
   * settles, so that concurrent submissions cannot all pass the same check.
   * Returns the release.
   */
  #reserve(specs: readonly JobSpec[]): () => void {
    const incoming = new Map<CategoryState, number>();
    for (const s of specs) {
      const cat = this.#categories.get(s.category)!;
      incoming.set(cat, (incoming.get(cat) ?? 0) + 1);
    }
    let total = this.#reservedTotal;
    for (const c of this.#categories.values()) total += c.waiting;
    const maxTotal = this.#config.maxQueuedTotal;
    if (maxTotal !== null && total + specs.length > maxTotal)
      throw Errors.queueFull('total', maxTotal);
    for (const [cat, n] of incoming) {
      const max = cat.config.maxQueued;
      if (max !== null && cat.waiting + cat.reserved + n > max) {
        throw Errors.queueFull('category', max, cat.config.name);
      }
    }
    this.#reservedTotal += specs.length;
    for (const [cat, n] of incoming) cat.reserved += n;
    return () => {
      this.#reservedTotal -= specs.length;
      for (const [cat, n] of incoming) cat.reserved -= n;
    };
  }

  // ── state changes ────────────────────────────────────────────────────────

  /**
   * The one place a job changes: runs the transition, keeps every index and
   * counter in step, tells listeners, and returns the mutation to commit.
   */
  #apply(job: Job, event: JobEvent, now: number): { op: 'put'; job: Job } {
    const next = transition(job, event, now);
    this.#install(job, next, now);
    return { op: 'put', job: next };
  }

  /** Makes `next` the job's record in memory, in place of `prev`, as of `now`. */
  #install(prev: Job, next: Job, now: number): void {
    this.#jobs.set(next.id, next);
    this.#listing.move(next.id, next.category, prev.state, next.state);
    this.#leave(prev);
    this.#enter(next, prev, now);
    this.#events.emit('job:changed', next, prev);
  }

  /** Takes `job` out of the structures of its state. */
  #leave(job: Job): void {
    const cat = this.#categories.get(job.category)!;
    cat.counts[job.state] -= 1;
    if (job.state === 'queued') cat.queue.remove(job.id);
    else if (job.state === 'delayed' || job.state === 'retrying') this.#delays.remove(job.id);
  }

  /** Puts `job` into the structures of its state; `prev` is null for a new job. */
  #enter(job: Job, prev: Job | null, now: number): void {
    const cat = this.#categories.get(job.category)!;
    cat.counts[job.state] += 1;
    switch (job.state) {
      case 'queued':
        cat.queue.push(job.id);
        break;
      case 'delayed':
      case 'retrying':
        this.#delays.add(job.id, Date.parse(job.runAt!));
        break;
      case 'succeeded':
      case 'failed':
      case 'cancelled': {
        if (prev !== null) {
          cat.finishedSinceStart[job.state] += 1;
          cat.throughput.add(now);
        }
        cat.finished.add(job.id, job.state, now);
        const waiters = this.#waiters.get(job.id);
        if (waiters) for (const resolve of [...waiters]) resolve(job);
        break;
      }
      case 'running':
        break;
    }
  }

  /** A job the engine did not know: new, or read back at start. */
  #remember(job: Job): void {
    this.#jobs.set(job.id, job);
    this.#listing.add(job.id, job.category, job.state);
    if (job.key !== null) this.#keys.set(job.key, job.id);
  }

  #recover(jobs: readonly Job[], now: number): Mutation[] {
    const sorted = [...jobs].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    const mutations: Mutation[] = [];
    let lost = 0;
    for (const stored of sorted) {
      if (!this.#categories.has(stored.category)) {
        this.#categories.set(stored.category, CategoryState.orphan(stored.category, this.#config));
      }
      let job = stored;
      if (job.state === 'running') {
        job = transition(job, { type: 'lose' }, now);
        mutations.push({ op: 'put', job });
        lost += 1;
      }
      this.#remember(job);
      const cat = this.#categories.get(job.category)!;
      cat.counts[job.state] += 1;
      if (job.state === 'queued') cat.queue.push(job.id);
      else if (job.state === 'delayed' || job.state === 'retrying') {
        this.#delays.add(job.id, Date.parse(job.runAt!));
      } else if (isFinished(job.state)) {
        cat.finished.add(job.id, job.state, Date.parse(job.finishedAt ?? job.createdAt));
      }
    }
    for (const cat of this.#categories.values()) cat.finished.sort();
    this.#newId = createIdGenerator(() => this.#clock.now(), sorted.at(-1)?.id ?? '');
    this.#log.info({ jobs: sorted.length, requeued: lost }, 'store recovered');
    for (const cat of this.#categories.values()) {
      if (!cat.orphaned) continue;
      const jobs = JOB_STATES.reduce((n, state) => n + cat.counts[state], 0);
      this.#log.warn(
        { category: cat.config.name, jobs },
        `category '${cat.config.name}' is no longer configured: its ${jobs} jobs are kept, and run once it is configured again`,
      );
    }
    return mutations;
  }

  // ── dispatch ─────────────────────────────────────────────────────────────

  #pump(): void {
    if (this.#pumping || this.#mode !== 'running') return;
    this.#pumping = true;
    try {
      // Threads left idle while work waits mean the allocation is stale (work
      // arrived where there were no slots, or left where there were): fix it
      // at once rather than at the next tick, then fill again.
      if (!this.#fill()) {
        this.#rebalance();
        this.#fill();
      }
    } finally {
      this.#pumping = false;
    }
  }

  /** Starts jobs in every category's free slots; false if threads stay idle while work waits. */
  #fill(): boolean {
    // An outcome that cannot be recorded must not be produced: wait for the store.
    if (!this.#batcher.writable) return true;
    const threads = this.#config.workers;
    let waiting = false;
    for (const cat of this.#categories.values()) {
      if (cat.paused || cat.orphaned) continue;
      while (cat.queue.size > 0 && cat.busy < cat.allocated && this.#busy < threads) {
        // A cancel of the head is being written: the category waits for it (#landed pumps).
        if (!this.#startNext(cat)) break;
      }
      if (cat.queue.size > 0) waiting = true;
    }
    return !(waiting && this.#busy < threads);
  }

  /** Starts the head of the category's queue; false if it must wait for a change in flight. */
  #startNext(cat: CategoryState): boolean {
    const id = cat.queue.peek()!;
    if (this.#inflight.has(id)) return false;
    const job = this.#jobs.get(id)!;
    const now = this.#clock.now();
    const mutation = this.#apply(job, { type: 'start', node: 'local' }, now);
    const running = mutation.job;
    this.#batcher.later([mutation]);
    this.#attempts.set(id, running.attempts);
    cat.busy += 1;
    this.#busy += 1;
    this.#pool!.run({
      jobId: id,
      task: running.task,
      input: running.input,
      attempt: running.attempts,
      timeoutMs: running.timeoutMs,
    }).then(
      (outcome) => this.#settle(id, running.attempts, cat, outcome),
      (err: unknown) =>
        this.#settle(id, running.attempts, cat, { kind: 'crash', message: String(err) }),
    );
    return true;
  }

  /** An attempt ended: its thread is free at once; its outcome is recorded. */
  #settle(id: string, attempt: number, cat: CategoryState, outcome: AttemptOutcome): void {
    this.#attempts.delete(id);
    cat.busy -= 1;
    this.#busy -= 1;
    this.#record(id, attempt, cat, outcome);
    if (this.#busy === 0 && this.#drained) this.#drained();
    this.#pump();
  }

  /** Writes an outcome behind, and publishes it once durable. */
  #record(id: string, attempt: number, cat: CategoryState, outcome: AttemptOutcome): void {
    const waiting = this.#inflight.get(id);
    if (waiting) {
      // A cancel is being written: the outcome counts only if that cancel fails.
      waiting.push(() => this.#record(id, attempt, cat, outcome));
      return;
    }
    const job = this.#jobs.get(id);
    // Cancelled, or handed back at stop, while it ran: the outcome is stale.
    if (!job || job.state !== 'running' || job.attempts !== attempt) return;
    const retryDelayMs = backoffDelay(cat.config.backoff, job.attempts, this.#random());
    const now = this.#clock.now();
    const next = transition(job, { type: 'settle', outcome, retryDelayMs }, now);
    this.#inflight.set(id, []);
    this.#batcher.later([{ op: 'put', job: next }], () => {
      this.#install(this.#jobs.get(id)!, next, now);
      this.#landed(id);
      if (next.state === 'retrying') this.#armDelayTimer();
    });
  }

  #progress(id: string, percent: number): void {
    const job = this.#jobs.get(id);
    if (!job || job.state !== 'running') return;
    const next = withProgress(job, percent);
    if (next === job) return;
    this.#jobs.set(id, next);
    this.#events.emit('job:changed', next, job);
  }

  // ── balancer and timers ──────────────────────────────────────────────────

  /**
   * Recomputes the slots. Only the periodic tick carries the credit forward,
   * so that rebalancing more often in between (a category waiting while
   * threads idle) does not make the shares rotate faster.
   */
  #rebalance(carry = false): void {
    const demands = [...this.#categories.values()].map((c) => ({
      name: c.config.name,
      weight: c.weight,
      minWorkers: c.minWorkers,
      maxWorkers: c.maxWorkers,
      paused: c.paused || c.orphaned,
      queued: c.counts.queued,
      running: c.busy,
    }));
    const result = apportionShares(this.#config.workers, demands, this.#credit);
    if (carry) this.#credit = nextCredit(this.#credit, result);
    const next = result.allocation;
    let changed = false;
    for (const cat of this.#categories.values()) {
      const n = next[cat.config.name] ?? 0;
      if (n !== cat.allocated) changed = true;
      cat.allocated = n;
    }
    if (!changed) return;
    this.#allocation = next;
    this.#events.emit('allocation:changed', new Date(this.#clock.now()).toISOString(), { ...next });
  }

  #tick(): void {
    this.#rebalance(true);
    this.#pump();
    this.#prune();
  }

  #armDelayTimer(): void {
    if (this.#mode !== 'running') return;
    const due = this.#delays.nextDueAt();
    if (due === null || due >= this.#delayTimerAt) return;
    if (this.#delayTimer) clearTimeout(this.#delayTimer);
    this.#delayTimerAt = due;
    const wait = Math.min(Math.max(0, due - this.#clock.now()), MAX_TIMER_MS);
    this.#delayTimer = setTimeout(() => this.#promoteDue(), wait);
  }

  #promoteDue(): void {
    this.#delayTimer = null;
    this.#delayTimerAt = Infinity;
    const now = this.#clock.now();
    const mutations: Mutation[] = [];
    for (const id of this.#delays.takeDue(now)) {
      const waiting = this.#inflight.get(id);
      // A cancel is being written: promote it only if that cancel fails.
      if (waiting) waiting.push(() => this.#promote(id));
      else this.#promote(id, now, mutations);
    }
    if (mutations.length > 0) this.#batcher.later(mutations);
    this.#armDelayTimer();
    this.#pump();
  }

  /** Queues a due delayed or retrying job; its mutation goes into `into`, or is written behind. */
  #promote(id: string, now = this.#clock.now(), into?: Mutation[]): void {
    const job = this.#jobs.get(id);
    if (!job || (job.state !== 'delayed' && job.state !== 'retrying')) return;
    const mutation = this.#apply(job, { type: 'promote' }, now);
    if (into) into.push(mutation);
    else this.#batcher.later([mutation]);
  }

  /** Forgets finished jobs beyond the retention policy, in every category. */
  #prune(): void {
    const now = this.#clock.now();
    const deletes: Mutation[] = [];
    for (const cat of this.#categories.values()) {
      for (const ref of cat.finished.prune(this.#config.retention, now)) {
        const job = this.#jobs.get(ref.id);
        // Retried since it finished (or being retried): it is live again, or listed again later.
        if (!job || this.#inflight.has(ref.id) || !isRetainedAs(job, ref)) continue;
        this.#jobs.delete(ref.id);
        this.#listing.remove(ref.id, job.category, job.state);
        if (job.key !== null && this.#keys.get(job.key) === job.id) this.#keys.delete(job.key);
        cat.counts[job.state] -= 1;
        deletes.push({ op: 'delete', id: ref.id });
      }
    }
    if (deletes.length > 0) this.#batcher.later(deletes);
  }

  // ── views ────────────────────────────────────────────────────────────────

  #view(c: CategoryState, now: number): CategoryView {
    return {
      name: c.config.name,
      weight: c.weight,
      minWorkers: c.minWorkers,
      maxWorkers: c.maxWorkers,
      paused: c.paused,
      orphaned: c.orphaned,
      delayed: c.counts.delayed,
      queued: c.counts.queued,
      running: c.counts.running,
      retrying: c.counts.retrying,
      allocated: c.allocated,
      succeeded: c.finishedSinceStart.succeeded,
      failed: c.finishedSinceStart.failed,
      cancelled: c.finishedSinceStart.cancelled,
      throughput: c.throughput.rate(now),
    };
  }
}

function defaultPool(config: EngineConfig, hooks: PoolHooks): TaskPool {
  return createPool({
    workers: config.workers,
    tasks: config.tasks,
    maxResultBytes: config.maxResultBytes,
    ...(config.resourceLimits ? { resourceLimits: config.resourceLimits } : {}),
    onProgress: hooks.onProgress,
  });
}

/** A request resolved against the config: what `createJob` needs but the id. */
type JobSpec = Omit<NewJob, 'id'>;

function withDetails<E extends Error & { details: unknown }>(err: E, details: object): E {
  (err as { details: unknown }).details = details;
  return err;
}

function validatePatch(cat: CategoryState, patch: CategoryPatch): void {
  const { weight, minWorkers, maxWorkers } = patch;
  if (weight !== undefined && !(Number.isFinite(weight) && weight > 0)) {
    throw Errors.validation('weight must be a number above 0', { field: 'weight' });
  }
  if (minWorkers !== undefined && !(Number.isInteger(minWorkers) && minWorkers >= 0)) {
    throw Errors.validation('minWorkers must be an integer of at least 0', { field: 'minWorkers' });
  }
  if (
    maxWorkers !== undefined &&
    maxWorkers !== null &&
    !(Number.isInteger(maxWorkers) && maxWorkers >= 1)
  ) {
    throw Errors.validation('maxWorkers must be an integer of at least 1, or null', {
      field: 'maxWorkers',
    });
  }
  const min = minWorkers ?? cat.minWorkers;
  const max = maxWorkers === undefined ? cat.maxWorkers : maxWorkers;
  if (max !== null && min > max) {
    throw Errors.validation(`minWorkers (${min}) cannot exceed maxWorkers (${max})`, {
      field: 'minWorkers',
    });
  }
}
