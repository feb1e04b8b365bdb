/**
 * Builds a real engine for tests: real piscina threads running the fixture
 * tasks, the in-memory store unless one is given.
 */
import { fileURLToPath } from 'node:url';
import { CadreError, type CategoryConfig, type EngineConfig, type Job } from '@cadre/core';
import { createPool } from '@cadre/pool';
import { MemoryStore, type JobStore } from '@cadre/store';
import { createEngine } from '../engine.js';
import type { EngineOptions } from '../engine-options.js';
import type { Engine } from '../types.js';

const TASKS = fileURLToPath(new URL('./tasks.js', import.meta.url));
const TASK_NAMES = ['echo', 'sleep', 'fail', 'flaky', 'permanent', 'spin', 'exit'];

export function category(name: string, over: Partial<CategoryConfig> = {}): CategoryConfig {
  return {
    name,
    weight: 1,
    minWorkers: 0,
    maxWorkers: null,
    maxRetries: 3,
    backoff: { kind: 'fixed', baseMs: 10, maxMs: 1000, jitter: 0 },
    timeoutMs: null,
    maxQueued: null,
    tags: [],
    concurrency: 1,
    ...over,
  };
}

export function config(over: Partial<EngineConfig> = {}): EngineConfig {
  return {
    workers: 2,
    node: { name: 'local', tags: [] },
    cluster: { leaseMs: 150, nodeTimeoutMs: 10_000 },
    balanceIntervalMs: 50,
    categories: [category('default')],
    tasks: TASK_NAMES.map((name) => ({
      name,
      module: TASKS,
      export: name,
      category: null,
      maxRetries: null,
      timeoutMs: null,
      inputSchema: null,
    })),
    retention: {
      maxAgeMs: 3_600_000,
      maxCount: 10_000,
      failed: { maxAgeMs: 3_600_000, maxCount: 10_000 },
    },
    maxQueuedTotal: null,
    maxResultBytes: 1024 * 1024,
    resourceLimits: null,
    ...over,
  };
}

export interface Harness {
  engine: Engine;
  store: JobStore;
  /** Every job change, in order. */
  changes: Job[];
  stop(graceMs?: number): Promise<void>;
}

const running: Harness[] = [];

export async function startEngine(
  over: Partial<EngineConfig> = {},
  store: JobStore = new MemoryStore(),
  options: Pick<EngineOptions, 'clock' | 'logger' | 'historyFlushMs' | 'pruneIntervalMs'> = {},
): Promise<Harness> {
  const cfg = config(over);
  const engine = createEngine({
    ...options,
    config: cfg,
    store,
    pool: (hooks) =>
      createPool({
        workers: cfg.workers,
        tasks: cfg.tasks,
        onProgress: hooks.onProgress,
      }),
  });
  const changes: Job[] = [];
  engine.on('job:changed', (job) => changes.push(job));
  await engine.start();
  let stopped = false;
  const h: Harness = {
    engine,
    store,
    changes,
    stop: async (graceMs = 0) => {
      if (stopped) return;
      stopped = true;
      await engine.stop({ graceMs });
    },
  };
  running.push(h);
  return h;
}

/** Stops every engine a test started; call from afterEach. */
export async function stopAll(): Promise<void> {
  await Promise.all(running.splice(0).map((h) => h.stop()));
}

/** Polls `check` until it returns true, or fails after `ms`. */
export async function until(
  check: () => boolean | Promise<boolean>,
  ms = 10_000,
  what = 'condition',
): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** The CadreError `p` rejects (or `p()` throws) with; fails if it settles otherwise. */
export async function rejection(p: Promise<unknown> | (() => unknown)): Promise<CadreError> {
  try {
    await (typeof p === 'function' ? p() : p);
  } catch (err) {
    if (err instanceof CadreError) return err;
    throw err;
  }
  throw new Error('expected a CadreError');
}
