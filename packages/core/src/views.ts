/**
 * The shapes the API answers with, besides `Job` (shared/API.md). Shared by
 * the engine, the server, the client and the dashboard.
 */
import type { Json } from './job.js';
import type { RateLimit } from './rate-limit.js';

export interface JobRequest {
  task: string;
  category?: string;
  input?: Json;
  delayMs?: number;
  runAt?: string;
  maxRetries?: number;
  timeoutMs?: number;
  /** An integer from -100 to 100: higher starts first within its category, FIFO among equals. @defaultValue 0 */
  priority?: number;
  /** Not allowed on a job with callbacks, on a callback, or in a chain or group. */
  key?: string;
  /** Jobs created `waiting` with this one, queued when it succeeds. */
  onSuccess?: JobRequest[];
  /** Jobs created `waiting` with this one, queued when it fails for good. */
  onError?: JobRequest[];
  /** When true its callbacks run with their own input, without its result or error. @defaultValue false */
  immutable?: boolean;
}

export interface ChainRequest {
  /** 2..100 steps; each is the success callback of the one before. */
  jobs: JobRequest[];
}

export interface GroupRequest {
  /** 1..1,000 members, run in parallel. */
  jobs: JobRequest[];
  /** The chord callback: runs with [[r1, …, rn], ...args] once every member has succeeded. */
  callback?: JobRequest;
}

export type Allocation = Record<string, number>;

export interface CategoryView {
  name: string;
  weight: number;
  minWorkers: number;
  maxWorkers: number | null;
  paused: boolean;
  /** Jobs of this category one thread runs at once. */
  concurrency: number;
  /** At most `max` starts per sliding `perMs` window, over the cluster; null = no limit. */
  rateLimit: RateLimit | null;
  /** Queued jobs wait for its rate limit now: its latest claim found the window full. */
  rateLimited: boolean;
  /**
   * Stored jobs name it but the config no longer lists it: its jobs are kept
   * and listed, never run, until it is configured again.
   */
  orphaned: boolean;
  /** Callbacks waiting for their parents. */
  waiting: number;
  delayed: number;
  queued: number;
  running: number;
  retrying: number;
  /** Worker threads the balancer gives it now. */
  allocated: number;
  succeeded: number;
  failed: number;
  cancelled: number;
  /** Jobs finished per second over the last 10 s. */
  throughput: number;
  /** The wait it should not exceed (due to started), in ms; null = no target. */
  targetWaitMs: number | null;
  /** Median wait of the attempts started over the last minute (all nodes); null when none started. */
  waitP50Ms: number | null;
  /** 95th percentile of the same waits; null when none started. */
  waitP95Ms: number | null;
}

export interface CategoryPatch {
  weight?: number;
  minWorkers?: number;
  maxWorkers?: number | null;
  paused?: boolean;
  concurrency?: number;
  rateLimit?: RateLimit | null;
  /** null clears the target. */
  targetWaitMs?: number | null;
}

export interface Stats {
  /** Worker threads of the live nodes. */
  workers: number;
  /** Live nodes. */
  nodes: number;
  allocation: Allocation;
  queued: number;
  running: number;
  /** Callbacks waiting for their parents. */
  waiting: number;
  delayed: number;
  retrying: number;
  succeeded: number;
  failed: number;
  cancelled: number;
  uptimeMs: number;
}

export interface TaskView {
  name: string;
  category: string | null;
  /** The JSON Schema (draft 2020-12) its input must match; absent when any JSON goes. */
  inputSchema?: Record<string, unknown> | null;
}

/** What a retry by hand may change. */
export interface RetryChanges {
  /** Runs the job again with this input instead of its own. */
  input?: Json;
}

/** A node of the cluster; in local mode, the one node there is. */
export interface NodeView {
  name: string;
  /** Tags it offers: categories with `tags` run only on nodes that offer all of them. */
  tags: string[];
  /** Its worker threads. */
  workers: number;
  /** Attempts it runs now. */
  running: number;
  /** Slots per category the leader gave it. */
  allocation: Allocation;
  /** Whether it runs the cluster's balancer now. */
  leader: boolean;
  /** `dead`: silent for longer than `nodeTimeoutMs`; its running jobs were queued again. */
  state: 'live' | 'dead';
  startedAt: string;
  heartbeatAt: string;
}
