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

export interface NodeOptions {
  /** Unique among the cluster's live nodes. @defaultValue 'local' */
  name: string;
  /** Tags this node offers: categories with `tags` run only on nodes offering all of them. */
  tags: readonly string[];
}

export interface EngineOptions {
  config: EngineConfig;
  /**
   * Where jobs live: the PostgreSQL backend for a cluster.
   * @defaultValue the local backend over `store`
   */
  backend?: Backend;
  /** The local backend's log (lowdb, or memory in tests); required without `backend`. */
  store?: JobStore;
  /** @defaultValue `{ name: 'local', tags: [] }` */
  node?: NodeOptions;
  /** How long the leader's lease lasts. @defaultValue 3 × `config.balanceIntervalMs` */
  leaseMs?: number;
  /** A node silent this long is dead and its running jobs run again. @defaultValue 10_000 */
  nodeTimeoutMs?: number;
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
