/**
 * The PostgreSQL backend: many nodes on one database. The database holds the
 * truth (jobs, categories' settings, nodes, the leader's lease); this class
 * wires the statements of `sql/` to the contract, keeps the connections (a
 * pool, and one LISTEN connection), batches the ends of attempts, and turns
 * what it sees into the contract's events.
 *
 * Time: job times come from the `now` the engine hands in, as the contract
 * asks; heartbeats, the node timeout and the lease use the database's clock,
 * the one clock all nodes share.
 */
import { randomInt, randomUUID } from 'node:crypto';
import {
  createJob,
  Emitter,
  Errors,
  MAX_BULK_IDS,
  toErrorMessage,
  type Allocation,
  type BulkAction,
  type CategoryPatch,
  type DeclaredIn,
  type HistoryRow,
  type Job,
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
  createIdGenerator,
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
  type NodeRecord,
  type NodeReport,
  type Observation,
  type Opened,
  type OpenOptions,
  type SubmitResult,
} from '@cadre/store';
import { Db } from './db.js';
import { toBackendError } from './db-errors.js';
import { FencedBatcher } from './fenced-batcher.js';
import { Listener } from './listener.js';
import { silentLogger, type Logger } from './logger.js';
import { migrate } from './migrate.js';
import { CHANNELS, Names, isValidSchemaName, type Channel } from './names.js';
import { decodePayload } from './notifications.js';
import { bulkChange } from './sql/bulk.js';
import { categoryOverrides, patchCategory } from './sql/categories.js';
import { readHistory, recordHistory } from './sql/history.js';
import { changeJob } from './sql/change-job.js';
import { claimJobs } from './sql/claim.js';
import { claimLimited } from './sql/claim-limited.js';
import { applyFenced, type FencedChange } from './sql/fenced.js';
import { releaseLease, takeLease } from './sql/lease.js';
import {
  heartbeatNode,
  leave,
  listNodes,
  publishAllocation,
  registerNode,
  rejoinNode,
  removeNode,
  type Me,
} from './sql/nodes.js';
import {
  deleteObserver,
  listObservations,
  listObservers,
  observe,
  recordObservation,
  saveObserver,
} from './sql/observers.js';
import { promoteDue } from './sql/promote.js';
import { pruneJobs } from './sql/prune.js';
import { countBacklog, countJobs, flowJobs, getJob, listJobs } from './sql/read.js';
import { loseRunning, reapNodes, type LostJobs } from './sql/reap.js';
import type { Changed } from './sql/settle.js';
import {
  deleteSchedule,
  fireTick,
  listSchedules,
  pauseSchedule,
  saveSchedule,
} from './sql/schedules.js';
import { submitJobs, waitingCounts } from './sql/submit.js';

export interface PostgresBackendOptions {
  /** `postgres://user@host:port/database` */
  connectionString: string;
  /**
   * Where cadre's tables live; several clusters may share a database, one
   * schema each. Lower-case letters, digits and `_`, at most 40.
   * @defaultValue 'cadre'
   */
  schema?: string;
  /** @defaultValue silent */
  logger?: Logger;
  /**
   * Connections of the pool. Claims have up to 4 of their own, and LISTEN one.
   * @defaultValue 10
   */
  poolSize?: number;
  /**
   * How long `close()` waits for outcomes it could not write yet (the
   * database is out of reach) before it gives up on them; those attempts are
   * then queued again as lost by the node's next start or a reap.
   * @defaultValue 10000
   */
  closeTimeoutMs?: number;
}

/** Connections that claims use (besides the pool's): claims are one short statement each. */
const CLAIM_POOL_SIZE = 4;
/** How old the waiting counts may be that a submission far from the queue limits is judged by, ms. */
const RECENT_MS = 1000;

/** Below this, a node that is only busy (a GC pause, a loaded machine) would lose its sessions. */
const MIN_IDLE_IN_TRANSACTION_MS = 1000;

