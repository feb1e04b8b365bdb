/**
 * The local backend: one node, every job in memory, a JobStore as its log.
 *
 * - The truth is the in-memory records, the per-category queues (by
 *   priority, FIFO among equals), the delayed-job order and the listing
 *   index; the store (the lowdb journal, or memory in tests) records every
 *   change and gives them back at start.
 * - Every change goes through one CommitBatcher, so the journal keeps program
 *   order. What a caller is answered after (submit, cancel, retry, a category
 *   change) is written first and applied after. Claims and promotions are
 *   written behind (at-least-once). An outcome is written behind too, but
 *   applied (state, events, the caller's promise) only once it is durable: a
 *   client that saw `succeeded` never sees the job run again.
 * - A new job is written whole (a put); a change of one as an update, which
 *   the journal keeps as the fields that changed, so the input is written
 *   once. An update is used only where the record it replaces is certain to
 *   be the one the journal holds: a change applied once durable (an outcome,
 *   a cancel, a retry), or one applied at once and written behind, which is
 *   never dropped (a claim, a promotion). A change applied at once whose
 *   commit may fail and be forgotten (a hand-back, a requeue of lost
 *   attempts) is written whole, and so is the next change of its job.
 * - While a durable change of a job is in flight (`#inflight`), nothing else
 *   changes that job: later changes wait for it.
 * - A change applied at once emits its events only once its mutations are
 *   queued (`#recording`): a listener may change the job again at once (the
 *   dispatcher claims a job the moment it is queued), and that change must
 *   reach the journal after the one it follows.
 * - A change that finishes a job carries, in the same commit, what it does to
 *   the callbacks waiting on it (core's `settleDependents`), which it holds
 *   like its own job. It reads jobs with a change in flight as they will be
 *   once it lands (`#coming`): a callback being cancelled is not fired, and
 *   two chord members finishing in commits in flight see each other.
 * - Schedules, observers and observers' results live in local-schedules.ts,
 *   written through the same batcher; a schedule's tick writes its job and
 *   the schedule's record in one commit. Observers read the listing index.
 * - The metrics history lives in local-history.ts, written through the same
 *   batcher as a side record.
 * - While the store refuses writes, `claim` answers none.
 * - A rate-limited category's starts are counted in memory (`StartWindow`):
 *   one node holds the whole budget.
 * - It is a cluster of one: it always leads, and no other node exists.
 */
import {
  DelayQueue,
  Emitter,
  Errors,
  MAX_BULK_IDS,
  allowsBulk,
  checkQueueLimits,
  countByCategory,
  JobIndex,
  createJob,
  isFinished,
  forgottenAtEnd,
  isRetainedAs,
  settleDependents,
  transition,
  UNFINISHED_STATES,
  type FlowGraph,
  type Allocation,
  type HistoryRow,
  type BulkAction,
  type CategoryPatch,
  type DeclaredIn,
  type Job,
  type JobEvent,
  type UnfinishedState,
  type ObserverQuery,
  type ObserverRecord,
  type ObserverResult,
  type ObserverSpec,
  type RateLimit,
  type RetryChanges,
  type ScheduleRecord,
  type ScheduleSpec,
} from '@cadre/core';
import {
  readClaimTime,
  type AttemptRef,
  type Backend,
  type BackendEvents,
  type BackendLimits,
  type BulkResult,
  type Backlog,
  type CategoryCounts,
  type CategoryOverride,
  type ClaimTime,
  type Completion,
  type Fired,
  type JobSpec,
  type Lease,
  type LimitedClaim,
  type ListPage,
  type ListQuery,
  type NodeIdentity,
  type NodeRecord,
  type NodeReport,
  type Observation,
  type Opened,
  type OpenOptions,
  type SubmitResult,
} from './backend.js';
import { CommitBatcher } from './commit-batcher.js';
import { createIdGenerator } from './ids.js';
import type { JobStore, Mutation } from './job-store.js';
import { LocalCategory } from './local-category.js';
import { LocalHistory } from './local-history.js';
import { jobFilter, scanPage } from './job-search.js';
import { LocalSchedules, observeIndex } from './local-schedules.js';

