/**
 * What the engine keeps per category: its live settings (config merged with
 * run-time overrides), its FIFO queue, its slot accounting and its counters.
 */
import {
  FifoQueue,
  FinishedJobs,
  RateWindow,
  type CategoryConfig,
  type CategoryPatch,
  type EngineConfig,
  type JobState,
} from '@cadre/core';

export class CategoryState {
  weight: number;
  minWorkers: number;
  maxWorkers: number | null;
  paused = false;
  readonly queue = new FifoQueue();
  /** Jobs per state, kept in step with every transition. */
  readonly counts: Record<JobState, number> = {
    delayed: 0,
    queued: 0,
    running: 0,
    retrying: 0,
    succeeded: 0,
    failed: 0,
    cancelled: 0,
  };
  /** Waiting jobs of submissions being committed, counted against `maxQueued`. */
  reserved = 0;
  /** Attempts on a thread now (a cancelled attempt holds its slot until its thread is free). */
  busy = 0;
  /** Slots the balancer gives it now. */
  allocated = 0;
  /** Jobs that finished since this process started, by how. */
  readonly finishedSinceStart = { succeeded: 0, failed: 0, cancelled: 0 };
  readonly throughput = new RateWindow(10);
  /** Finished jobs, for retention. */
  readonly finished = new FinishedJobs();

  constructor(
    readonly config: CategoryConfig,
    /** Stored jobs name it but the config does not: they are kept and listed, never run. */
    readonly orphaned = false,
  ) {
    this.weight = config.weight;
    this.minWorkers = config.minWorkers;
    this.maxWorkers = config.maxWorkers;
  }

  /** A category that stored jobs name and the config no longer lists. */
  static orphan(name: string, config: EngineConfig): CategoryState {
    const base = config.categories.find((c) => c.name === 'default') ?? config.categories[0]!;
    return new CategoryState({ ...base, name, minWorkers: 0, maxWorkers: null }, true);
  }

  apply(patch: CategoryPatch): void {
    if (patch.weight !== undefined) this.weight = patch.weight;
    if (patch.minWorkers !== undefined) this.minWorkers = patch.minWorkers;
    if (patch.maxWorkers !== undefined) this.maxWorkers = patch.maxWorkers;
    if (patch.paused !== undefined) this.paused = patch.paused;
  }

  /** Jobs waiting to run: delayed, queued and retrying. */
  get waiting(): number {
    return this.counts.delayed + this.counts.queued + this.counts.retrying;
  }
}
