/**
 * The backend contract: the verbs the engine runs on, in the spirit of Oban's
 * engine and graphile-worker's SQL functions. A backend holds the truth about
 * jobs, categories' run-time settings and nodes; the engine holds only what
 * its node runs.
 *
 * Two backends keep it:
 * - the local backend: one node, an in-memory index over a JobStore (the
 *   lowdb journal, or memory in tests);
 * - the PostgreSQL backend (`@cadre/postgres`): many nodes on one database.
 *
 * Every verb that changes a job is durable when its promise resolves, except
 * `claim` (at-least-once: a claim that is lost is found again as `lost`).
 * Times are epoch ms handed in by the caller; a backend never reads a clock
 * for a decision the engine can make, but a database may use its own clock
 * for leases and heartbeats, consistently (see each verb).
 *
 * Flows (core's flows.ts): a verb that brings a job to a final state
 * (`complete`, `cancel`, a `lose` with no retries left at `open` or `reap`)
 * also applies `settleDependents` to the callbacks waiting on it, in the same
 * durable commit, and emits `change` (and `wake`) for them: a callback fires
 * exactly once, even across a kill -9 or between nodes. A finished job that
 * a waiting callback still depends on (a chord's member) is never pruned.
 * Waiting jobs count against the queue limits like delayed ones.
 *
 * Schedules and observers (issue 13, core's schedules.ts and observers.ts):
 * a backend keeps their records, each observer's latest results, and the
 * fence that makes a schedule's tick fire once (`fireSchedule`). When ticks
 * come due and what they make is the engine's to work out, on the leader.
 *
 * Metrics history (issue 14, core's history.ts): each node hands its rows of
 * the current minute over every few seconds as deltas (`recordHistory`); a
 * backend adds them to what it holds for that node, minute and category, and
 * keeps 24 h. `history` answers the rows summed over nodes. A row is written
 * with the same durability as everything else: a restart, or a kill -9, loses
 * at most what the node had not flushed yet.
 *
 * Errors: ERR_JOB_NOT_FOUND, ERR_INVALID_TRANSITION, ERR_QUEUE_FULL,
 * ERR_STORE_UNAVAILABLE (the backend cannot be reached or refuses writes; the
 * caller may try again). Nothing else escapes a verb.
 */
import type {
  Allocation,
  AttemptOutcome,
  BulkAction,
  CategoryPatch,
  DeclaredIn,
  HistogramData,
  HistoryRow,
  Job,
  JobState,
  NewJob,
  ObserverQuery,
  ObserverRecord,
  ObserverResult,
  ObserverSpec,
  QueueLimits,
  RateLimit,
  RetentionPolicy,
  RetryChanges,
  ScheduleRecord,
  ScheduleSpec,
  UnfinishedState,
} from '@cadre/core';

/**
 * A request resolved against the config: what `createJob` needs but the ids,
 * which the backend assigns. A callback names its parents by their index in
 * the same `submit` (each before it), and has a `trigger`; the specs that
 * have a `flowRole` make up one new flow, whose id the backend assigns too.
 * Specs with parents or children have no key.
 */
export type JobSpec = Omit<NewJob, 'id' | 'flowId' | 'parents'> & {
  /** Indices of earlier specs of the same submit. @defaultValue [] */
  parents?: readonly number[];
};

/** A category's settings changed at run time (weight, pause, …), shared by all nodes, kept across restarts. */
export type CategoryOverride = CategoryPatch;

export interface SubmitResult {
  job: Job;
  /** false when an idempotency key matched an existing job. */
  created: boolean;
}

export interface ListQuery {
  category?: string;
  state?: JobState;
  /** 1..1000 @defaultValue 100 */
  limit?: number;
  /** Opaque, from a previous page's `nextCursor`. */
  cursor?: string;
  /** Only the job with this idempotency key (at most one). */
  key?: string;
  /** Only the jobs of this flow. */
  flowId?: string;
  /** Only the jobs of this task. */
  task?: string;
  /**
   * Only the jobs whose searchable text contains this, case-insensitively:
   * the id, the key, the task, and the input, the result and `lastError`
   * as JSON text (issue 14; the local backend's job-search.ts). An empty
   * string matches every job.
   */
  q?: string;
}