/**
 * How long this node's transactions may idle between two statements: the
 * node timeout, as long as the node may stay silent. A node frozen in the
 * middle of one (SIGSTOP, a long GC pause, a network cut) holds its locks,
 * on jobs it was ending, until PostgreSQL ends its session; the leader's
 * reap, which locks the running jobs of the node it declares dead, must not
 * wait much past that moment (nor for ever, on a connection a network cut
 * left open). The node finds its session gone when it wakes, as in an
 * outage: it tries again, and the fence refuses what it ended too late.
 */
function idleInTransactionLimit(nodeTimeoutMs: number): number {
  return Math.max(MIN_IDLE_IN_TRANSACTION_MS, Math.floor(nodeTimeoutMs));
}

/** Random characters after each id: ids of nodes that start jobs in the same ms stay distinct. */
const ID_SUFFIX_LENGTH = 4;

/** What exists only while the backend is open. */
interface Session {
  me: Me;
  limits: BackendLimits;
  db: Db;
  /** Claims only: see `open`. */
  claims: Db;
  listener: Listener;
  batcher: FencedBatcher;
  nextId: () => string;
}

export class PostgresBackend implements Backend {
  readonly kind = 'postgres' as const;
  readonly pollMs = 200;
  readonly claimsAhead = true;

  readonly #names: Names;
  readonly #options: Required<Omit<PostgresBackendOptions, 'schema'>>;
  readonly #logger: Logger;
  readonly #events: Emitter<BackendEvents>;
  /** Tells this instance's notifications from other nodes'. */
  readonly #origin = randomUUID();
  #session: Session | null = null;
  #state: 'new' | 'opening' | 'open' | 'closed' = 'new';
  /** The `now` that the id generator reads: the one handed to `submit`. */
  #idNow = 0;
  #poolDown = false;
  #listenerDown = false;
  #down = false;
  /** Waiting jobs by category, as last counted, and when (this process's clock). */
  #waiting: { at: number; counts: ReadonlyMap<string, number> } | null = null;
  /** The jobs this node claimed and has not ended, as claimed: what their ends are built from. */
  readonly #claimed = new Map<string, Job>();

