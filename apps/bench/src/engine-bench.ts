/**
 * The engine against its ceiling: raw piscina running a no-op at its best,
 * then the engine end to end (submit → run → succeeded) on a given store.
 */
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { EngineConfig, JobRequest } from '@cadre/core';
import { createEngine, type Engine } from '@cadre/engine';
import { createPool } from '@cadre/pool';
import { MemoryStore, openLowdbStore, type JobStore } from '@cadre/store';
import { FixedQueue, Piscina } from 'piscina';
import { percentile } from './percentiles.js';

const TASKS = fileURLToPath(new URL('../tasks/bench-tasks.js', import.meta.url));

/** What `checked` jobs submit, and the schema their input is checked against. */
export const CHECKED_INPUT = { to: 'ada@example.com', n: 1, tags: ['a', 'b'] };
export const CHECKED_SCHEMA = JSON.parse(
  readFileSync(new URL('../tasks/bench-tasks.checked.schema.json', import.meta.url), 'utf8'),
) as Record<string, unknown>;

export interface PiscinaRun {
  /** Most tasks submitted and not yet settled; Infinity = all submitted at once. */
  inFlight: number;
  queue: 'array' | 'fixed';
  rate: number;
}

export interface Ceiling {
  /** The fastest of `runs`: piscina as its authors would run it at its best. */
  best: PiscinaRun;
  runs: PiscinaRun[];
}

/**
 * The ceiling: piscina alone running `task` of the bench tasks `n` times, in
 * every way below; the best is the figure to compare with. Submitting all `n`
 * at once makes piscina's own task queue dominate (about half the rate of a
 * bounded number in flight), so it is kept only to show that difference.
 */
export async function piscinaCeiling(
  threads: number,
  n: number,
  task: 'noop' | 'cpu' = 'noop',
  input: unknown = null,
): Promise<Ceiling> {
  const runs: PiscinaRun[] = [];
  // threads + threads² is what piscina's own `maxQueue: 'auto'` allows.
  for (const inFlight of [threads + threads ** 2, 64, 256, 1000, Infinity]) {
    for (const queue of ['array', 'fixed'] as const) {
      runs.push({
        inFlight,
        queue,
        rate: await piscinaRate(threads, n, task, input, inFlight, queue),
      });
    }
  }
  const best = runs.reduce((a, b) => (b.rate > a.rate ? b : a));
  return { best, runs };
}

async function piscinaRate(
  threads: number,
  n: number,
  task: 'noop' | 'cpu',
  input: unknown,
  inFlight: number,
  queue: 'array' | 'fixed',
): Promise<number> {
  const pool = new Piscina({
    filename: new URL('../tasks/bench-tasks.js', import.meta.url).href,
    name: task,
    minThreads: threads,
    maxThreads: threads,
    idleTimeout: 2 ** 30,
    concurrentTasksPerWorker: 1,
    ...(queue === 'fixed' ? { taskQueue: new FixedQueue() } : {}),
  });
  const runAll = async (count: number) => {
    if (!Number.isFinite(inFlight)) {
      await Promise.all(Array.from({ length: count }, () => pool.run(input)));
      return;
    }
    let started = 0;
    const lane = async () => {
      while (started < count) {
        started += 1;
        await pool.run(input);
      }
    };
    await Promise.all(Array.from({ length: Math.min(inFlight, count) }, lane));
  };
  await runAll(Math.min(2000, n));
  const t0 = performance.now();
  await runAll(n);
  const rate = n / ((performance.now() - t0) / 1000);
  await pool.destroy();
  return rate;
}

export function benchConfig(threads: number): EngineConfig {
  return {
    workers: threads,
    node: { name: 'local', tags: [] },
    cluster: { leaseMs: 3000, nodeTimeoutMs: 10_000 },
    balanceIntervalMs: 1000,
    categories: [
      {
        name: 'default',
        weight: 1,
        minWorkers: 0,
        maxWorkers: null,
        maxRetries: 0,
        backoff: { kind: 'fixed', baseMs: 100, maxMs: 100, jitter: 0 },
        timeoutMs: null,
        maxQueued: null,
        tags: [],
        concurrency: 1,
      },
    ],
    tasks: ['echo', 'noop', 'cpu', 'checked'].map((name) => ({
      name,
      module: TASKS,
      export: name,
      category: null,
      maxRetries: null,
      timeoutMs: null,
      inputSchema: name === 'checked' ? CHECKED_SCHEMA : null,
    })),
    retention: {
      maxAgeMs: 3_600_000,
      maxCount: 1_000_000,
      failed: { maxAgeMs: 3_600_000, maxCount: 1_000_000 },
    },
    maxQueuedTotal: null,
    maxResultBytes: 1024 * 1024,
    resourceLimits: null,
  };
}

export type StoreKind = 'memory' | 'lowdb';

export interface RunningEngine {
  engine: Engine;
  close(): Promise<void>;
}