/** What `bulk` did. */
export interface BulkResult {
  /** The ids it changed (retried, cancelled or deleted), in the order given. */
  changed: string[];
}

export interface ListPage {
  /** Newest first (ids sort by creation). */
  jobs: Job[];
  nextCursor: string | null;
}

/** The end of one attempt, as the node that ran it reports it. */
export interface Completion {
  id: string;
  /** The attempt number the claim gave; with the node, it fences the completion. */
  attempt: number;
  outcome: AttemptOutcome;
  /** The backoff to use if the outcome leads to a retry (the engine draws it). */
  retryDelayMs: number;
  /**
   * Whether a retry the outcome leads to lowers the job's priority by 1: the
   * category's `lowerPriorityOnRetry`, which the engine knows and a backend
   * does not. @defaultValue true
   */
  lowerPriority?: boolean;
}

/**
 * When a claim starts its jobs: an instant, or a clock that the backend reads
 * as the claim reaches the store (a database may stamp its own clock's time
 * of the claim instead, when later). A claim may wait for a connection, a
 * busy event loop or a busy server after it is asked for; stamped at the
 * asking, a callback claimed the moment its parent committed could show a
 * start before the parent's end.
 */
export type ClaimTime = number | (() => number);

/** The instant of a claim's time, read now. */
export function readClaimTime(at: ClaimTime): number {
  return typeof at === 'number' ? at : at();
}

/** What `claimLimited` started, and when the rate limit lets the category start more. */
export interface LimitedClaim {
  /** The running records, as `claim` returns them. */
  jobs: Job[];
  /**
   * `null` while the window still has room after this claim. Otherwise the
   * window is full: the earliest time (epoch ms, on the clock of the `now`
   * handed in) at which enough of its starts have left it for one more.
   * The engine claims the category again then, neither sooner (a claim
   * would come back empty) nor later (its slots would idle).
   */
  heldUntil: number | null;
}

/** An attempt the engine hands back without counting it (a graceful stop). */
export interface AttemptRef {
  id: string;
  attempt: number;
}

/** A tick of a schedule, done (`fireSchedule`). */
export interface Fired {
  /** The schedule's record after the tick. */
  schedule: ScheduleRecord;
  /** The job the tick made (or the job that already held its key); null for a skipped tick. */
  job: SubmitResult | null;
}

/** What an observer's query matches now. */
export interface Observation {
  count: number;
  /** The first MAX_OBSERVER_IDS matches, oldest first. */
  ids: string[];
}

/** Jobs per state, by category, over the whole cluster. */
export type CategoryCounts = Record<string, Record<JobState, number>>;

/** Unfinished jobs per state, by category, over the whole cluster. */
export type Backlog = Record<string, Record<UnfinishedState, number>>;

/** What a node reports with each heartbeat; summed over live nodes for stats. */
export interface NodeReport {
  /** Attempts it runs now. */
  running: number;
  /** Jobs it finished since it started, by category. */
  finished: Record<string, { succeeded: number; failed: number; cancelled: number }>;
  /** Jobs it finished per second over the last 10 s, by category. */
  throughput: Record<string, number>;
  /**
   * Categories whose jobs wait for their rate limit on this node now (its
   * latest limited claim found the window full). @defaultValue [] (older nodes)
   */
  rateHeld?: string[];
  /**
   * Waits (due to started) of the attempts it started over the last minute,
   * by category (core's HistogramData), for the cluster's wait quantiles.
   * @defaultValue {} (older nodes)
   */
  wait?: Record<string, HistogramData>;
}

export interface NodeIdentity {
  /** Unique among live nodes. */
  name: string;
  tags: readonly string[];
  /** Its worker threads. */
  workers: number;
}

export interface NodeRecord extends NodeIdentity {
  state: 'live' | 'dead';
  leader: boolean;
  /** The leader's latest placement for this node; empty until it publishes one. */
  allocation: Allocation;
  report: NodeReport;
  startedAt: number;
  heartbeatAt: number;
  /** How long since its last heartbeat, by the backend's clock (the one `reap` judges by). */
  silentMs: number;
}

