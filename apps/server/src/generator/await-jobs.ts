/**
 * Finding out how a run's jobs ended, without one request per job.
 *
 * - Progress comes from `GET /api/stats`: the server's finished counters,
 *   less their values before the run, estimate how many of ours finished. One
 *   small request per tick, whatever the run's size.
 * - The truth comes from a sweep: for each category of the run, page through
 *   `GET /api/jobs?category=…&limit=1000` newest first, keep the jobs whose id
 *   is ours, and stop at the first page that reaches past the run's oldest
 *   `createdAt`. A sweep costs count/1000 requests (100 for 100k jobs), so it
 *   runs only when the estimate says the run is done, when the server has
 *   nothing left to do, or when enough time has passed relative to the cost of
 *   the last sweep (so sweeping never takes more than about a quarter of the time).
 * - The tail (a few delayed or retrying jobs) is awaited one by one with
 *   `GET /api/jobs/:id?waitMs=…`, which answers as soon as the job finishes.
 */
import type { CadreClient, Job, Stats } from '@cadre/client';
import { FINISHED_STATES } from '@cadre/core';
import type { GeneratorIo } from './io.js';

export interface AwaitOptions {
  /** Categories of the run. */
  categories: readonly string[];
  /** The run's jobs as created. */
  jobs: readonly Job[];
  oldestCreatedMs: number;
  /** Finished counters (succeeded + failed + cancelled) before the run. */
  finishedBefore: number;
  /** Absolute `io.now()` after which to give up. */
  deadline: number;
  onProgress(finished: number): void;
}

export interface AwaitResult {
  /** Latest record of each job, by id. */
  latest: Map<string, Job>;
  timedOut: boolean;
}

const POLL_MS = 500;
const MIN_SWEEP_GAP_MS = 5000;
const TAIL = 200;
const TAIL_LANES = 16;
const MAX_WAIT_MS = 10_000;

const isDone = (job: Job) => FINISHED_STATES.has(job.state);
const finishedCount = (s: Stats) => s.succeeded + s.failed + s.cancelled;

/** One sweep: the latest record of every job of the run that the list still shows. */
export async function sweep(
  client: CadreClient,
  categories: readonly string[],
  ours: ReadonlySet<string>,
  oldestCreatedMs: number,
): Promise<Map<string, Job>> {
  const found = new Map<string, Job>();
  for (const category of categories) {
    let cursor: string | undefined;
    for (;;) {
      const page = await client.list({ category, limit: 1000, ...(cursor ? { cursor } : {}) });
      let pastRun = false;
      for (const job of page.jobs) {
        if (ours.has(job.id)) found.set(job.id, job);
        else if (Date.parse(job.createdAt) < oldestCreatedMs) pastRun = true;
      }
      if (pastRun || page.nextCursor === null || page.jobs.length === 0) break;
      cursor = page.nextCursor;
    }
  }
  return found;
}

export async function awaitJobs(
  client: CadreClient,
  options: AwaitOptions,
  io: GeneratorIo,
): Promise<AwaitResult> {
  const ours = new Set(options.jobs.map((j) => j.id));
  const latest = new Map(options.jobs.map((j) => [j.id, j]));
  const total = ours.size;
  let finished = options.jobs.filter(isDone).length;
  // The submission answers count as a first sweep: the next is due only later.
  let lastSweepAt = io.now();
  let lastSweepCost = 0;
  let estimateAtSweep = -1;
  let shown = 0;
  // The estimate can run ahead of a sweep's count; the bar never goes back.
  const show = (n: number) => {
    shown = Math.max(shown, n);
    options.onProgress(shown);
  };

  const doSweep = async () => {
    const started = io.now();
    for (const [id, job] of await sweep(
      client,
      options.categories,
      ours,
      options.oldestCreatedMs,
    )) {
      latest.set(id, job);
    }
    finished = [...latest.values()].filter(isDone).length;
    lastSweepAt = io.now();
    lastSweepCost = lastSweepAt - started;
    show(finished);
  };

  while (finished < total && io.now() < options.deadline) {
    const stats = await client.stats();
    const estimate = Math.min(
      total,
      Math.max(finished, finishedCount(stats) - options.finishedBefore),
    );
    show(estimate);
    const idle = stats.queued + stats.running + stats.delayed + stats.retrying === 0;
    const gap = Math.max(MIN_SWEEP_GAP_MS, 3 * lastSweepCost);
    const due =
      (estimate >= total && estimate !== estimateAtSweep) ||
      (idle && io.now() - lastSweepAt >= 2 * POLL_MS) ||
      io.now() - lastSweepAt >= gap;
    if (due) {
      estimateAtSweep = estimate;
      await doSweep();
      if (total - finished <= TAIL) {
        await awaitTail(client, latest, options, io, show);
        finished = [...latest.values()].filter(isDone).length;
      }
      continue;
    }
    await io.sleep(Math.min(POLL_MS, Math.max(0, options.deadline - io.now())));
  }
  return { latest, timedOut: finished < total };
}

async function awaitTail(
  client: CadreClient,
  latest: Map<string, Job>,
  options: AwaitOptions,
  io: GeneratorIo,
  show: (finished: number) => void,
): Promise<void> {
  const pending = [...latest.values()].filter((j) => !isDone(j)).map((j) => j.id);
  let done = latest.size - pending.length;
  const lane = async () => {
    for (let id = pending.pop(); id !== undefined; id = pending.pop()) {
      for (;;) {
        const left = options.deadline - io.now();
        if (left <= 0) return;
        const job = await client.get(id, {
          waitMs: Math.max(1, Math.min(MAX_WAIT_MS, Math.floor(left))),
        });
        latest.set(id, job);
        if (isDone(job)) break;
      }
      show(++done);
    }
  };
  await Promise.all(Array.from({ length: TAIL_LANES }, lane));
}