  constructor(options: PostgresBackendOptions) {
    const schema = options.schema ?? 'cadre';
    if (typeof options.connectionString !== 'string' || options.connectionString === '') {
      throw new TypeError('options.connectionString must be a non-empty string');
    }
    if (!isValidSchemaName(schema)) {
      throw new TypeError(
        'options.schema must be lower-case letters, digits and _, not starting with a digit, at most 40',
      );
    }
    const poolSize = options.poolSize ?? 10;
    if (!Number.isInteger(poolSize) || poolSize < 1) {
      throw new TypeError('options.poolSize must be a positive integer');
    }
    const closeTimeoutMs = options.closeTimeoutMs ?? 10_000;
    if (!Number.isFinite(closeTimeoutMs) || closeTimeoutMs < 0) {
      throw new TypeError('options.closeTimeoutMs must be a non-negative number');
    }
    this.#names = new Names(schema);
    this.#logger = options.logger ?? silentLogger;
    this.#options = {
      connectionString: options.connectionString,
      logger: this.#logger,
      poolSize,
      closeTimeoutMs,
    };
    this.#events = new Emitter((err) =>
      this.#logger.error(`postgres: a backend event listener threw: ${toErrorMessage(err)}`),
    );
  }

  on<E extends keyof BackendEvents>(event: E, listener: BackendEvents[E]): () => void {
    return this.#events.on(event, listener);
  }

  // ── life ────────────────────────────────────────────────────────────────

  async open(options: OpenOptions): Promise<Opened> {
    if (this.#state !== 'new') throw new Error('a PostgresBackend opens once');
    this.#state = 'opening';
    const n = this.#names;
    const me: Me = { node: options.node, incarnation: this.#origin };
    const appName = `cadre ${options.node.name}`.slice(0, 63);
    const idleInTransactionMs = idleInTransactionLimit(options.nodeTimeoutMs);
    const db = new Db({
      connectionString: this.#options.connectionString,
      poolSize: this.#options.poolSize,
      applicationName: appName,
      logger: this.#logger,
      onHealth: (outage) => this.#setPoolDown(outage),
      idleInTransactionMs,
    });
    // Claims need not be durable (the contract's at-least-once): they commit
    // without waiting for the disk, on connections of their own. A claim a
    // crash of the server loses is queued again as it was, its attempt not
    // counted; the job's completion, which waits for the disk, flushes the
    // claim before it, so no finished job ever loses its claim.
    const claims = new Db({
      connectionString: this.#options.connectionString,
      poolSize: Math.min(CLAIM_POOL_SIZE, this.#options.poolSize),
      applicationName: `${appName} claim`.slice(0, 63),
      logger: this.#logger,
      onHealth: (outage) => this.#setPoolDown(outage),
      asyncCommit: true,
      idleInTransactionMs,
    });
    const listener = new Listener({
      connectionString: this.#options.connectionString,
      applicationName: `${appName} listen`.slice(0, 63),
      channels: CHANNELS.map((c) => n.channel(c)),
      onNotification: (channel, payload) => this.#notified(channel, payload),
      onState: (up) => this.#setListenerUp(up),
      logger: this.#logger,
    });
    const claimant = { node: me.node.name, incarnation: me.incarnation };
    const batcher = new FencedBatcher({
      commit: async (changes) => {
        const done = await db.transaction((tx) =>
          applyFenced(tx, n, claimant, changes, options.limits.retention, this.#origin),
        );
        this.#emitChanged(done.changed);
        return done.results;
      },
    });
    try {
      await migrate(db, n, this.#logger);
      await listener.start().catch((err: unknown) => {
        throw toBackendError(err);
      });
      const lost = await db.transaction(async (tx) => {
        await registerNode(tx, n, me, options.nodeTimeoutMs);
        return loseRunning(tx, n, 'j.node = $1', [me.node.name], options.now, this.#origin);
      });
      const [newest] = await db.query<{ id: string | null }>(`SELECT max(id) AS id FROM ${n.jobs}`);
      const categories = await categoryOverrides(db, n);
      const suffix = randomInt(36 ** ID_SUFFIX_LENGTH)
        .toString(36)
        .padStart(ID_SUFFIX_LENGTH, '0');
      // New ids sort after every stored one, even if this node's clock is behind.
      const after = newest?.id?.slice(0, -ID_SUFFIX_LENGTH) ?? '';
      const generate = createIdGenerator(() => this.#idNow, after);
      this.#session = {
        me,
        limits: options.limits,
        db,
        claims,
        listener,
        batcher,
        nextId: () => generate() + suffix,
      };
      this.#state = 'open';
      this.#emitLost(lost);
      return { categories, requeued: lost.lost.length };
    } catch (err) {
      this.#state = 'closed';
      await listener.close();
      await db.end().catch(() => undefined);
      await claims.end().catch(() => undefined);
      throw toBackendError(err);
    }
  }

  async close(): Promise<void> {
    const s = this.#session;
    if (this.#state === 'closed' || !s) {
      this.#state = 'closed';
      return;
    }
    this.#state = 'closed';
    this.#session = null;
    const drained = await Promise.race([
      s.batcher.drain().then(() => true),
      new Promise<false>((resolve) =>
        setTimeout(() => resolve(false), this.#options.closeTimeoutMs).unref(),
      ),
    ]);
    if (!drained) {
      this.#logger.error(
        'postgres: closing with outcomes not written (the database is out of reach); ' +
          'their jobs will be queued again as lost',
      );
      s.batcher.abandon(Errors.databaseUnavailable('the backend closed before it could write'));
    }
    try {
      await releaseLease(s.db, this.#names, s.me.node.name);
      await leave(s.db, this.#names, s.me);
    } catch (err) {
      this.#logger.warn(`postgres: could not leave the cluster cleanly: ${toErrorMessage(err)}`);
    }
    await s.listener.close();
    await s.db.end();
    await s.claims.end();
  }

  // ── jobs ────────────────────────────────────────────────────────────────

  async submit(specs: readonly JobSpec[], now: number): Promise<SubmitResult[]> {
    const s = this.#open();
    if (specs.length === 0) return [];
    this.#idNow = now;
    // The specs with a role in a flow make up one new flow, named from the same ids.
    const flowId = specs.some((spec) => (spec.flowRole ?? null) !== null) ? s.nextId() : null;
    // A key a spec shares with an earlier one of the batch names that one's job.
    const firstWithKey = new Map<string, Job>();
    const jobs: Job[] = [];
    /** By id: the callbacks of the batch that wait on each job. */
    const children = new Map<string, string[]>();
    const planned: Job[] = [];
    for (const spec of specs) {
      const earlier = spec.key === null ? undefined : firstWithKey.get(spec.key);
      if (earlier) {
        planned.push(earlier);
        continue;
      }
      const id = s.nextId();
      const parents = (spec.parents ?? []).map((index) => {
        const parent = index < planned.length ? planned[index] : undefined;
        if (parent === undefined) {
          throw Errors.validation(`a job's parents must be earlier jobs of the batch`, {
            parents: spec.parents ?? [],
          });
        }
        return parent.id;
      });
      for (const parent of new Set(parents)) {
        const list = children.get(parent);
        if (list) list.push(id);
        else children.set(parent, [id]);
      }
      const job = createJob(
        {
          ...spec,
          id,
          parents,
          flowId: (spec.flowRole ?? null) !== null ? flowId : null,
        },
        now,
      );
      if (job.key !== null) firstWithKey.set(job.key, job);
      jobs.push(job);
      planned.push(job);
    }
    const recent = await this.#recentWaiting(s);
    const { created, existing } = await submitJobs(
      s.db,
      this.#names,
      s.limits,
      jobs,
      this.#origin,
      recent,
      children,
    );
    this.#countWaiting(created);
    const createdIds = new Set(created.map((j) => j.id));
    for (const job of created) this.#events.emit('change', job, null);
    const answered = new Set<string>();
    return planned.map((job) => {
      const holder = job.key === null ? undefined : existing.get(job.key);
      if (holder) return { job: holder, created: false };
      // The first spec of a key is created; later ones of the batch name its job.
      const first = createdIds.has(job.id) && !answered.has(job.id);
      answered.add(job.id);
      return { job, created: first };
    });
  }

  async claim(category: string, max: number, at: ClaimTime): Promise<Job[]> {
    const s = this.#open();
    if (!(max >= 1)) return [];
    const claimant = { node: s.me.node.name, incarnation: s.me.incarnation };
    const jobs = await claimJobs(s.claims, this.#names, claimant, category, Math.floor(max), at);
    this.#started(jobs);
    return jobs;
  }

  async claimLimited(
    category: string,
    max: number,
    limit: RateLimit,
    at: ClaimTime,
  ): Promise<LimitedClaim> {
    const s = this.#open();
    if (!(max >= 1)) return { jobs: [], heldUntil: null };
    const claimant = { node: s.me.node.name, incarnation: s.me.incarnation };
    const claim = await s.claims.transaction((tx) =>
      claimLimited(tx, this.#names, claimant, category, Math.floor(max), limit, at),
    );
    this.#started(claim.jobs);
    return claim;
  }

  #started(jobs: readonly Job[]): void {
    for (const job of jobs) {
      this.#claimed.set(job.id, job);
      this.#events.emit('change', job, 'queued');
    }
  }

  complete(done: Completion, now: number): Promise<Job | null> {
    const { outcome, retryDelayMs, lowerPriority } = done;
    return this.#end(done, { type: 'settle', outcome, retryDelayMs, lowerPriority }, now);
  }

  async interrupt(attempts: readonly AttemptRef[], now: number): Promise<void> {
    await Promise.all(attempts.map((a) => this.#end(a, { type: 'interrupt' }, now)));
  }

  /**
   * Ends an attempt this node claimed, through the batcher (applyFenced). An
   * attempt it does not hold (ended already, or dropped when the node was
   * declared dead) is refused here, as the fence would.
   */
  async #end(ref: AttemptRef, event: FencedChange['event'], now: number): Promise<Job | null> {
    const s = this.#open();
    const job = this.#claimed.get(ref.id);
    if (job?.attempts !== ref.attempt) return null;
    try {
      return await s.batcher.add({ id: ref.id, attempt: ref.attempt, job, event, now });
    } finally {
      if (this.#claimed.get(ref.id) === job) this.#claimed.delete(ref.id);
    }
  }

  async cancel(id: string, now: number): Promise<Job> {
    const s = this.#open();
    const { job, previous, settled } = await changeJob(
      s.db,
      this.#names,
      id,
      { type: 'cancel' },
      now,
      this.#origin,
    );
    this.#events.emit('change', job, previous.state);
    if (previous.state === 'running') this.#events.emit('cancelled', id);
    this.#emitChanged(settled);
    return job;
  }

  async retry(id: string, changes: RetryChanges, now: number): Promise<Job> {
    const s = this.#open();
    const event = { type: 'retry' as const, input: changes.input };
    const { job, previous } = await changeJob(s.db, this.#names, id, event, now, this.#origin);
    this.#events.emit('change', job, previous.state);
    return job;
  }

  async bulk(ids: readonly string[], action: BulkAction, now: number): Promise<BulkResult> {
    const s = this.#open();
    if (ids.length > MAX_BULK_IDS) {
      throw Errors.validation(`a bulk call takes at most ${MAX_BULK_IDS} ids`, {
        ids: ids.length,
      });
    }
    if (ids.length === 0) return { changed: [] };
    const done = await bulkChange(s.db, this.#names, ids, action, now, this.#origin);
    this.#emitChanged(done.records);
    for (const id of done.aborted) this.#events.emit('cancelled', id);
    return { changed: done.changed };
  }

  get(id: string): Promise<Job | null> {
    return getJob(this.#open().db, this.#names, id);
  }

  list(query: ListQuery): Promise<ListPage> {
    return listJobs(this.#open().db, this.#names, query);
  }

  flowJobs(flowId: string): Promise<Job[]> {
    return flowJobs(this.#open().db, this.#names, flowId);
  }

  async counts(): Promise<CategoryCounts> {
    const counts = await countJobs(this.#open().db, this.#names);
    this.#sawWaiting(counts);
    return counts;
  }

  async backlog(): Promise<Backlog> {
    const backlog = await countBacklog(this.#open().db, this.#names);
    this.#sawWaiting(backlog);
    return backlog;
  }

  /** Keeps the waiting jobs just counted, for #recentWaiting. */
  #sawWaiting(counts: Backlog): void {
    const waiting = new Map<string, number>();
    for (const [category, n] of Object.entries(counts)) {
      waiting.set(category, n.waiting + n.delayed + n.queued + n.retrying);
    }
    this.#waiting = { at: Date.now(), counts: waiting };
  }

  /** Adds this node's new jobs to the recent counts, so that its own submissions never look farther from a limit than they are. */
  #countWaiting(created: readonly Job[]): void {
    const seen = this.#waiting;
    if (!seen || created.length === 0) return;
    const counts = new Map(seen.counts);
    for (const job of created) counts.set(job.category, (counts.get(job.category) ?? 0) + 1);
    this.#waiting = { at: seen.at, counts };
  }

  /**
   * Waiting jobs by category as counted at most `RECENT_MS` ago (by
   * `backlog`, which every tick calls, or `counts`, or here): what a
   * submission far from the queue limits is judged by without taking turns.
   */
  async #recentWaiting(s: Session): Promise<ReadonlyMap<string, number>> {
    const limited =
      s.limits.maxQueuedTotal !== null ||
      Object.values(s.limits.maxQueued).some((max) => max !== null);
    if (!limited) return new Map();
    const seen = this.#waiting;
    if (seen && Date.now() - seen.at <= RECENT_MS) return seen.counts;
    const counts = await waitingCounts(s.db, this.#names, s.limits, []);
    this.#waiting = { at: Date.now(), counts };
    return counts;
  }

  async promoteDue(now: number): Promise<number | null> {
    const s = this.#open();
    const { promoted, nextDueAt } = await promoteDue(s.db, this.#names, now, this.#origin);
    for (const p of promoted) this.#events.emit('change', p.job, p.previous);
    return nextDueAt;
  }

  prune(now: number): Promise<number> {
    const s = this.#open();
    return pruneJobs(s.db, this.#names, s.limits.retention, now);
  }

  // ── categories ──────────────────────────────────────────────────────────

  patchCategory(name: string, patch: CategoryPatch): Promise<void> {
    return patchCategory(this.#open().db, this.#names, name, patch, this.#origin);
  }

  categoryOverrides(): Promise<Record<string, CategoryOverride>> {
    return categoryOverrides(this.#open().db, this.#names);
  }

  // ── schedules (sql/schedules.ts) ────────────────────────────────────────

  saveSchedule(spec: ScheduleSpec, source: DeclaredIn, now: number): Promise<ScheduleRecord> {
    return saveSchedule(this.#open().db, this.#names, spec, source, now);
  }

  schedules(): Promise<ScheduleRecord[]> {
    return listSchedules(this.#open().db, this.#names);
  }

  deleteSchedule(name: string): Promise<boolean> {
    return deleteSchedule(this.#open().db, this.#names, name);
  }

  pauseSchedule(name: string, paused: boolean, now: number): Promise<ScheduleRecord | null> {
    return pauseSchedule(this.#open().db, this.#names, name, paused, now);
  }

  async fireSchedule(
    name: string,
    revision: number,
    tickMs: number,
    spec: JobSpec | null,
    now: number,
  ): Promise<Fired | null> {
    const s = this.#open();
    let job: Job | null = null;
    if (spec !== null) {
      this.#idNow = now;
      job = createJob({ ...spec, id: s.nextId(), parents: [], flowRole: null }, now);
    }
    const write = { limits: s.limits, origin: this.#origin, recent: await this.#recentWaiting(s) };
    const fired = await fireTick(s.db, this.#names, name, revision, tickMs, job, write);
    if (fired?.job?.created) {
      this.#countWaiting([fired.job.job]);
      this.#events.emit('change', fired.job.job, null);
    }
    return fired;
  }

  // ── observers (sql/observers.ts) ────────────────────────────────────────

  saveObserver(spec: ObserverSpec, source: DeclaredIn, now: number): Promise<ObserverRecord> {
    return saveObserver(this.#open().db, this.#names, spec, source, now);
  }

  observers(): Promise<ObserverRecord[]> {
    return listObservers(this.#open().db, this.#names);
  }

  deleteObserver(name: string): Promise<boolean> {
    return deleteObserver(this.#open().db, this.#names, name);
  }

  observe(query: ObserverQuery, now: number): Promise<Observation> {
    return observe(this.#open().db, this.#names, query, now);
  }

  recordObservation(result: ObserverResult, revision: number, tickMs: number): Promise<boolean> {
    return recordObservation(this.#open().db, this.#names, result, revision, tickMs);
  }

  observations(name: string, limit: number): Promise<ObserverResult[]> {
    return listObservations(this.#open().db, this.#names, name, limit);
  }

  // ── metrics history (sql/history.ts) ──────────────────────────────────

  recordHistory(rows: readonly HistoryRow[], now: number): Promise<void> {
    const s = this.#open();
    return recordHistory(s.db, this.#names, s.me.node.name, rows, now);
  }

  history(sinceMs: number, now: number): Promise<HistoryRow[]> {
    return readHistory(this.#open().db, this.#names, sinceMs, now);
  }

  // ── nodes ───────────────────────────────────────────────────────────────

  async heartbeat(report: NodeReport, _now: number): Promise<'live' | 'dead'> {
    const s = this.#open();
    const state = await heartbeatNode(s.db, this.#names, s.me, report);
    // Its attempts were queued again: the engine drops them, so do their claims.
    if (state === 'dead') this.#claimed.clear();
    return state;
  }

  rejoin(_now: number): Promise<void> {
    const s = this.#open();
    return rejoinNode(s.db, this.#names, s.me);
  }

  lead(leaseMs: number, _now: number): Promise<Lease> {
    const s = this.#open();
    return takeLease(s.db, this.#names, s.me.node.name, leaseMs);
  }

  nodes(_now: number): Promise<NodeRecord[]> {
    return listNodes(this.#open().db, this.#names);
  }

  async reap(nodeTimeoutMs: number, now: number): Promise<{ node: string; requeued: number }[]> {
    const s = this.#open();
    const { nodes, lost, settled } = await reapNodes(
      s.db,
      this.#names,
      nodeTimeoutMs,
      now,
      this.#origin,
    );
    this.#emitLost({ lost, settled });
    return nodes;
  }

  removeNode(name: string): Promise<void> {
    return removeNode(this.#open().db, this.#names, name);
  }

  publishAllocation(byNode: Readonly<Record<string, Allocation>>, _now: number): Promise<void> {
    return publishAllocation(this.#open().db, this.#names, byNode, this.#origin);
  }

  // ── internals ───────────────────────────────────────────────────────────

  #open(): Session {
    if (this.#state !== 'open' || !this.#session) {
      throw this.#state === 'closed' ? Errors.shuttingDown() : new Error('the backend is not open');
    }
    return this.#session;
  }

  #emitLost({ lost, settled }: LostJobs): void {
    this.#emitChanged(lost);
    this.#emitChanged(settled);
  }

  #emitChanged(changed: readonly Changed[]): void {
    for (const { job, previous } of changed) this.#events.emit('change', job, previous.state);
  }

  #notified(channel: string, payload: string): void {
    const { origin, data } = decodePayload(payload);
    if (origin === this.#origin) return;
    const kind = CHANNELS.find((c: Channel) => this.#names.channel(c) === channel);
    switch (kind) {
      case 'work':
        this.#events.emit('wake', data);
        break;
      case 'cancel':
        this.#events.emit('cancelled', data);
        break;
      case 'category':
        this.#events.emit('wake');
        break;
      case 'allocation':
        this.#events.emit('allocation');
        break;
    }
  }

  #setPoolDown(outage: unknown): void {
    const down = outage !== null;
    if (down && !this.#poolDown) {
      this.#logger.warn(`postgres: the database cannot be reached: ${toErrorMessage(outage)}`);
    }
    this.#poolDown = down;
    this.#updateDown();
  }

  #setListenerUp(up: boolean): void {
    this.#listenerDown = !up;
    const wasDown = this.#down;
    this.#updateDown();
    // Notifications sent while it was away are lost: look again.
    if (up && !wasDown && this.#state === 'open') this.#events.emit('wake');
  }

  #updateDown(): void {
    const down = this.#poolDown || this.#listenerDown;
    if (down === this.#down || this.#state === 'closed') return;
    this.#down = down;
    if (!down) this.#logger.info('postgres: the database can be reached again');
    this.#events.emit('unavailable', down);
    if (!down) this.#events.emit('wake');
  }
}

export function createPostgresBackend(options: PostgresBackendOptions): PostgresBackend {
  return new PostgresBackend(options);
}