/** What `lead` answers. */
export interface Lease {
  /** This node leads: it took the lease, or renewed its own. */
  leader: boolean;
  /**
   * How long until the lease runs out, by the backend's clock: this node's
   * own, or the leader's, which a follower may take once it has.
   */
  expiresInMs: number;
}

export interface BackendLimits extends QueueLimits {
  retention: RetentionPolicy;
}

export interface OpenOptions {
  node: NodeIdentity;
  limits: BackendLimits;
  /** A node silent for longer than this is dead; a live node's name cannot be taken. */
  nodeTimeoutMs: number;
  now: number;
}

export interface Opened {
  /** The categories' run-time settings, by name. */
  categories: Record<string, CategoryOverride>;
  /**
   * Jobs this node was running when it last stopped without handing them back
   * (kill -9), now queued again as `lost` (or failed without retries left).
   */
  requeued: number;
}

/** What a backend tells the engine of its node without being asked. */
export interface BackendEvents {
  /**
   * A job changed through this backend: by a verb this node called, or by a
   * change the backend made on its behalf (promotion, requeue of a lost
   * attempt). `previous` is its state before, null for a new job.
   * Emitted once the change is durable, except for claims (written behind).
   */
  change: (job: Job, previous: JobState | null) => void;
  /**
   * Something may have become possible: queued work in `category` (any
   * category when absent), changed category settings, the store taking
   * writes again. The engine tries to fill its slots.
   */
  wake: (category?: string) => void;
  /**
   * Another node (the leader) published a new allocation: this node reads its
   * slots now rather than at its next tick.
   */
  allocation: () => void;
  /** A job was cancelled (on any node): its attempt, if this node runs it, is aborted. */
  cancelled: (id: string) => void;
  /** The backend can no longer be reached (`true`), or can again (`false`). */
  unavailable: (down: boolean) => void;
}

export interface Backend {
  readonly kind: 'local' | 'postgres';
  /**
   * How often, in ms, a waiter should read a job again to see changes made on
   * other nodes; `null` when every change goes through this node (local).
   */
  readonly pollMs: number | null;
  /**
   * Whether a claim is a round trip worth saving: the engine then claims a
   * few jobs of a busy category ahead of its free threads.
   */
  readonly claimsAhead: boolean;

  /**
   * Opens the backend for `node`: creates or migrates what it needs, reads
   * back the categories' settings, and queues again (as lost) what this node
   * ran when it last died. Throws when a live node already has this name.
   */
  open(options: OpenOptions): Promise<Opened>;
  /** Flushes what is pending and releases everything; the node leaves the cluster. */
  close(): Promise<void>;

  // ── jobs ────────────────────────────────────────────────────────────────

