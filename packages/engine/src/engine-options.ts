/**
 * What an embedder hands `createEngine`.
 */
import type { EngineConfig } from '@cadre/core';
import type { TaskPool } from '@cadre/pool';
import type { Backend, JobStore } from '@cadre/store';

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
  /**
   * Where jobs live: the PostgreSQL backend for a cluster (`config.node`
   * names this node, `config.cluster` times the heartbeats and the lease).
   * @defaultValue the local backend over `store`
   */
  backend?: Backend;
  /** The local backend's log (lowdb, or memory in tests); required without `backend`. */
  store?: JobStore;
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
  /**
   * How often this node hands its metrics history to the backend, in ms (and
   * once more at a graceful stop): a kill -9 loses at most this much.
   * @defaultValue 10_000
   */
  historyFlushMs?: number;
  /**
   * How often the leading node forgets finished jobs beyond the retention
   * policy, in ms. Retention is judged in hours and thousands of jobs, and on
   * PostgreSQL a prune counts each category's kept jobs: once a tick would
   * cost the database more as more jobs are kept.
   * @defaultValue 5_000
   */
  pruneIntervalMs?: number;
}
