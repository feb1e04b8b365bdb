/**
 * The engine's public face: what apps/server, the benchmark and embedders use.
 */
import type {
  BulkAction,
  BulkFilter,
  BulkOutcome,
  Allocation,
  CategoryPatch,
  CategoryView,
  ChainRequest,
  Flow,
  GroupRequest,
  HistoryRange,
  HistoryView,
  Job,
  JobRequest,
  JobState,
  NodeView,
  ObserverRequest,
  ObserverResult,
  ObserverView,
  RetryChanges,
  ScheduleRequest,
  ScheduleView,
  Stats,
  TaskView,
} from '@cadre/core';
import type { ListPage, ListQuery, SubmitResult } from '@cadre/store';

export type { ListPage, ListQuery, SubmitResult };

export interface EngineEvents {
  /**
   * A job changed through this node (created, started, progressed, finished,
   * …); `previous` is its state before the change, null for a new job.
   */
  'job:changed': (job: Job, previous: JobState | null) => void;
  /** The balancer changed the allocation. */
  'allocation:changed': (at: string, allocation: Allocation) => void;
  /** An observer was evaluated and its result kept (on the leader only). */
  'observer:result': (result: ObserverResult) => void;
}

export interface Engine {
  /** Loads the store, recovers interrupted jobs, starts the loops. */
  start(): Promise<void>;
  /**
   * Stops admitting, lets running jobs finish within `graceMs`, cancels the
   * rest (they are queued again at the next start), flushes the store.
   */
  stop(options?: { graceMs?: number }): Promise<void>;
  /**
   * Validates the whole batch (unknown task or category → ERR_UNKNOWN_TASK /
   * ERR_UNKNOWN_CATEGORY with the index in `details`; an input that does not
   * match its task's schema → ERR_VALIDATION with the index and the path
   * inside the input), then creates the jobs and resolves once they are
   * durable, in request order.
   */
  submit(requests: readonly JobRequest[]): Promise<SubmitResult[]>;
  /**
   * Creates a chain (2..100 steps, each the success callback of the one
   * before), with every callback, in one durable commit. ERR_VALIDATION
   * names the path of what is wrong (`jobs[1].onError[0].input`).
   */
  submitChain(request: ChainRequest): Promise<Flow>;
  /** Creates a group (1..1,000 members) and its chord callback, if any, in one durable commit. */
  submitGroup(request: GroupRequest): Promise<Flow>;
  /** The flow as it is now: ERR_FLOW_NOT_FOUND. */
  flow(id: string): Promise<Flow>;
  /** Cancels every job of the flow that has not finished, oldest first; answers the flow after. */
  cancelFlow(id: string): Promise<Flow>;
  /** Throws ERR_JOB_NOT_FOUND. */
  get(id: string): Promise<Job>;
  /** Resolves when the job is finished or after `waitMs`, with the job as it is then. */
  waitFor(id: string, waitMs: number): Promise<Job>;
  /** Newest first. */
  list(query: ListQuery): Promise<ListPage>;
  /** ERR_JOB_NOT_FOUND; ERR_INVALID_TRANSITION if finished. */
  cancel(id: string): Promise<Job>;
  /**
   * ERR_JOB_NOT_FOUND; ERR_INVALID_TRANSITION unless failed or cancelled;
   * ERR_VALIDATION when `changes.input` does not match the task's schema.
   */
  retry(id: string, changes?: RetryChanges): Promise<Job>;
  /**
   * Retries, cancels or deletes every job that matches `filter` and allows
   * the action (core's `allowsBulk`), in pages (bulk-action.ts); resolves
   * once all of it is durable. ERR_UNKNOWN_CATEGORY; a retry refuses during
   * shutdown (ERR_SHUTTING_DOWN).
   */
  bulk(filter: BulkFilter, action: BulkAction): Promise<BulkOutcome>;
  /** ERR_UNKNOWN_CATEGORY; ERR_VALIDATION. Persisted. */
  patchCategory(name: string, patch: CategoryPatch): Promise<CategoryView>;
  /** Summed over the cluster; the settings are shared by all nodes. */
  categories(): Promise<CategoryView[]>;
  /**
   * The metrics history of the range ending with the current minute: per
   * minute and category (only those with attempts), summed over nodes, as the
   * backend holds it (each node flushes every `historyFlushMs`).
   */
  history(range: HistoryRange): Promise<HistoryView>;
  tasks(): TaskView[];
  /** Summed over the cluster's live nodes. */
  stats(): Promise<Stats>;
  /** The nodes of the cluster, live and dead; in local mode, this one. */
  nodes(): Promise<NodeView[]>;
  /** Forgets a dead node: ERR_NODE_NOT_FOUND, or ERR_NODE_LIVE while it is live. */
  removeNode(name: string): Promise<void>;
  /**
   * Creates a schedule, or updates the one of that name (its pause and last
   * run stay; a new timing restarts its ticks from now). ERR_VALIDATION names
   * the field (`cron`, `tz`, `job.task`, …); ERR_UNKNOWN_TASK and
   * ERR_UNKNOWN_CATEGORY for its job.
   */
  saveSchedule(request: ScheduleRequest): Promise<{ schedule: ScheduleView; created: boolean }>;
  /** In name order. */
  schedules(): Promise<ScheduleView[]>;
  /** ERR_SCHEDULE_NOT_FOUND. */
  schedule(name: string): Promise<ScheduleView>;
  /** ERR_SCHEDULE_NOT_FOUND. The jobs it made stay. */
  deleteSchedule(name: string): Promise<void>;
  /** ERR_SCHEDULE_NOT_FOUND. A resumed schedule does not run the ticks of its pause. */
  pauseSchedule(name: string, paused: boolean): Promise<ScheduleView>;
  /** Creates or updates an observer; ERR_VALIDATION, ERR_UNKNOWN_CATEGORY, ERR_UNKNOWN_TASK. */
  saveObserver(request: ObserverRequest): Promise<{ observer: ObserverView; created: boolean }>;
  /** In name order. */
  observers(): Promise<ObserverView[]>;
  /** ERR_OBSERVER_NOT_FOUND; its results go with it. */
  deleteObserver(name: string): Promise<void>;
  /** Its latest results (at most 100), newest first; ERR_OBSERVER_NOT_FOUND. */
  observerResults(name: string): Promise<ObserverResult[]>;
  on<E extends keyof EngineEvents>(event: E, listener: EngineEvents[E]): () => void;
}
