/**
 * The running system on one node: a backend (where jobs live), a pool of
 * worker threads, and the loops between them.
 *
 * - submit: requests are resolved against the config (RequestResolver), then
 *   the backend creates the jobs; the caller is answered once they are durable.
 * - dispatch (Dispatcher): this node claims jobs into the slots the leader
 *   gave it, runs them, and reports their outcomes; the backend fences each
 *   outcome by node and attempt.
 * - balance (WorkerBalancer): every `balanceIntervalMs` the node renews its
 *   heartbeat; the leader shares all live nodes' threads out by weighted
 *   demand, places the shares on nodes, declares silent nodes dead, promotes
 *   due jobs and prunes.
 * - views: jobs, counts and nodes come from the backend, so every node
 *   answers for the whole cluster.
 * - schedules and observers (Scheduler): the backend keeps them; the leader
 *   fires ticks and evaluates observers. Those the config declares are saved
 *   at start.
 *
 * The local backend is a cluster of one node that always leads.
 */
import {
  Emitter,
  Errors,
  HistoryRecorder,
  JOB_STATES,
  histogramQuantile,
  mergeHistograms,
  type HistogramData,
  HISTORY_MINUTE_MS,
  type HistoryRange,
  type HistoryView,
  historyPoints,
  historySince,
  canTransition,
  flowView,
  isCadreError,
  isFinished,
  type BulkAction,
  type BulkFilter,
  type BulkOutcome,
  type ObserverRequest,
  type ObserverResult,
  type ObserverView,
  type ScheduleRequest,
  type ScheduleView,
  type CategoryPatch,
  type CategoryView,
  type ChainRequest,
  type EngineConfig,
  type Flow,
  type GroupRequest,
  type Job,
  type JobRequest,
  type JobState,
  type NodeView,
  type RetryChanges,
  type Stats,
  type TaskView,
} from '@cadre/core';
import { createPool, type TaskPool } from '@cadre/pool';
import {
  createLocalBackend,
  type Backend,
  type CategoryCounts,
  type NodeRecord,
  type NodeReport,
} from '@cadre/store';
import { runBulk } from './bulk-action.js';
import { CategorySettings, validatePatch } from './category-settings.js';
import { Dispatcher } from './dispatcher.js';
import { HistoryFlusher } from './history-flusher.js';
import type { Clock, EngineOptions, Logger, PoolHooks } from './engine-options.js';
import { planChain, planGroup, planJobs, type Plan, type Resolve } from './flow-plan.js';
import { RequestResolver } from './request-resolver.js';
import { Scheduler } from './scheduler.js';
import type { Engine, EngineEvents, ListPage, ListQuery, SubmitResult } from './types.js';
import { Timetable, resolveScheduled } from './timetable.js';
import { WorkerBalancer } from './worker-balancer.js';

const DEFAULT_GRACE_MS = 10_000;

const silent: Logger = { debug() {}, info() {}, warn() {}, error() {} };

export function createEngine(options: EngineOptions): Engine {
  return new CadreEngine(options);
}

interface Running {
  pool: TaskPool;
  dispatcher: Dispatcher;
  balancer: WorkerBalancer;
  flusher: HistoryFlusher;
}

const DEFAULT_HISTORY_FLUSH_MS = 10_000;
const DEFAULT_PRUNE_INTERVAL_MS = 5_000;

class CadreEngine implements Engine {
  readonly #config: EngineConfig;
  readonly #backend: Backend;
  /** This node's name. */
  readonly #node: string;
  readonly #options: EngineOptions;
  readonly #clock: Clock;
  readonly #log: Logger;
  readonly #events = new Emitter<EngineEvents>();
  /** The configured categories, and the orphans stored jobs name. */
  readonly #categories = new Map<string, CategorySettings>();
  readonly #resolver: RequestResolver;
  readonly #scheduler: Scheduler;
  readonly #timetable: Timetable;
  readonly #waiters = new Map<string, Set<(job: Job | null) => void>>();
  readonly #unsubscribe: (() => void)[] = [];
  /** This node's attempts, per minute and category, until the next flush (metrics history). */
  readonly #history = new HistoryRecorder();
  #run: Running | null = null;
  #startedAt = 0;
  #mode: 'idle' | 'running' | 'stopping' | 'stopped' = 'idle';

