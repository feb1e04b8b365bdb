/**
 * The resolved configuration the engine runs on. apps/server parses and
 * validates the config file (zod) into this shape; defaults are filled in.
 */
import type { ObserverRequest } from './observers.js';
import type { ScheduleRequest } from './schedules.js';
import type { RateLimit } from './rate-limit.js';

export const BACKOFF_KINDS = ['fibonacci', 'exponential', 'fixed'] as const;
export type BackoffKind = (typeof BACKOFF_KINDS)[number];

export interface BackoffPolicy {
  kind: BackoffKind;
  /** First delay, in ms. */
  baseMs: number;
  /** No delay is longer than this. */
  maxMs: number;
  /** 0..1: the share of each delay that is randomized (0 = none, 1 = full jitter). */
  jitter: number;
}

export interface CategoryConfig {
  name: string;
  /** > 0: the category's share of workers grows with its work times its weight. */
  weight: number;
  /** Workers the category is guaranteed while it has work. */
  minWorkers: number;
  /** At most this many workers; `null` = no cap. */
  maxWorkers: number | null;
  /** Default retries for its jobs. */
  maxRetries: number;
  backoff: BackoffPolicy;
  /** Default hard limit per attempt; `null` = none. */
  timeoutMs: number | null;
  /** Waiting jobs (delayed, queued, retrying) it may hold; `null` = no limit. */
  maxQueued: number | null;
  /**
   * Its jobs run only on nodes that offer all of these tags (cluster mode);
   * `[]` = on any node.
   * @defaultValue `[]`
   */
  tags: string[];
  /**
   * How many of its jobs one thread may run at once: 1 for CPU-bound work,
   * more for I/O-bound work (a thread waiting on the network runs others).
   * A thread runs jobs of one category at a time.
   * @defaultValue 1 (optional, so that configs written for 0.3 still type-check)
   */
  concurrency?: number;
  /**
   * At most `max` of its jobs start in any sliding window of `perMs` ms, over
   * the whole cluster; jobs over the limit stay queued. `null` = no limit.
   * @defaultValue null
   */
  rateLimit?: RateLimit | null;
  /**
   * Whether a retry after a retryable failure lowers a job's priority by 1.
   * @defaultValue true
   */
  lowerPriorityOnRetry?: boolean;
  /**
   * The wait (due to started) its jobs should not exceed, in ms: drawn on the
   * dashboard's wait chart, and a category whose last minute's p95 wait is
   * above it is marked. `null` = no target.
   * @defaultValue null
   */
  targetWaitMs?: number | null;
}

/** The most jobs one thread may run at once (`CategoryConfig.concurrency`). */
export const MAX_CONCURRENCY = 1000;

export interface TaskConfig {
  name: string;
  /** Absolute path of the ES module that exports the handler. */
  module: string;
  /** The export holding the handler. */
  export: string;
  /** The category its jobs go to when a request names none; `null` = 'default'. */
  category: string | null;
  /** Overrides the category's `maxRetries` for this task. */
  maxRetries: number | null;
  /** Overrides the category's `timeoutMs` for this task. */
  timeoutMs: number | null;
  /**
   * A JSON Schema (draft 2020-12) every job's input must match, checked at
   * submission and on a retry with a new input: from a `.schema.json` file
   * next to the module, or from the module's `defineTask({ input })`;
   * `null` = any JSON.
   */
  inputSchema: Record<string, unknown> | null;
}

/**
 * A finished job is kept while it is younger than `maxAgeMs` or among the
 * newest `maxCount` of its category (and of its retention class, below).
 */
export interface RetentionLimits {
  /** Finished jobs are kept at least this long, in ms. */
  maxAgeMs: number;
  /** Beyond that age, only the newest this many per category are kept. */
  maxCount: number;
}

/**
 * Two retention classes per category, pruned apart: failed jobs, and the rest
 * (succeeded and cancelled). Failures are what someone has to look at, so a
 * flood of successes must not push them out.
 *
 * Cancelled jobs go with the succeeded ones: a cancel is a decision someone
 * already took, with nothing left to investigate, and a bulk cancel of a
 * backlog would otherwise push out the real failures just as a flood of
 * successes does.
 */
export interface RetentionPolicy extends RetentionLimits {
  /**
   * Failed jobs.
   * @defaultValue `{ maxAgeMs: 604_800_000, maxCount: 100_000 }` (7 days)
   */
  failed: RetentionLimits;
}

/** This node of the cluster; in local mode, the one node there is. */
export interface NodeConfig {
  /**
   * Unique among the live nodes: a second node with a live one's name is refused.
   * @defaultValue `<hostname>:<port>` in cluster mode, `local` in local mode
   */
  name: string;
  /** The tags it offers: categories with `tags` run only on nodes that offer all of them. */
  tags: string[];
}

/** How the nodes of a cluster watch each other (used by the local backend too, with one node). */
export interface ClusterTimings {
  /**
   * How long the leader's lease lasts. The leader renews it every
   * `balanceIntervalMs`; if it stops, another node leads once it runs out.
   * @defaultValue 3 × balanceIntervalMs
   */
  leaseMs: number;
  /**
   * A node silent for longer is declared dead and its running jobs are queued
   * again. Above `leaseMs`, so that a dead leader's lease has run out by then.
   * @defaultValue 10_000
   */
  nodeTimeoutMs: number;
}

export interface EngineConfig {
  /** This node's worker threads; in a cluster, the balancer shares those of every live node. */
  workers: number;
  node: NodeConfig;
  cluster: ClusterTimings;
  balanceIntervalMs: number;
  categories: CategoryConfig[];
  tasks: TaskConfig[];
  retention: RetentionPolicy;
  /** Waiting jobs cadre holds in all; `null` = no limit. */
  maxQueuedTotal: number | null;
  /** Serialized size limit of a task's result, in bytes. */
  maxResultBytes: number;
  /**
   * Schedules declared in the config: created or updated at each start, and
   * those a previous config declared and this one does not are deleted.
   * @defaultValue []
   */
  schedules?: ScheduleRequest[];
  /** Observers declared in the config, kept like `schedules`. @defaultValue [] */
  observers?: ObserverRequest[];
  /** Memory limits of each worker thread. */
  resourceLimits: {
    maxOldGenerationSizeMb: number;
    maxYoungGenerationSizeMb?: number;
    stackSizeMb?: number;
  } | null;
}