export interface LocalBackendLogger {
  info(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

export interface LocalBackendOptions {
  store: JobStore;
  logger?: LocalBackendLogger;
}

const silent: LocalBackendLogger = { info() {}, error() {} };

/** Ids a search looks at in the listing index before it reads every record instead. */
const SEARCH_WALK = 2000;

export function createLocalBackend(options: LocalBackendOptions): Backend {
  return new LocalBackend(options);
}

/** A record as an older release wrote it, with the fields it did not have. */
function upgrade(record: Job): Job {
  if (
    record.node !== undefined &&
    record.parents !== undefined &&
    record.priority !== undefined &&
    record.schedule !== undefined
  ) {
    return record;
  }
  return {
    ...record,
    priority: record.priority ?? 0,
    node: record.node ?? null,
    flowId: record.flowId ?? null,
    flowRole: record.flowRole ?? null,
    parents: record.parents ?? [],
    trigger: record.trigger ?? null,
    schedule: record.schedule ?? null,
  };
}

export class LocalBackend implements Backend {
  readonly kind = 'local';
  readonly pollMs = null;
  readonly claimsAhead: boolean = false;

  readonly #store: JobStore;
  readonly #log: LocalBackendLogger;
  readonly #batcher: CommitBatcher;
  readonly #events = new Emitter<BackendEvents>();

  readonly #jobs = new Map<string, Job>();
  /** Ids by category and state, newest first, for listing. */
  readonly #listing = new JobIndex();
  readonly #keys = new Map<string, string>();
  /** Ids of the jobs that list a job among their parents, by that job's id. */
  readonly #children = new Map<string, string[]>();
  /** Ids of each flow's jobs. */
  readonly #flows = new Map<string, Set<string>>();
  /** The record a job will have once its change in flight (see #inflight) lands. */
  readonly #coming = new Map<string, Job>();
  /** Submissions whose commit is in flight, by idempotency key; settle once indexed. */
  readonly #pendingKeys = new Map<string, Promise<void>>();
  readonly #categories = new Map<string, LocalCategory>();
  readonly #delays = new DelayQueue();
  /**
   * Jobs with a durable change in flight, and what waits for it to land: a
   * cancel or retry being written, an outcome being written before it is
   * applied. Nothing else changes such a job until then.
   */
  readonly #inflight = new Map<string, (() => void)[]>();
  readonly #overrides = new Map<string, CategoryOverride>();
  /** Jobs whose next change is written whole: the journal may not hold their record (#putUncertain). */
  readonly #uncertain = new Set<string>();
  /** Events of a change being recorded, emitted once its mutations are queued (#recording). */
  #heldEvents: (() => void)[] | null = null;
  /** Waiting jobs of submissions whose commit is in flight, by category, counted against the limits. */
  readonly #reserved = new Map<string, number>();
  /** Schedules, observers and observers' results (issue 13). */
  readonly #schedules: LocalSchedules;
  /** Metrics history (issue 14). */
  readonly #history: LocalHistory;
  #limits: BackendLimits | null = null;
  #identity: NodeIdentity | null = null;
  /** This node as the cluster of one sees it; null once removed (after it was declared dead). */
  #node: NodeRecord | null = null;
  #newId: () => string = () => '';
  /** The `now` of the submission being built: ids sort by creation time. */
  #submitNow = 0;

  constructor(options: LocalBackendOptions) {
    this.#store = options.store;
    this.#log = options.logger ?? silent;
    this.#batcher = new CommitBatcher(options.store, {
      onError: (err) => {
        this.#log.error(
          { err },
          'could not record job starts or outcomes; no job starts until the store takes writes again',
        );
        this.#events.emit('unavailable', true);
      },
      onWritable: () => {
        this.#log.info({}, 'the store takes writes again');
        this.#events.emit('unavailable', false);
        this.#events.emit('wake');
      },
    });
    this.#schedules = new LocalSchedules({
      commit: (mutations) => this.#batcher.add(mutations),
      submitWith: (specs, now, extra) => this.#submitWith(specs, now, extra),
    });
    this.#history = new LocalHistory({ commit: (mutations) => this.#batcher.add(mutations) });
  }

  on<E extends keyof BackendEvents>(event: E, listener: BackendEvents[E]): () => void {
    return this.#events.on(event, listener);
  }

  // ── lifecycle ────────────────────────────────────────────────────────────

  async open(options: OpenOptions): Promise<Opened> {
    const { node, now } = options;
    this.#limits = options.limits;
    this.#identity = { ...node, tags: [...node.tags] };
    this.#node = this.#join();
    const state = await this.#store.load();
    for (const [name, override] of Object.entries(state.categories)) {
      this.#overrides.set(name, override);
    }
    this.#schedules.load(state);
    this.#history.load(state);
    const { lost, changes } = this.#recover(state.jobs, now);
    if (changes.length > 0) await this.#batcher.add(changes);
    return { categories: Object.fromEntries(this.#overrides), requeued: lost };
  }

  async close(): Promise<void> {
    // Everything written behind so far is flushed first (the journal keeps program order).
    await this.#batcher
      .add([])
      .catch((err: unknown) =>
        this.#log.error({ err }, 'final commit failed; unrecorded outcomes will run again'),
      );
    this.#batcher.close();
    await this.#store.close();
  }

  // ── jobs ─────────────────────────────────────────────────────────────────

  submit(specs: readonly JobSpec[], now: number): Promise<SubmitResult[]> {
    return this.#submitWith(specs, now);
  }

  /** A submit that writes what `extra` makes of the results in the same commit (a schedule's tick). */
  async #submitWith(
    specs: readonly JobSpec[],
    now: number,
    extra?: (results: readonly (SubmitResult | Promise<SubmitResult>)[]) => Mutation[],
  ): Promise<SubmitResult[]> {
    const release = this.#reserve(specs);
    try {
      return await this.#create(specs, now, extra);
    } finally {
      release();
    }
  }

  async #create(
    specs: readonly JobSpec[],
    now: number,
    extra?: (results: readonly (SubmitResult | Promise<SubmitResult>)[]) => Mutation[],
  ): Promise<SubmitResult[]> {
    const results: (SubmitResult | Promise<SubmitResult>)[] = [];
    const created: Job[] = [];
    const inBatch = new Map<string, Job>();
    this.#submitNow = now;
    const flowId = specs.some((s) => s.flowRole) ? this.#newId() : null;
    for (const spec of specs) {
      if (spec.key !== null) {
        const existing = this.#keys.get(spec.key);
        if (existing !== undefined) {
          results.push({ job: this.#jobs.get(existing)!, created: false });
          continue;
        }
        const pending = this.#pendingKeys.get(spec.key);
        if (pending) {
          const key = spec.key;
          results.push(
            pending.then(() => ({ job: this.#jobs.get(this.#keys.get(key)!)!, created: false })),
          );
          continue;
        }
        const twin = inBatch.get(spec.key);
        if (twin) {
          results.push({ job: twin, created: false });
          continue;
        }
      }
      const job = createJob(
        {
          ...spec,
          id: this.#newId(),
          flowId: spec.flowRole ? flowId : null,
          // Parents come before their callbacks, and have no key: they are created here.
          parents: spec.parents?.map((i) => (results[i] as SubmitResult).job.id),
        },
        now,
      );
      if (spec.key !== null) inBatch.set(spec.key, job);
      created.push(job);
      results.push({ job, created: true });
    }
    const more = extra?.(results) ?? [];
    if (created.length === 0) {
      if (more.length > 0) await this.#batcher.add(more);
      return Promise.all(results);
    }

    let indexed!: () => void;
    let refused!: (err: unknown) => void;
    const settled = new Promise<void>(
      (resolve, reject) => ((indexed = resolve), (refused = reject)),
    );
    settled.catch(() => {}); // only submissions sharing a key await it
    for (const key of inBatch.keys()) this.#pendingKeys.set(key, settled);
    try {
      await this.#batcher.add([...created.map((job) => ({ op: 'put', job }) as const), ...more]);
    } catch (err) {
      refused(err);
      throw err;
    } finally {
      for (const key of inBatch.keys()) this.#pendingKeys.delete(key);
    }
    // Durable: from here on the jobs exist.
    for (const job of created) {
      this.#remember(job);
      this.#enter(job, now);
      this.#events.emit('change', job, null);
    }
    indexed();
    return Promise.all(results);
  }

  async claim(category: string, max: number, at: ClaimTime): Promise<Job[]> {
    return this.#take(category, max, readClaimTime(at));
  }

  async claimLimited(
    category: string,
    max: number,
    limit: RateLimit,
    at: ClaimTime,
  ): Promise<LimitedClaim> {
    const now = readClaimTime(at);
    const starts = this.#category(category).starts;
    const room = starts.room(limit, now);
    const jobs = room > 0 ? this.#take(category, Math.min(max, room), now) : [];
    starts.record(now, jobs.length);
    const full = starts.room(limit, now) === 0;
    return { jobs, heldUntil: full ? starts.freesAt(limit, now) : null };
  }

  /** Starts up to `max` queued jobs of `category`, highest priority first, then oldest in the queue. */
  #take(category: string, max: number, now: number): Job[] {
    const cat = this.#categories.get(category);
    const claimed: Job[] = [];
    // A node declared dead claims nothing until it rejoins (see `heartbeat`).
    if (!cat || !this.#batcher.writable || this.#node?.state !== 'live') return claimed;
    const node = this.#identity!.name;
    this.#recording(() => {
      const mutations: Mutation[] = [];
      while (claimed.length < max && cat.queue.size > 0) {
        const id = cat.queue.peek()!;
        // A change of the head is being written: the queue waits for it (#landed wakes it).
        if (this.#inflight.has(id)) break;
        const prev = this.#jobs.get(id)!;
        const job = this.#apply(prev, { type: 'start', node }, now);
        mutations.push(this.#changeOf(prev, job));
        claimed.push(job);
      }
      if (mutations.length > 0) this.#batcher.later(mutations);
    });
    return claimed;
  }

  complete(done: Completion, now: number): Promise<Job | null> {
    return new Promise((resolve) => this.#complete(done, now, resolve));
  }

  #complete(done: Completion, now: number, resolve: (job: Job | null) => void): void {
    const waiting = this.#inflight.get(done.id);
    if (waiting) {
      // A cancel is being written: the outcome counts only if that cancel fails.
      waiting.push(() => this.#complete(done, now, resolve));
      return;
    }
    const job = this.#jobs.get(done.id);
    if (!job || !this.#runs(job, done.attempt)) {
      resolve(null);
      return;
    }
    const { outcome, retryDelayMs, lowerPriority } = done;
    const next = transition(job, { type: 'settle', outcome, retryDelayMs, lowerPriority }, now);
    if (forgottenAtEnd(next, this.#limits!.retention) && !this.#children.has(job.id)) {
      this.#forgetAtEnd(job, next, resolve);
      return;
    }
    const dependents = this.#dependents(next, now);
    this.#hold(next);
    const finish = this.#changeOf(job, next);
    // The worker's own JSON text of the result, when the pool hands it over.
    if (finish.op === 'update' && outcome.kind === 'ok' && outcome.json !== undefined) {
      finish.resultJson = outcome.json;
    }
    const mutations = [finish, ...this.#holdDependents(dependents)];
    this.#batcher.later(mutations, () => {
      this.#install(this.#jobs.get(done.id)!, next, now);
      this.#landed(done.id);
      this.#installDependents(dependents, now);
      resolve(next);
    });
  }

  /**
   * Ends `job`'s attempt by forgetting it (core's `forgottenAtEnd`): its
   * delete is what the journal records, and `next`, the record it finished
   * with, is told and answered but kept nowhere. It has no callbacks to
   * settle (a job with any is kept).
   */
  #forgetAtEnd(job: Job, next: Job, resolve: (job: Job | null) => void): void {
    this.#hold(next);
    this.#uncertain.delete(job.id);
    this.#batcher.later([{ op: 'delete', id: job.id }], () => {
      const current = this.#jobs.get(job.id)!;
      this.#leave(current);
      this.#forget(current);
      this.#landed(job.id);
      this.#emit('change', next, current.state);
      resolve(next);
    });
  }

  /**
   * What `next`, the job's coming record, does to the callbacks waiting on
   * it. Jobs whose change is being written are read as they will be: two
   * members of a chord finishing in commits in flight at once see each
   * other's success, and a callback being fired or cancelled is no longer waiting.
   */
  #dependents(next: Job, now: number): Job[] {
    if (!this.#children.has(next.id)) return [];
    const graph: FlowGraph = {
      job: (id) => (id === next.id ? next : (this.#coming.get(id) ?? this.#jobs.get(id))),
      children: (id) => this.#children.get(id) ?? [],
    };
    return settleDependents(next, graph, now);
  }

  /** Marks `next` as the coming record of its job: nothing else changes the job until it lands. */
  #hold(next: Job): void {
    this.#inflight.set(next.id, []);
    this.#coming.set(next.id, next);
  }

  /** Holds off other changes of `dependents` while theirs is written; returns their mutations. */
  #holdDependents(dependents: readonly Job[]): Mutation[] {
    return dependents.map((d) => {
      this.#hold(d);
      return this.#changeOf(this.#jobs.get(d.id)!, d);
    });
  }

  /** The callbacks' changes are durable: they take effect. */
  #installDependents(dependents: readonly Job[], now: number): void {
    for (const d of dependents) {
      this.#install(this.#jobs.get(d.id)!, d, now);
      this.#landed(d.id);
    }
  }

  async interrupt(attempts: readonly AttemptRef[], now: number): Promise<void> {
    await this.#recording(() => {
      const queued: Job[] = [];
      for (const { id, attempt } of attempts) {
        const job = this.#jobs.get(id);
        if (!job || this.#inflight.has(id) || !this.#runs(job, attempt)) continue;
        queued.push(this.#apply(job, { type: 'interrupt' }, now));
      }
      return this.#putUncertain(queued);
    });
  }

  async cancel(id: string, now: number): Promise<Job> {
    const job = await this.#change(id, { type: 'cancel' }, now);
    this.#events.emit('cancelled', id);
    return job;
  }

  retry(id: string, changes: RetryChanges, now: number): Promise<Job> {
    return this.#change(id, { type: 'retry', input: changes.input }, now);
  }

  /**
   * A change a caller is answered after: written first, applied once durable.
   * Waits for any change of the job already in flight, and holds off every
   * other change of it (a claim, a promotion, an outcome) while its own is
   * written, and of the callbacks that change fires or drops.
   */
  async #change(id: string, event: JobEvent, now: number): Promise<Job> {
    for (let list = this.#inflight.get(id); list; list = this.#inflight.get(id)) {
      await new Promise<void>((resolve) => list!.push(resolve));
    }
    const job = this.#jobs.get(id);
    if (!job) throw Errors.jobNotFound(id);
    const next = transition(job, event, now);
    const dependents = this.#dependents(next, now);
    this.#hold(next);
    let written = false;
    try {
      const mutations = [this.#changeOf(job, next), ...this.#holdDependents(dependents)];
      await this.#batcher.add(mutations);
      written = true;
      this.#install(this.#jobs.get(id)!, next, now);
    } finally {
      this.#landed(id);
      for (const d of dependents) {
        if (written) this.#install(this.#jobs.get(d.id)!, d, now);
        this.#landed(d.id);
      }
    }
    return next;
  }

  /**
   * One commit for a page of a bulk action (issue 14): like `#change` for
   * each job that allows it, or a delete of a finished job no waiting
   * callback needs. Waits until no job of the page has a change in flight,
   * then holds them all while the commit is written.
   */
  async bulk(ids: readonly string[], action: BulkAction, now: number): Promise<BulkResult> {
    if (ids.length > MAX_BULK_IDS) {
      throw Errors.validation(`a bulk call takes at most ${MAX_BULK_IDS} ids`, {
        ids: ids.length,
      });
    }
    for (let id = ids.find((i) => this.#inflight.has(i)); id !== undefined;) {
      await new Promise<void>((resolve) => this.#inflight.get(id!)!.push(resolve));
      id = ids.find((i) => this.#inflight.has(i));
    }
    const changed: string[] = [];
    const mutations: Mutation[] = [];
    const next: Job[] = [];
    const dependents: Job[] = [];
    for (const id of ids) {
      const job = this.#jobs.get(id);
      // Held already: named twice, or a callback this page drops.
      if (!job || this.#inflight.has(id) || !allowsBulk(job, action)) continue;
      if (action === 'delete') {
        if (this.#awaited(id)) continue;
        this.#hold(job);
        mutations.push({ op: 'delete', id });
      } else {
        const after = transition(
          job,
          action === 'retry' ? { type: 'retry' } : { type: 'cancel' },
          now,
        );
        const dropped = this.#dependents(after, now);
        this.#hold(after);
        mutations.push(this.#changeOf(job, after), ...this.#holdDependents(dropped));
        next.push(after);
        dependents.push(...dropped);
      }
      changed.push(id);
    }
    if (mutations.length === 0) return { changed };
    try {
      await this.#batcher.add(mutations);
      if (action === 'delete') {
        for (const id of changed) {
          const job = this.#jobs.get(id)!;
          this.#forget(job);
          this.#category(job.category).counts[job.state] -= 1;
        }
      } else {
        for (const job of [...next, ...dependents])
          this.#install(this.#jobs.get(job.id)!, job, now);
      }
    } finally {
      for (const id of [...changed, ...dependents.map((d) => d.id)]) this.#landed(id);
    }
    if (action === 'cancel') for (const id of changed) this.#events.emit('cancelled', id);
    return { changed };
  }

  /** The durable change of `id` in flight has landed (or failed): what waited for it goes on. */
  #landed(id: string): void {
    const waiting = this.#inflight.get(id)!;
    this.#inflight.delete(id);
    this.#coming.delete(id);
    for (const go of waiting) go();
    const job = this.#jobs.get(id);
    if (job?.state === 'queued') this.#events.emit('wake', job.category);
  }

  async get(id: string): Promise<Job | null> {
    return this.#jobs.get(id) ?? null;
  }

  async list(query: ListQuery): Promise<ListPage> {
    const limit = Math.min(Math.max(query.limit ?? 100, 1), 1000);
    // Task and text (job-search.ts): tested on each job the index selects.
    const filter = jobFilter(query);
    if (query.key !== undefined) {
      const job = this.#jobs.get(this.#keys.get(query.key) ?? '');
      const match =
        job !== undefined &&
        (query.category === undefined || job.category === query.category) &&
        (query.state === undefined || job.state === query.state) &&
        (query.cursor === undefined || job.id < query.cursor) &&
        (filter === undefined || filter(job));
      return { jobs: match ? [job] : [], nextCursor: null };
    }
    if (query.flowId !== undefined) return this.#listFlow(query.flowId, query, limit);
    if (filter !== undefined && query.state === undefined) {
      // No state to narrow the index: a page of common matches comes from a
      // short walk of it, newest first; else one pass over every record is
      // faster than the whole walk (job-search.ts).
      const { category, cursor } = query;
      const accept = (id: string) => filter(this.#jobs.get(id)!);
      const found = this.#listing.pageWithin({ category, cursor, limit, accept }, SEARCH_WALK);
      if (found)
        return { jobs: found.ids.map((id) => this.#jobs.get(id)!), nextCursor: found.nextCursor };
      const test = (job: Job) =>
        (category === undefined || job.category === category) && filter(job);
      return scanPage(this.#jobs.values(), test, cursor, limit);
    }
    const page = this.#listing.page({
      category: query.category,
      state: query.state,
      cursor: query.cursor,
      limit,
      ...(filter && { accept: (id: string) => filter(this.#jobs.get(id)!) }),
    });
    return { jobs: page.ids.map((id) => this.#jobs.get(id)!), nextCursor: page.nextCursor };
  }

  /** A page of a flow's jobs: a flow has a few thousand jobs at most, filtered as they are. */
  #listFlow(flowId: string, query: ListQuery, limit: number): ListPage {
    const ids = [...(this.#flows.get(flowId) ?? [])].sort().reverse();
    const filter = jobFilter(query);
    const jobs: Job[] = [];
    let more = false;
    for (const id of ids) {
      if (query.cursor !== undefined && id >= query.cursor) continue;
      const job = this.#jobs.get(id)!;
      if (query.category !== undefined && job.category !== query.category) continue;
      if (query.state !== undefined && job.state !== query.state) continue;
      if (filter !== undefined && !filter(job)) continue;
      if (jobs.length === limit) {
        more = true;
        break;
      }
      jobs.push(job);
    }
    return { jobs, nextCursor: more ? jobs[jobs.length - 1]!.id : null };
  }

  async flowJobs(flowId: string): Promise<Job[]> {
    const ids = [...(this.#flows.get(flowId) ?? [])].sort();
    return ids.map((id) => this.#jobs.get(id)!);
  }

  async counts(): Promise<CategoryCounts> {
    const counts: CategoryCounts = {};
    for (const [name, cat] of this.#categories) counts[name] = { ...cat.counts };
    return counts;
  }

  async backlog(): Promise<Backlog> {
    const backlog: Backlog = {};
    for (const [name, { counts }] of this.#categories) {
      if (!UNFINISHED_STATES.some((s) => counts[s] > 0)) continue;
      const unfinished = Object.fromEntries(UNFINISHED_STATES.map((s) => [s, counts[s]]));
      backlog[name] = unfinished as Record<UnfinishedState, number>;
    }
    return backlog;
  }

  async promoteDue(now: number): Promise<number | null> {
    this.#recording(() => {
      const mutations: Mutation[] = [];
      for (const id of this.#delays.takeDue(now)) {
        const waiting = this.#inflight.get(id);
        // A cancel is being written: promote it only if that cancel fails.
        if (waiting) waiting.push(() => this.#recording(() => this.#promote(id, now)));
        else this.#promote(id, now, mutations);
      }
      if (mutations.length > 0) this.#batcher.later(mutations);
    });
    return this.#delays.nextDueAt();
  }

  /**
   * Queues a due delayed or retrying job; its mutation goes into `into`, or
   * is written behind. Called within #recording, so the claim its events may
   * make is written after it.
   */
  #promote(id: string, now: number, into?: Mutation[]): void {
    const job = this.#jobs.get(id);
    if (!job || (job.state !== 'delayed' && job.state !== 'retrying')) return;
    const next = this.#apply(job, { type: 'promote' }, now);
    const mutation = this.#changeOf(job, next);
    if (into) into.push(mutation);
    else this.#batcher.later([mutation]);
    this.#emit('wake', job.category);
  }

  async prune(now: number): Promise<number> {
    const deletes: Mutation[] = [];
    for (const cat of this.#categories.values()) {
      let kept = false;
      for (const ref of cat.finished.prune(this.#limits!.retention, now)) {
        const job = this.#jobs.get(ref.id);
        // Retried since it finished (or being retried): it is live again, or listed again later.
        if (!job || this.#inflight.has(ref.id) || !isRetainedAs(job, ref)) continue;
        if (this.#awaited(ref.id)) {
          // A chord still needs its result: kept, and judged again by the next prune.
          cat.finished.add(ref.id, ref.state, ref.finishedAtMs);
          kept = true;
          continue;
        }
        this.#forget(job);
        cat.counts[job.state] -= 1;
        deletes.push({ op: 'delete', id: ref.id });
      }
      if (kept) cat.finished.sort();
    }
    if (deletes.length > 0) this.#batcher.later(deletes);
    return deletes.length;
  }

  // ── categories ───────────────────────────────────────────────────────────

  async patchCategory(name: string, patch: CategoryPatch): Promise<void> {
    await this.#batcher.add([{ op: 'category', name, override: patch }]);
    this.#overrides.set(name, { ...this.#overrides.get(name), ...patch });
    this.#events.emit('wake', name);
  }

  async categoryOverrides(): Promise<Record<string, CategoryOverride>> {
    return Object.fromEntries(this.#overrides);
  }

  // ── schedules and observers (local-schedules.ts) ─────────────────────────

  saveSchedule(spec: ScheduleSpec, source: DeclaredIn, now: number): Promise<ScheduleRecord> {
    return this.#schedules.saveSchedule(spec, source, now);
  }

  async schedules(): Promise<ScheduleRecord[]> {
    return this.#schedules.schedules();
  }

  deleteSchedule(name: string): Promise<boolean> {
    return this.#schedules.deleteSchedule(name);
  }

  pauseSchedule(name: string, paused: boolean, now: number): Promise<ScheduleRecord | null> {
    return this.#schedules.pauseSchedule(name, paused, now);
  }

  fireSchedule(
    name: string,
    revision: number,
    tickMs: number,
    spec: JobSpec | null,
    now: number,
  ): Promise<Fired | null> {
    return this.#schedules.fireSchedule(name, revision, tickMs, spec, now);
  }

  saveObserver(spec: ObserverSpec, source: DeclaredIn, now: number): Promise<ObserverRecord> {
    return this.#schedules.saveObserver(spec, source, now);
  }

  async observers(): Promise<ObserverRecord[]> {
    return this.#schedules.observers();
  }

  deleteObserver(name: string): Promise<boolean> {
    return this.#schedules.deleteObserver(name);
  }

  async observe(query: ObserverQuery, now: number): Promise<Observation> {
    return observeIndex(this.#listing, this.#jobs, query, now);
  }

  recordObservation(result: ObserverResult, revision: number, tickMs: number): Promise<boolean> {
    return this.#schedules.recordObservation(result, revision, tickMs);
  }

  async observations(name: string, limit: number): Promise<ObserverResult[]> {
    return this.#schedules.observations(name, limit);
  }

  // ── metrics history (local-history.ts) ───────────────────────────────────

  recordHistory(rows: readonly HistoryRow[], now: number): Promise<void> {
    return this.#history.record(rows, now);
  }

  async history(sinceMs: number, now: number): Promise<HistoryRow[]> {
    return this.#history.rows(sinceMs, now);
  }

  // ── nodes: a cluster of one ──────────────────────────────────────────────
  // Heartbeats use this process's clock (`Date.now`), as a database would use its own.

  #join(): NodeRecord {
    const at = Date.now();
    return {
      ...this.#identity!,
      state: 'live',
      leader: true,
      allocation: {},
      report: { running: 0, finished: {}, throughput: {} },
      startedAt: at,
      heartbeatAt: at,
      silentMs: 0,
    };
  }

  async heartbeat(report: NodeReport): Promise<'live' | 'dead'> {
    const node = this.#node;
    if (node === null || node.state === 'dead') {
      // Declared dead (a pause longer than the node timeout), or forgotten: dead until it rejoins.
      this.#node = {
        ...(node ?? this.#join()),
        state: 'dead',
        leader: false,
        report,
        heartbeatAt: Date.now(),
      };
      return 'dead';
    }
    node.report = report;
    node.heartbeatAt = Date.now();
    return 'live';
  }

  async rejoin(): Promise<void> {
    const node = this.#node;
    if (node?.state === 'dead') this.#node = { ...this.#join(), report: node.report };
  }

  /** The one node leads, for good. */
  async lead(leaseMs: number): Promise<Lease> {
    return { leader: true, expiresInMs: leaseMs };
  }

  async nodes(): Promise<NodeRecord[]> {
    const node = this.#node;
    if (node === null) return [];
    const silentMs = Math.max(0, Date.now() - node.heartbeatAt);
    return [{ ...node, allocation: { ...node.allocation }, silentMs }];
  }

  async reap(nodeTimeoutMs: number, now: number): Promise<{ node: string; requeued: number }[]> {
    const node = this.#node;
    if (node === null || node.state === 'dead' || Date.now() - node.heartbeatAt <= nodeTimeoutMs) {
      return [];
    }
    node.state = 'dead';
    node.leader = false;
    node.allocation = {};
    const lost: Job[] = [];
    await this.#recording(() => {
      for (const job of this.#jobs.values()) {
        if (job.state !== 'running' || job.node !== node.name || this.#inflight.has(job.id)) {
          continue;
        }
        lost.push(this.#apply(job, { type: 'lose' }, now));
      }
      const dependents = this.#settleLost(lost, now);
      return this.#putUncertain([...lost, ...dependents]);
    });
    return [{ node: node.name, requeued: lost.length }];
  }

  async removeNode(name: string): Promise<void> {
    if (this.#node?.name !== name) throw Errors.nodeNotFound(name);
    if (this.#node.state === 'live') throw Errors.nodeLive(name);
    this.#node = null;
  }

  async publishAllocation(byNode: Readonly<Record<string, Allocation>>): Promise<void> {
    const node = this.#node;
    if (node?.state === 'live') node.allocation = { ...byNode[node.name] };
  }

  // ── state changes ────────────────────────────────────────────────────────

  /**
   * The mutation that records `next` in place of `prev`: an update (only the
   * changed fields are journalled), or a put while the journal may not hold
   * `prev` (see #putUncertain).
   */
  #changeOf(prev: Job, next: Job): Extract<Mutation, { op: 'put' | 'update' }> {
    const whole = this.#uncertain.size > 0 && this.#uncertain.delete(next.id);
    return whole ? { op: 'put', job: next } : { op: 'update', prev, job: next };
  }

  /**
   * Commits records already changed in memory (a hand-back, a requeue of lost
   * attempts), whole. Until they are durable, and for good if they fail, the
   * journal may not hold them: the next change of each job is written whole
   * too, not as an update of a record the journal might not have.
   */
  async #putUncertain(jobs: readonly Job[]): Promise<void> {
    if (jobs.length === 0) return;
    for (const job of jobs) this.#uncertain.add(job.id);
    await this.#batcher.add(jobs.map((job) => ({ op: 'put', job }) as const));
    for (const job of jobs) this.#uncertain.delete(job.id);
  }

  /** Whether `job` runs attempt `attempt` on this node (the fence of outcomes). */
  #runs(job: Job, attempt: number): boolean {
    return job.state === 'running' && job.attempts === attempt && job.node === this.#identity!.name;
  }

  /** The one place a job changes in memory: runs the transition and keeps every structure in step. */
  #apply(job: Job, event: JobEvent, now: number): Job {
    const next = transition(job, event, now);
    this.#install(job, next, now);
    return next;
  }

  /** Makes `next` the job's record in memory, in place of `prev`, as of `now`. */
  #install(prev: Job, next: Job, now: number): void {
    this.#jobs.set(next.id, next);
    this.#listing.move(next.id, next.category, prev.state, next.state);
    this.#leave(prev);
    this.#enter(next, now);
    this.#emit('change', next, prev.state);
  }

  /**
   * Runs `record`, which changes jobs in memory and hands their mutations to
   * the batcher, and only then emits the events those changes raised. A
   * listener that changes a job at once (the dispatcher claims a job the
   * moment it is queued) would otherwise queue its mutation first, and the
   * journal would replay the two in the wrong order: a start, then the
   * promotion that allowed it, leaves a queued job whose attempt was
   * counted, and a kill then never reports that attempt as lost.
   */
  #recording<T>(record: () => T): T {
    if (this.#heldEvents !== null) return record();
    const held: (() => void)[] = [];
    this.#heldEvents = held;
    try {
      return record();
    } finally {
      this.#heldEvents = null;
      for (const emit of held) emit();
    }
  }

  /** Emits now, or once the change being recorded is queued (#recording). */
  #emit<E extends keyof BackendEvents>(event: E, ...args: Parameters<BackendEvents[E]>): void {
    if (this.#heldEvents === null) this.#events.emit(event, ...args);
    else this.#heldEvents.push(() => this.#events.emit(event, ...args));
  }

  #category(name: string): LocalCategory {
    let cat = this.#categories.get(name);
    if (!cat) this.#categories.set(name, (cat = new LocalCategory()));
    return cat;
  }

  /** Takes `job` out of the structures of its state. */
  #leave(job: Job): void {
    const cat = this.#category(job.category);
    cat.counts[job.state] -= 1;
    if (job.state === 'queued') cat.queue.remove(job.id, job.priority);
    else if (job.state === 'delayed' || job.state === 'retrying') this.#delays.remove(job.id);
  }

  /** Puts `job` into the structures of its state. */
  #enter(job: Job, now: number): void {
    const cat = this.#category(job.category);
    cat.counts[job.state] += 1;
    switch (job.state) {
      case 'queued':
        cat.queue.push(job.id, job.priority);
        break;
      case 'delayed':
      case 'retrying':
        this.#delays.add(job.id, Date.parse(job.runAt!));
        break;
      case 'succeeded':
      case 'failed':
      case 'cancelled':
        cat.finished.add(job.id, job.state, now);
        break;
      case 'waiting':
      case 'running':
        break;
    }
  }

  /** A job the backend did not know: new, or read back at start. */
  #remember(job: Job): void {
    this.#jobs.set(job.id, job);
    this.#listing.add(job.id, job.category, job.state);
    if (job.key !== null) this.#keys.set(job.key, job.id);
    for (const parent of job.parents) {
      const children = this.#children.get(parent);
      if (children) children.push(job.id);
      else this.#children.set(parent, [job.id]);
    }
    if (job.flowId !== null) {
      const flow = this.#flows.get(job.flowId);
      if (flow) flow.add(job.id);
      else this.#flows.set(job.flowId, new Set([job.id]));
    }
  }

  /** Forgets a pruned job. */
  #forget(job: Job): void {
    this.#jobs.delete(job.id);
    this.#listing.remove(job.id, job.category, job.state);
    if (job.key !== null && this.#keys.get(job.key) === job.id) this.#keys.delete(job.key);
    this.#children.delete(job.id);
    for (const parent of job.parents) {
      const left = this.#children.get(parent)?.filter((id) => id !== job.id);
      if (left === undefined) continue;
      if (left.length > 0) this.#children.set(parent, left);
      else this.#children.delete(parent);
    }
    const flow = job.flowId === null ? undefined : this.#flows.get(job.flowId);
    if (flow) {
      flow.delete(job.id);
      if (flow.size === 0) this.#flows.delete(job.flowId!);
    }
  }

  /** Whether a callback still waits on `id` (a chord on its member): it needs the job's result. */
  #awaited(id: string): boolean {
    return (this.#children.get(id) ?? []).some((c) => this.#jobs.get(c)?.state === 'waiting');
  }

  /**
   * Reads back the stored jobs: those that were running when the process
   * died are queued again (`lose`, the attempt counted), and what those that
   * fail for good do to their callbacks. Returns how many were lost, and the changes.
   */
  #recover(stored: readonly Job[], now: number): { lost: number; changes: Mutation[] } {
    const sorted = [...stored].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    const lostJobs: Job[] = [];
    for (const record of sorted) {
      let job = upgrade(record);
      if (job.state === 'running') {
        job = transition(job, { type: 'lose' }, now);
        lostJobs.push(job);
      }
      this.#remember(job);
      const cat = this.#category(job.category);
      cat.counts[job.state] += 1;
      if (job.state === 'queued') cat.queue.push(job.id, job.priority);
      else if (job.state === 'delayed' || job.state === 'retrying') {
        this.#delays.add(job.id, Date.parse(job.runAt!));
      } else if (isFinished(job.state)) {
        cat.finished.add(job.id, job.state, Date.parse(job.finishedAt ?? job.createdAt));
      }
    }
    const dependents = this.#settleLost(lostJobs, now);
    const changes = [...lostJobs, ...dependents].map((job) => ({ op: 'put', job }) as const);
    for (const cat of this.#categories.values()) cat.finished.sort();
    this.#newId = createIdGenerator(() => this.#submitNow, sorted.at(-1)?.id ?? '');
    return { lost: lostJobs.length, changes };
  }

  /**
   * Applies in memory what lost attempts that failed for good (no retries
   * left) do to the callbacks waiting on them; returns those changes, which
   * the caller commits with the losses.
   */
  #settleLost(lost: readonly Job[], now: number): Job[] {
    const changed: Job[] = [];
    for (const job of lost) {
      for (const d of this.#dependents(job, now)) {
        this.#install(this.#jobs.get(d.id)!, d, now);
        changed.push(d);
      }
    }
    return changed;
  }

  /**
   * Checks the queue limits and reserves room for `specs` until their commit
   * settles, so that concurrent submissions cannot all pass the same check.
   * Returns the release.
   */
  #reserve(specs: readonly JobSpec[]): () => void {
    const incoming = countByCategory(specs);
    const waiting = new Map<string, number>();
    for (const [name, cat] of this.#categories) waiting.set(name, cat.waiting);
    for (const [name, n] of this.#reserved) waiting.set(name, (waiting.get(name) ?? 0) + n);
    checkQueueLimits(waiting, incoming, this.#limits!);
    for (const [name, n] of incoming) this.#reserved.set(name, (this.#reserved.get(name) ?? 0) + n);
    return () => {
      for (const [name, n] of incoming) {
        const left = this.#reserved.get(name)! - n;
        if (left === 0) this.#reserved.delete(name);
        else this.#reserved.set(name, left);
      }
    };
  }
}