  constructor(options: EngineOptions) {
    this.#options = options;
    this.#config = options.config;
    if (!options.backend && !options.store) {
      throw new Error('createEngine needs a backend, or a store for the local backend');
    }
    this.#log = options.logger ?? silent;
    this.#backend =
      options.backend ?? createLocalBackend({ store: options.store!, logger: this.#log });
    this.#node = options.config.node.name;
    this.#clock = options.clock ?? { now: Date.now };
    for (const c of options.config.categories) {
      this.#categories.set(c.name, new CategorySettings(c));
    }
    this.#resolver = new RequestResolver(options.config, this.#categories);
    this.#scheduler = new Scheduler({
      backend: this.#backend,
      clock: this.#clock,
      log: this.#log,
      resolve: (request, now) => resolveScheduled(this.#resolver, request, 'job', now),
      // Found later than this, a tick was missed: nothing ran it for two intervals.
      graceMs: Math.max(2 * options.config.balanceIntervalMs, 1000),
      onResult: (result) => this.#events.emit('observer:result', result),
    });
    this.#timetable = new Timetable({
      config: this.#config,
      backend: this.#backend,
      resolver: this.#resolver,
      categories: this.#categories,
      scheduler: this.#scheduler,
      clock: this.#clock,
      log: this.#log,
    });
  }

  // ── lifecycle ────────────────────────────────────────────────────────────

  async start(): Promise<void> {
    if (this.#mode !== 'idle') throw new Error('engine.start() may be called once');
    const config = this.#config;
    const now = this.#clock.now();
    this.#startedAt = now;
    const maxQueued: Record<string, number | null> = {};
    for (const c of config.categories) maxQueued[c.name] = c.maxQueued;
    const opened = await this.#backend.open({
      node: { ...config.node, workers: config.workers },
      limits: { maxQueuedTotal: config.maxQueuedTotal, maxQueued, retention: config.retention },
      nodeTimeoutMs: config.cluster.nodeTimeoutMs,
      now,
    });
    this.#applyOverrides(opened.categories);
    this.#adoptOrphans(await this.#backend.counts());
    this.#log.info({ node: this.#node, requeued: opened.requeued }, 'backend opened');
    try {
      await this.#timetable.saveDeclared(now);
    } catch (err) {
      await this.#backend.close().catch(() => undefined);
      throw err;
    }

    const makePool = this.#options.pool ?? ((hooks: PoolHooks) => defaultPool(config, hooks));
    const pool = makePool({ onProgress: (id, percent) => dispatcher.progress(id, percent) });
    const dispatcher: Dispatcher = new Dispatcher({
      backend: this.#backend,
      pool,
      threads: config.workers,
      categories: this.#categories,
      clock: this.#clock,
      random: this.#options.random ?? Math.random,
      log: this.#log,
      history: this.#history,
      onProgress: (job) => this.#events.emit('job:changed', job, 'running'),
      onStarved: () => void balancer.rebalanceSoon(),
    });
    const balancer: WorkerBalancer = new WorkerBalancer({
      backend: this.#backend,
      dispatcher,
      categories: this.#categories,
      node: this.#node,
      intervalMs: config.balanceIntervalMs,
      leaseMs: config.cluster.leaseMs,
      nodeTimeoutMs: config.cluster.nodeTimeoutMs,
      pruneIntervalMs: this.#options.pruneIntervalMs ?? DEFAULT_PRUNE_INTERVAL_MS,
      clock: this.#clock,
      log: this.#log,
      report: () => this.#report(),
      onAllocation: (allocation) =>
        this.#events.emit('allocation:changed', this.#iso(this.#clock.now()), allocation),
      onSettings: () => this.#refreshSettings(),
      onLead: (leading) => void this.#scheduler.lead(leading),
    });
    const flusher = new HistoryFlusher({
      backend: this.#backend,
      recorder: this.#history,
      clock: this.#clock,
      log: this.#log,
      intervalMs: this.#options.historyFlushMs ?? DEFAULT_HISTORY_FLUSH_MS,
    });
    this.#run = { pool, dispatcher, balancer, flusher };
    const backend = this.#backend;
    this.#unsubscribe.push(
      backend.on('change', (job, previous) => this.#changed(job, previous)),
      backend.on('wake', (category) => {
        dispatcher.hint(category);
        if (category === undefined || !balancer.allocation[category]) {
          void balancer.rebalanceSoon();
        }
      }),
      backend.on('allocation', () => void balancer.readNodesSoon()),
      backend.on('cancelled', (id) => dispatcher.abort(id)),
      backend.on('unavailable', (down) => {
        if (down) this.#log.warn({}, 'the backend is unavailable; no job starts until it is back');
        else this.#log.info({}, 'the backend is available again');
      }),
    );
    this.#mode = 'running';
    flusher.start();
    await balancer.start();
  }

  async stop(options: { graceMs?: number } = {}): Promise<void> {
    const run = this.#run;
    if (this.#mode !== 'running' || !run) return;
    this.#mode = 'stopping';
    await run.balancer.stop();
    await this.#scheduler.stop();
    const left = await run.dispatcher.stop(options.graceMs ?? DEFAULT_GRACE_MS);
    // Whatever still runs is handed back to the queue without spending an
    // attempt (we stopped it; it was not lost): it runs again at the next start.
    if (left.length > 0) {
      this.#log.info(
        { jobs: left.length },
        'jobs still running at stop are queued again, their attempt not counted',
      );
      await this.#backend
        .interrupt(left, this.#clock.now())
        .catch((err: unknown) =>
          this.#log.error({ err }, 'could not hand back running jobs; they run again as lost'),
        );
    }
    run.dispatcher.cancelAll(left.map((a) => a.id));
    await run.pool.destroy();
    // The attempts that ended during the grace period are in it too.
    await run.flusher.stop();
    await this.#backend.close();
    for (const off of this.#unsubscribe.splice(0)) off();
    this.#mode = 'stopped';
    for (const set of this.#waiters.values()) for (const done of [...set]) done(null);
    this.#waiters.clear();
  }

  // ── jobs ─────────────────────────────────────────────────────────────────

  async submit(requests: readonly JobRequest[]): Promise<SubmitResult[]> {
    const now = this.#admitting();
    const plan = planJobs(requests, this.#resolveAt(now));
    const results = await this.#backend.submit(plan.specs, now);
    return plan.specs.length === requests.length ? results : plan.roots.map((i) => results[i]!);
  }

  async submitChain(request: ChainRequest): Promise<Flow> {
    const now = this.#admitting();
    return this.#submitFlow(planChain(request, this.#resolveAt(now)), now);
  }

  async submitGroup(request: GroupRequest): Promise<Flow> {
    const now = this.#admitting();
    return this.#submitFlow(planGroup(request, this.#resolveAt(now)), now);
  }

  async #submitFlow(plan: Plan, now: number): Promise<Flow> {
    const jobs = (await this.#backend.submit(plan.specs, now)).map((r) => r.job);
    return flowView(jobs[0]!.flowId!, jobs)!;
  }

  /** Resolves the requests of a submission made at `now`. */
  #resolveAt(now: number): Resolve {
    return (r, where, receives) => this.#resolver.resolve(r, where, now, receives);
  }

  /** The time of a submission; ERR_SHUTTING_DOWN once the engine stops admitting. */
  #admitting(): number {
    if (this.#mode !== 'running') throw Errors.shuttingDown();
    return this.#clock.now();
  }

  async flow(id: string): Promise<Flow> {
    const jobs = await this.#backend.flowJobs(id);
    const flow = flowView(
      id,
      jobs.map((j) => this.#withProgress(j)),
    );
    if (flow === null) throw Errors.flowNotFound(id);
    return flow;
  }

  async cancelFlow(id: string): Promise<Flow> {
    const jobs = await this.#backend.flowJobs(id);
    if (jobs.length === 0) throw Errors.flowNotFound(id);
    // Oldest first: cancelling a job drops the callbacks waiting on it, so
    // most later ones are cancelled before their turn comes.
    for (const job of jobs) {
      if (isFinished(job.state)) continue;
      await this.#backend.cancel(job.id, this.#clock.now()).catch((err: unknown) => {
        // Finished meanwhile (dropped by an earlier cancel, or done): nothing to cancel.
        if (!isCadreError(err) || err.code !== 'ERR_INVALID_TRANSITION') throw err;
      });
    }
    return this.flow(id);
  }

  async get(id: string): Promise<Job> {
    const job = await this.#backend.get(id);
    if (!job) throw Errors.jobNotFound(id);
    return this.#withProgress(job);
  }

  async waitFor(id: string, waitMs: number): Promise<Job> {
    const job = await this.get(id);
    if (isFinished(job.state) || waitMs <= 0 || this.#mode !== 'running') return job;
    let set = this.#waiters.get(id);
    if (!set) this.#waiters.set(id, (set = new Set()));
    const waiters = set;
    const finished = await new Promise<Job | null>((resolve) => {
      const pollMs = this.#backend.pollMs;
      // Other nodes finish jobs too: read it again now and then. A job gone
      // has finished too, forgotten at its end (retention that keeps nothing).
      const poll =
        pollMs === null
          ? null
          : setInterval(() => {
              this.#backend
                .get(id)
                .then((j) => (j === null || isFinished(j.state)) && done(j), ignore);
            }, pollMs);
      const timer = setTimeout(() => done(null), waitMs);
      const done = (j: Job | null) => {
        clearTimeout(timer);
        if (poll) clearInterval(poll);
        waiters.delete(done);
        if (waiters.size === 0 && this.#waiters.get(id) === waiters) this.#waiters.delete(id);
        resolve(j);
      };
      waiters.add(done);
    });
    if (finished) return finished;
    return this.get(id).catch((err: unknown) => {
      // Forgotten meanwhile: a 404, as any read of it from now on.
      if (isCadreError(err) && err.code === 'ERR_JOB_NOT_FOUND') throw err;
      return job;
    });
  }

  async list(query: ListQuery): Promise<ListPage> {
    if (query.category !== undefined && !this.#categories.has(query.category)) {
      throw Errors.unknownCategory(query.category);
    }
    const page = await this.#backend.list(query);
    return { ...page, jobs: page.jobs.map((j) => this.#withProgress(j)) };
  }

  async cancel(id: string): Promise<Job> {
    // The backend tells every node (this one included) to abort a running attempt.
    return this.#backend.cancel(id, this.#clock.now());
  }

  async retry(id: string, changes: RetryChanges = {}): Promise<Job> {
    if (this.#mode !== 'running') throw Errors.shuttingDown();
    const job = await this.get(id);
    const { input } = changes;
    // A job that cannot be retried answers that first (409), whatever its new input.
    if (input !== undefined && canTransition(job, 'retry')) {
      this.#resolver.checkInput(job.task, input);
    }
    return this.#backend.retry(id, changes, this.#clock.now());
  }

  async bulk(filter: BulkFilter, action: BulkAction): Promise<BulkOutcome> {
    if (action === 'retry' && this.#mode !== 'running') throw Errors.shuttingDown();
    if (filter.category !== undefined && !this.#categories.has(filter.category)) {
      throw Errors.unknownCategory(filter.category);
    }
    return runBulk({ backend: this.#backend, filter, action, now: () => this.#clock.now() });
  }

  /** A job changed through the backend: counters, waiters, hints, listeners. */
  #changed(job: Job, previous: JobState | null): void {
    const run = this.#run;
    switch (job.state) {
      case 'queued':
        run?.dispatcher.hint(job.category);
        break;
      case 'delayed':
      case 'retrying':
        run?.balancer.dueAt(Date.parse(job.runAt!));
        break;
      case 'succeeded':
      case 'failed':
      case 'cancelled': {
        const cat = this.#categories.get(job.category);
        if (cat && previous !== null && previous !== job.state) {
          cat.finishedHere[job.state] += 1;
          cat.throughput.add(this.#clock.now());
        }
        const waiters = this.#waiters.get(job.id);
        if (waiters) for (const done of [...waiters]) done(job);
        break;
      }
      case 'running':
        break;
    }
    this.#events.emit('job:changed', job, previous);
  }

  /** A job this node runs carries the progress its attempt reported. */
  #withProgress(job: Job): Job {
    if (job.state !== 'running') return job;
    const mine = this.#run?.dispatcher.running(job.id);
    return mine && mine.attempts === job.attempts ? { ...job, progress: mine.progress } : job;
  }

  // ── categories ───────────────────────────────────────────────────────────

  async patchCategory(name: string, patch: CategoryPatch): Promise<CategoryView> {
    const cat = this.#categories.get(name);
    if (!cat || cat.orphaned) throw Errors.unknownCategory(name);
    validatePatch(cat, patch);
    await this.#backend.patchCategory(name, patch);
    cat.apply(patch);
    if (patch.rateLimit !== undefined) this.#run?.dispatcher.release(name);
    await this.#run?.balancer.rebalanceSoon();
    this.#run?.dispatcher.fill();
    const views = await this.categories();
    return views.find((v) => v.name === name)!;
  }

  async categories(): Promise<CategoryView[]> {
    await this.#refreshSettings();
    const counts = await this.#backend.counts();
    this.#adoptOrphans(counts);
    const now = this.#clock.now();
    const others = this.#otherLiveNodes();
    const allocation = this.#run?.balancer.allocation ?? {};
    return [...this.#categories.values()].map((c) => {
      const name = c.config.name;
      const n = counts[name];
      const finished = { ...c.finishedHere };
      let throughput = c.throughput.rate(now);
      let rateLimited = c.rateLimit !== null && (this.#run?.dispatcher.held(name) ?? false);
      let wait: HistogramData = this.#history.recentWait(name, now);
      for (const node of others) {
        const theirs = node.report.finished[name];
        if (theirs) for (const s of FINISHED) finished[s] += theirs[s];
        throughput += node.report.throughput[name] ?? 0;
        if (c.rateLimit !== null && node.report.rateHeld?.includes(name)) rateLimited = true;
        const theirWait = node.report.wait?.[name];
        if (theirWait) wait = mergeHistograms(wait, theirWait);
      }
      return {
        name,
        weight: c.weight,
        minWorkers: c.minWorkers,
        maxWorkers: c.maxWorkers,
        paused: c.paused,
        concurrency: c.concurrency,
        rateLimit: c.rateLimit,
        rateLimited,
        orphaned: c.orphaned,
        waiting: n?.waiting ?? 0,
        delayed: n?.delayed ?? 0,
        queued: n?.queued ?? 0,
        running: n?.running ?? 0,
        retrying: n?.retrying ?? 0,
        allocated: allocation[name] ?? 0,
        ...finished,
        throughput,
        targetWaitMs: c.targetWaitMs,
        waitP50Ms: histogramQuantile(wait, 0.5),
        waitP95Ms: histogramQuantile(wait, 0.95),
      };
    });
  }

  // ── metrics history ──────────────────────────────────────────────────────

  async history(range: HistoryRange): Promise<HistoryView> {
    const now = this.#clock.now();
    const since = historySince(range, now);
    const rows = await this.#backend.history(since, now);
    return {
      range,
      from: this.#iso(since),
      to: this.#iso(now),
      stepMs: HISTORY_MINUTE_MS,
      points: historyPoints(rows),
    };
  }

  tasks(): TaskView[] {
    return [...this.#resolver.tasks].map((t) => ({
      name: t.name,
      category: t.category,
      ...(t.inputSchema ? { inputSchema: t.inputSchema } : {}),
    }));
  }

  async stats(): Promise<Stats> {
    const counts = await this.#backend.counts();
    const live = (this.#run?.balancer.nodes ?? []).filter((n) => n.state === 'live');
    const s: Stats = {
      workers: live.length > 0 ? live.reduce((sum, n) => sum + n.workers, 0) : this.#config.workers,
      nodes: Math.max(1, live.length),
      allocation: { ...this.#run?.balancer.allocation },
      waiting: 0,
      queued: 0,
      running: 0,
      delayed: 0,
      retrying: 0,
      succeeded: 0,
      failed: 0,
      cancelled: 0,
      uptimeMs: this.#startedAt === 0 ? 0 : this.#clock.now() - this.#startedAt,
    };
    for (const n of Object.values(counts)) {
      s.waiting += n.waiting;
      s.queued += n.queued;
      s.running += n.running;
      s.delayed += n.delayed;
      s.retrying += n.retrying;
    }
    for (const c of this.#categories.values()) {
      for (const state of FINISHED) s[state] += c.finishedHere[state];
    }
    for (const node of this.#otherLiveNodes()) {
      for (const f of Object.values(node.report.finished)) {
        for (const state of FINISHED) s[state] += f[state];
      }
    }
    return s;
  }

  // ── schedules and observers ──────────────────────────────────────────────

  saveSchedule(request: ScheduleRequest): Promise<{ schedule: ScheduleView; created: boolean }> {
    return this.#timetable.saveSchedule(request, this.#admitting());
  }

  schedules(): Promise<ScheduleView[]> {
    return this.#timetable.schedules();
  }

  schedule(name: string): Promise<ScheduleView> {
    return this.#timetable.schedule(name);
  }

  deleteSchedule(name: string): Promise<void> {
    return this.#timetable.deleteSchedule(name);
  }

  pauseSchedule(name: string, paused: boolean): Promise<ScheduleView> {
    return this.#timetable.pauseSchedule(name, paused);
  }

  saveObserver(request: ObserverRequest): Promise<{ observer: ObserverView; created: boolean }> {
    return this.#timetable.saveObserver(request, this.#admitting());
  }

  observers(): Promise<ObserverView[]> {
    return this.#timetable.observers();
  }

  deleteObserver(name: string): Promise<void> {
    return this.#timetable.deleteObserver(name);
  }

  observerResults(name: string): Promise<ObserverResult[]> {
    return this.#timetable.observerResults(name);
  }

  // ── nodes ────────────────────────────────────────────────────────────────

  async nodes(): Promise<NodeView[]> {
    const nodes = await this.#backend.nodes(this.#clock.now());
    return nodes.map((n) => ({
      name: n.name,
      tags: [...n.tags],
      workers: n.workers,
      running: n.name === this.#node ? (this.#run?.dispatcher.busy ?? 0) : n.report.running,
      allocation: n.allocation,
      leader: n.leader,
      state: n.state,
      startedAt: this.#iso(n.startedAt),
      heartbeatAt: this.#iso(n.heartbeatAt),
    }));
  }

  removeNode(name: string): Promise<void> {
    return this.#backend.removeNode(name);
  }

  on<E extends keyof EngineEvents>(event: E, listener: EngineEvents[E]): () => void {
    return this.#events.on(event, listener);
  }

  // ── helpers ──────────────────────────────────────────────────────────────

  /** What this node tells the cluster with each heartbeat. */
  #report(): NodeReport {
    const now = this.#clock.now();
    const report: NodeReport = {
      running: this.#run?.dispatcher.busy ?? 0,
      finished: {},
      throughput: {},
      rateHeld: this.#run?.dispatcher.rateHeld() ?? [],
      wait: {},
    };
    for (const [name, c] of this.#categories) {
      report.finished[name] = { ...c.finishedHere };
      report.throughput[name] = c.throughput.rate(now);
    }
    for (const name of this.#history.recentCategories(now)) {
      report.wait![name] = this.#history.recentWait(name, now);
    }
    return report;
  }

  #otherLiveNodes(): NodeRecord[] {
    const nodes = this.#run?.balancer.nodes ?? [];
    return nodes.filter((n) => n.state === 'live' && n.name !== this.#node);
  }

  /** Takes in the categories' shared settings, as another node may have changed them. */
  async #refreshSettings(): Promise<void> {
    const overrides = await this.#backend.categoryOverrides();
    this.#applyOverrides(overrides);
  }

  #applyOverrides(overrides: Record<string, CategoryPatch>): void {
    for (const [name, cat] of this.#categories) cat.reset(overrides[name]);
  }

  /** Categories that stored jobs name and the config does not list: kept and listed, never run. */
  #adoptOrphans(counts: CategoryCounts): void {
    for (const [name, n] of Object.entries(counts)) {
      if (this.#categories.has(name)) continue;
      this.#categories.set(name, CategorySettings.orphan(name, this.#config));
      const jobs = JOB_STATES.reduce((sum, state) => sum + n[state], 0);
      this.#log.warn(
        { category: name, jobs },
        `category '${name}' is no longer configured: its ${jobs} jobs are kept, and run once it is configured again`,
      );
    }
  }

  #iso(ms: number): string {
    return new Date(ms).toISOString();
  }
}

const FINISHED = ['succeeded', 'failed', 'cancelled'] as const;

function ignore(): void {}

function defaultPool(config: EngineConfig, hooks: PoolHooks): TaskPool {
  return createPool({
    workers: config.workers,
    tasks: config.tasks,
    maxResultBytes: config.maxResultBytes,
    ...(config.resourceLimits ? { resourceLimits: config.resourceLimits } : {}),
    onProgress: hooks.onProgress,
  });
}
