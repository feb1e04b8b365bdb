/**
 * Listing over HTTP with many retained jobs: a data directory of finished
 * jobs is written straight through the store (far faster than running them),
 * then the real server starts on it and answers `GET /api/jobs` queries.
 */
import { writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { createJob, transition, type Job } from '@cadre/core';
import { openLowdbStore } from '@cadre/store';
import { percentile } from './percentiles.js';

export const LIST_CATEGORIES = ['default', 'emails', 'images', 'reports'] as const;

export interface RetainedJobs {
  total: number;
  failed: number;
  /** Failed jobs per category. */
  failedIn: Record<string, number>;
  cancelled: number;
}

export interface RetainedJobsOptions {
  total: number;
  /** Share of the jobs that failed, spread evenly at random through them. */
  failedShare: number;
  /** Cancelled jobs, all among the oldest tenth: a filter that matches almost nothing recent. */
  cancelled: number;
  /** @defaultValue 1 */
  seed?: number;
  log?: (line: string) => void;
}

/**
 * Writes `total` finished echo jobs, in `LIST_CATEGORIES` at random, into the
 * data directory `dir`, as the engine would have recorded them, 2 ms apart up
 * to now. Ends with a compaction so the server recovers from the snapshot.
 */
export async function writeRetainedJobs(
  dir: string,
  options: RetainedJobsOptions,
): Promise<RetainedJobs> {
  const { total, failedShare, cancelled } = options;
  const random = mulberry32(options.seed ?? 1);
  const store = await openLowdbStore({ dir });
  const result: RetainedJobs = { total, failed: 0, failedIn: {}, cancelled: 0 };
  for (const c of LIST_CATEGORIES) result.failedIn[c] = 0;
  const cancelEvery = Math.max(1, Math.floor(total / 10 / Math.max(1, cancelled)));
  const start = Date.now() - total * 2;
  const chunk = 10_000;
  try {
    for (let from = 0; from < total; from += chunk) {
      const puts: { op: 'put'; job: Job }[] = [];
      for (let i = from; i < Math.min(total, from + chunk); i++) {
        const at = start + i * 2;
        const category = LIST_CATEGORIES[Math.floor(random() * LIST_CATEGORIES.length)]!;
        const queued = createJob(
          {
            // The engine's id format: 9 base-36 digits of ms, 4 of a counter.
            id: at.toString(36).padStart(9, '0') + '0000',
            key: null,
            category,
            task: 'echo',
            input: null,
            maxRetries: 0,
            timeoutMs: null,
            runAtMs: null,
          },
          at,
        );
        let job: Job;
        if (result.cancelled < cancelled && i % cancelEvery === 0) {
          job = transition(queued, { type: 'cancel' }, at + 1);
          result.cancelled += 1;
        } else {
          const failed = random() < failedShare;
          const running = transition(queued, { type: 'start', node: 'local' }, at);
          job = transition(
            running,
            {
              type: 'settle',
              outcome: failed
                ? { kind: 'error', message: 'bench failure', retryable: false }
                : { kind: 'ok', value: null },
              retryDelayMs: 0,
            },
            at + 1,
          );
          if (failed) {
            result.failed += 1;
            result.failedIn[category]! += 1;
          }
        }
        puts.push({ op: 'put', job });
      }
      await store.commit(puts);
      if ((from + chunk) % 200_000 === 0) options.log?.(`${from + chunk} jobs written`);
    }
    await store.compact();
  } finally {
    await store.close();
  }
  return result;
}

/**
 * A config for the server on that directory: retention above the job count,
 * so that every job is kept; the echo task of the bench.
 */
export async function writeListConfig(file: string, keep: number): Promise<void> {
  const tasks = fileURLToPath(new URL('../tasks/bench-tasks.js', import.meta.url));
  await writeFile(
    file,
    JSON.stringify(
      {
        categories: LIST_CATEGORIES.map((name) => ({ name })),
        tasks: [{ name: 'echo', module: tasks, export: 'echo' }],
        retention: {
          maxAgeMs: 30 * 86_400_000,
          maxCount: keep,
          failed: { maxAgeMs: 30 * 86_400_000, maxCount: keep },
        },
      },
      null,
      2,
    ),
  );
}

export interface ListLatency {
  p50: number;
  p99: number;
  max: number;
  /** Jobs on the last page answered. */
  returned: number;
}

/** Latency (ms) of `samples` sequential `GET url + path`, after a few to warm up. */
export async function listLatency(url: string, path: string, samples = 200): Promise<ListLatency> {
  const get = async () => {
    const res = await fetch(new URL(path, url));
    if (!res.ok) throw new Error(`GET ${path}: ${res.status} ${await res.text()}`);
    return (await res.json()) as { jobs: Job[] };
  };
  for (let i = 0; i < 5; i++) await get();
  const latencies: number[] = [];
  let returned = 0;
  for (let i = 0; i < samples; i++) {
    const t0 = performance.now();
    returned = (await get()).jobs.length;
    latencies.push(performance.now() - t0);
  }
  return {
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
    max: Math.max(...latencies),
    returned,
  };
}

/** A small seeded PRNG, so that every run writes the same jobs. */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