export async function startBenchEngine(
  threads: number,
  kind: StoreKind,
  configure: (config: EngineConfig) => EngineConfig = (c) => c,
): Promise<RunningEngine> {
  let dir: string | null = null;
  let store: JobStore;
  if (kind === 'lowdb') {
    dir = await mkdtemp(join(tmpdir(), 'cadre-bench-'));
    store = await openLowdbStore({ dir });
  } else {
    store = new MemoryStore();
  }
  const config = configure(benchConfig(threads));
  const engine = createEngine({
    config,
    store,
    pool: (hooks) =>
      createPool({ workers: threads, tasks: config.tasks, onProgress: hooks.onProgress }),
  });
  await engine.start();
  return {
    engine,
    close: async () => {
      await engine.stop({ graceMs: 0 });
      if (dir) await rm(dir, { recursive: true, force: true });
    },
  };
}

/**
 * Jobs per second from the first submit to the last success, `n` jobs of
 * `request` (or `request(i)` for the i-th job).
 */
export async function engineRate(
  engine: Engine,
  n: number,
  request: JobRequest | ((i: number) => JobRequest),
  batch = 1000,
): Promise<number> {
  let succeeded = 0;
  let resolveDone!: () => void;
  const done = new Promise<void>((r) => (resolveDone = r));
  const off = engine.on('job:changed', (job) => {
    if (job.state === 'succeeded' && ++succeeded === n) resolveDone();
  });
  const t0 = performance.now();
  const submits: Promise<unknown>[] = [];
  for (let i = 0; i < n; i += batch) {
    const make = typeof request === 'function' ? request : () => request;
    submits.push(
      engine.submit(Array.from({ length: Math.min(batch, n - i) }, (_, k) => make(i + k))),
    );
    // Keep a few batches in flight, like concurrent clients would.
    if (submits.length >= 4) await submits.shift();
  }
  await Promise.all(submits);
  await done;
  off();
  return n / ((performance.now() - t0) / 1000);
}

/**
 * The submit path alone (resolve, input check, build, commit), jobs/s: `n`
 * jobs in batches of 1,000 into a paused category, so that no worker competes
 * for the CPU. Rounds alternate between the requests and the median is kept,
 * since these machines are shared.
 */
export async function submitRates(
  threads: number,
  n: number,
  requests: Record<string, JobRequest>,
  rounds = 7,
): Promise<Record<string, number>> {
  const e = await startBenchEngine(threads, 'memory');
  try {
    await e.engine.patchCategory('default', { paused: true });
    const samples: Record<string, number[]> = {};
    for (let round = 0; round <= rounds; round++) {
      for (const [name, request] of Object.entries(requests)) {
        const batch = Array.from({ length: 1000 }, () => request);
        const t0 = performance.now();
        for (let i = 0; i < n; i += 1000) await e.engine.submit(batch);
        // Round 0 warms the JIT up.
        if (round > 0) (samples[name] ??= []).push(n / ((performance.now() - t0) / 1000));
      }
    }
    return Object.fromEntries(
      Object.entries(samples).map(([name, s]) => [name, percentile(s, 50)]),
    );
  } finally {
    await e.close();
  }
}

/** Submit → start latency (ms) of single-job submissions at `rate` jobs/s for `seconds`. */
export async function startLatency(
  engine: Engine,
  rate: number,
  seconds: number,
  request: JobRequest,
): Promise<{ p50: number; p99: number; n: number }> {
  const submittedAt = new Map<string, number>();
  const early = new Map<string, number>();
  const latencies: number[] = [];
  const off = engine.on('job:changed', (job) => {
    if (job.state !== 'running') return;
    const t = submittedAt.get(job.id);
    if (t === undefined) early.set(job.id, performance.now());
    else latencies.push(performance.now() - t);
  });
  const total = Math.round(rate * seconds);
  const tickMs = 5;
  const perTick = rate / (1000 / tickMs);
  let sent = 0;
  let owed = 0;
  const pending: Promise<void>[] = [];
  await new Promise<void>((resolve) => {
    const timer = setInterval(() => {
      owed += perTick;
      while (owed >= 1 && sent < total) {
        owed -= 1;
        sent += 1;
        const t = performance.now();
        pending.push(
          engine.submit([request]).then(([r]) => {
            const id = r!.job.id;
            // The job may start before its submit promise resolves.
            const started = early.get(id);
            if (started !== undefined) latencies.push(started - t);
            else submittedAt.set(id, t);
          }),
        );
      }
      if (sent >= total) {
        clearInterval(timer);
        resolve();
      }
    }, tickMs);
  });
  await Promise.all(pending);
  const deadline = Date.now() + 30_000;
  while (latencies.length < total && Date.now() < deadline)
    await new Promise((r) => setTimeout(r, 20));
  off();
  return { p50: percentile(latencies, 50), p99: percentile(latencies, 99), n: latencies.length };
}