  /**
   * Creates the jobs, in order, all or none (ERR_QUEUE_FULL checks the limits
   * of the whole batch). A spec whose key names an existing job (or an
   * earlier spec of the batch) is not created: its result is that job.
   */
  submit(specs: readonly JobSpec[], now: number): Promise<SubmitResult[]>;
  /**
   * Moves up to `max` queued jobs of `category`, the highest priority first
   * and the oldest in the queue first among equals, to `running` on this
   * node, counting the attempt. Returns the running records: none while a
   * local store refuses writes (outcomes could not be recorded); rejects
   * with ERR_STORE_UNAVAILABLE when the database cannot be reached.
   */
  claim(category: string, max: number, now: ClaimTime): Promise<Job[]>;
  /**
   * `claim` for a category with a rate limit: at most `limit.max` of its jobs
   * start in any sliding window of `limit.perMs` ms, counted over every node
   * that claims from this backend (the budget lives here, not in a node).
   * Takes at most what the window ending at `now` has left, and counts what
   * it took in the same step, so two nodes claiming at once share one
   * budget. A start counts from its claim, even if the job is later handed
   * back. The window is judged by the claimants' clocks (`now`, read once
   * the claim runs): in a cluster they should agree to well within `perMs`.
   * Jobs left over stay queued: no attempt is spent on them.
   */
  claimLimited(
    category: string,
    max: number,
    limit: RateLimit,
    now: ClaimTime,
  ): Promise<LimitedClaim>;
  /**
   * Records the outcome of an attempt this node claimed. Resolves with the
   * job's new record once durable, or null when the fence refuses it: the
   * job is no longer running attempt `attempt` on this node (cancelled,
   * requeued after this node was declared dead, …). Backends batch these.
   */
  complete(done: Completion, now: number): Promise<Job | null>;
  /** Queues attempts of this node again without counting them (graceful stop); fenced like `complete`. */
  interrupt(attempts: readonly AttemptRef[], now: number): Promise<void>;
  /** ERR_JOB_NOT_FOUND; ERR_INVALID_TRANSITION if finished. Emits `cancelled` on every node. */
  cancel(id: string, now: number): Promise<Job>;
  /** ERR_JOB_NOT_FOUND; ERR_INVALID_TRANSITION unless failed or cancelled. */
  retry(id: string, changes: RetryChanges, now: number): Promise<Job>;
  /**
   * Applies `action` to each of `ids` that allows it, and skips the others
   * (unknown ids too), all in one durable commit (one journal line; one
   * transaction): `retry` queues failed and cancelled jobs again, as `retry`
   * does without changes; `cancel` cancels unfinished jobs as `cancel` does
   * (emitting `cancelled` for each, dropping the callbacks waiting on them);
   * `delete` forgets finished jobs (succeeded, failed, cancelled), but not
   * one that a waiting callback still needs (a chord's member). Which job
   * allows which action is core's `allowsBulk`. Takes at most MAX_BULK_IDS
   * ids: a caller with more pages them, and yields in between.
   */
  bulk(ids: readonly string[], action: BulkAction, now: number): Promise<BulkResult>;
  get(id: string): Promise<Job | null>;
  list(query: ListQuery): Promise<ListPage>;
  /** Every job of the flow, oldest first; [] for an unknown flow. */
  flowJobs(flowId: string): Promise<Job[]>;
  /** Jobs per state, by category (every category that has jobs). */
  counts(): Promise<CategoryCounts>;
  /**
   * Unfinished jobs per state, by category (every category that has any):
   * what the WorkerBalancer weighs at every interval. Unlike `counts`, its
   * cost must not grow with the finished jobs kept.
   */
  backlog(): Promise<Backlog>;
  /**
   * Queues the delayed and retrying jobs that are due at `now`. Returns when
   * the next one is due (epoch ms), or null if none waits.
   */
  promoteDue(now: number): Promise<number | null>;
  /** Forgets finished jobs beyond the retention policy; returns how many. */
  prune(now: number): Promise<number>;

  // ── categories ──────────────────────────────────────────────────────────

  /** Merges `patch` into the category's shared settings; durable before it resolves. */
  patchCategory(name: string, patch: CategoryPatch): Promise<void>;
  categoryOverrides(): Promise<Record<string, CategoryOverride>>;

  // ── schedules ───────────────────────────────────────────────────────────

  /**
   * Creates or updates a schedule: core's `savedSchedule` applied to the
   * stored record, durable before it resolves. Answers the stored record.
   */
  saveSchedule(spec: ScheduleSpec, source: DeclaredIn, now: number): Promise<ScheduleRecord>;
  /** Every schedule, in name order. */
  schedules(): Promise<ScheduleRecord[]>;
  /** Deletes it (the jobs it made stay); false when there was none. */
  deleteSchedule(name: string): Promise<boolean>;
  /** Pauses or resumes it (core's `pausedSchedule`); null when there is none. */
  pauseSchedule(name: string, paused: boolean, now: number): Promise<ScheduleRecord | null>;
  /**
   * Marks tick `tickMs` of the schedule done, as worked out from its record
   * of revision `revision`: with the job `spec` describes (its key
   * `schedule:<name>:<tick ISO>`, its `schedule` the name), or skipped when
   * `spec` is null. The job and the record are written in one durable commit
   * (one journal line; one transaction that locks the schedule's row), and
   * only if core's `tickedSchedule` allows the tick against the stored
   * record: else nothing is written and the answer is null. So a tick fires
   * once, across restarts, kill -9 and nodes, even after its job was pruned.
   * ERR_QUEUE_FULL as `submit`.
   */
  fireSchedule(
    name: string,
    revision: number,
    tickMs: number,
    spec: JobSpec | null,
    now: number,
  ): Promise<Fired | null>;

  // ── observers ───────────────────────────────────────────────────────────

  /** Creates or updates an observer (core's `savedObserver`), durable before it resolves. */
  saveObserver(spec: ObserverSpec, source: DeclaredIn, now: number): Promise<ObserverRecord>;
  /** Every observer, in name order. */
  observers(): Promise<ObserverRecord[]>;
  /** Deletes it and its results; false when there was none. */
  deleteObserver(name: string): Promise<boolean>;
  /**
   * What `query` matches at `now`, from the indexes by (category, state) in
   * id order: `olderThanMs` is a bound on the id (ids sort by creation;
   * `idBelowTime`), and `task` filters the jobs the indexes select. Reads only.
   */
  observe(query: ObserverQuery, now: number): Promise<Observation>;
  /**
   * Keeps `result` as the evaluation of tick `tickMs` of its observer, of
   * revision `revision`, if core's `keepsEvaluation` allows it (else false),
   * with the latest MAX_OBSERVER_RESULTS results; durable before it resolves.
   */
  recordObservation(result: ObserverResult, revision: number, tickMs: number): Promise<boolean>;
  /** Its latest results, newest first, at most `limit`; [] for an unknown observer. */
  observations(name: string, limit: number): Promise<ObserverResult[]>;

  // ── metrics history ─────────────────────────────────────────────────────

  /**
   * Adds `rows`, this node's deltas since its last call (core's
   * HistoryRecorder.take), to the rows the backend holds for this node and
   * each row's minute and category; durable before it resolves. Forgets the
   * rows of every node older than 24 h before `now` (core's historyKeptFrom).
   * Rows older than that are not kept.
   */
  recordHistory(rows: readonly HistoryRow[], now: number): Promise<void>;
  /**
   * The rows from minute `sinceMs` on, that are still kept at `now`, summed
   * over nodes (core's sumRows): one per minute and category, by minute, then
   * category. Reads only.
   */
  history(sinceMs: number, now: number): Promise<HistoryRow[]>;

  // ── nodes ───────────────────────────────────────────────────────────────

  /**
   * Renews this node's heartbeat with its report. Answers `dead` when the
   * cluster declared this node dead meanwhile, or forgot it, or another
   * process took its name: its running jobs were queued again. The node
   * stays dead, claiming nothing, until `rejoin`: the engine drops its stale
   * attempts first, so no claim made after the node is back can be dropped
   * with them (a claim that returns jobs ran after the rejoin, and the rejoin
   * after the drop).
   */
  heartbeat(report: NodeReport, now: number): Promise<'live' | 'dead'>;
  /**
   * Brings this node back to life after a heartbeat answered `dead`, once
   * the engine has dropped its attempts. Does nothing while another process
   * holds the node's name: that one is the node now.
   */
  rejoin(now: number): Promise<void>;
  /**
   * Takes or renews the leader's lease for `leaseMs`; `leader` while this
   * node leads. At most one node holds an unexpired lease.
   */
  lead(leaseMs: number, now: number): Promise<Lease>;
  /** Every node, live and dead, in name order. */
  nodes(now: number): Promise<NodeRecord[]>;
  /**
   * Declares dead every live node whose heartbeat is older than
   * `nodeTimeoutMs` (by the backend's clock), and queues their running jobs
   * again as `lost`, the attempt counted. Called by the leader. Returns the
   * nodes declared dead and how many jobs each had.
   */
  reap(nodeTimeoutMs: number, now: number): Promise<{ node: string; requeued: number }[]>;
  /** Forgets a dead node. */
  removeNode(name: string): Promise<void>;
  /** Publishes the leader's placement: slots per category, by node. */
  publishAllocation(byNode: Readonly<Record<string, Allocation>>, now: number): Promise<void>;

  on<E extends keyof BackendEvents>(event: E, listener: BackendEvents[E]): () => void;
}
