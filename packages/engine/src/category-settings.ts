/**
 * What the engine keeps per category: its live settings (the config merged
 * with the run-time overrides all nodes share) and what this node finished.
 */
import {
  Errors,
  MAX_CONCURRENCY,
  MAX_TARGET_WAIT_MS,
  RateWindow,
  rateLimitProblem,
  type CategoryConfig,
  type CategoryPatch,
  type EngineConfig,
  type RateLimit,
} from '@cadre/core';

export class CategorySettings {
  weight: number;
  minWorkers: number;
  maxWorkers: number | null;
  paused = false;
  concurrency: number;
  rateLimit: RateLimit | null;
  /** The wait its jobs should not exceed (ms); null = no target. */
  targetWaitMs: number | null;
  /** Jobs this node finished since it started, by how. */
  readonly finishedHere = { succeeded: 0, failed: 0, cancelled: 0 };
  /** Jobs this node finished, per second over the last 10 s. */
  readonly throughput = new RateWindow(10);

  constructor(
    readonly config: CategoryConfig,
    /** Stored jobs name it but the config does not: they are kept and listed, never run. */
    readonly orphaned = false,
  ) {
    this.weight = config.weight;
    this.minWorkers = config.minWorkers;
    this.maxWorkers = config.maxWorkers;
    this.concurrency = config.concurrency ?? 1;
    this.rateLimit = config.rateLimit ?? null;
    this.targetWaitMs = config.targetWaitMs ?? null;
  }

  /** Whether a retry after a retryable failure lowers a job's priority (config only). */
  get lowerPriorityOnRetry(): boolean {
    return this.config.lowerPriorityOnRetry ?? true;
  }

  /** A category that stored jobs name and the config no longer lists. */
  static orphan(name: string, config: EngineConfig): CategorySettings {
    const base = config.categories.find((c) => c.name === 'default') ?? config.categories[0]!;
    return new CategorySettings({ ...base, name, minWorkers: 0, maxWorkers: null }, true);
  }

  /** Whether this node may start its jobs. */
  get runnable(): boolean {
    return !this.paused && !this.orphaned;
  }

  apply(patch: CategoryPatch): void {
    if (patch.weight !== undefined) this.weight = patch.weight;
    if (patch.minWorkers !== undefined) this.minWorkers = patch.minWorkers;
    if (patch.maxWorkers !== undefined) this.maxWorkers = patch.maxWorkers;
    if (patch.paused !== undefined) this.paused = patch.paused;
    if (patch.concurrency !== undefined) this.concurrency = patch.concurrency;
    if (patch.rateLimit !== undefined) this.rateLimit = patch.rateLimit;
    if (patch.targetWaitMs !== undefined) this.targetWaitMs = patch.targetWaitMs;
  }

  /** Back to the config, then `override`: how another node's change is taken in. */
  reset(override: CategoryPatch | undefined): void {
    this.weight = this.config.weight;
    this.minWorkers = this.config.minWorkers;
    this.maxWorkers = this.config.maxWorkers;
    this.paused = false;
    this.concurrency = this.config.concurrency ?? 1;
    this.rateLimit = this.config.rateLimit ?? null;
    this.targetWaitMs = this.config.targetWaitMs ?? null;
    if (override) this.apply(override);
  }
}

/** ERR_VALIDATION naming the field, for a patch that `cat` cannot take. */
export function validatePatch(cat: CategorySettings, patch: CategoryPatch): void {
  const { weight, minWorkers, maxWorkers, concurrency, rateLimit, targetWaitMs } = patch;
  if (
    targetWaitMs !== undefined &&
    targetWaitMs !== null &&
    !(Number.isFinite(targetWaitMs) && targetWaitMs > 0 && targetWaitMs <= MAX_TARGET_WAIT_MS)
  ) {
    throw Errors.validation(
      `targetWaitMs must be a number of ms above 0 and at most ${MAX_TARGET_WAIT_MS}, or null`,
      { field: 'targetWaitMs' },
    );
  }
  if (rateLimit !== undefined && rateLimit !== null) checkRateLimit(rateLimit);
  if (
    concurrency !== undefined &&
    !(Number.isInteger(concurrency) && concurrency >= 1 && concurrency <= MAX_CONCURRENCY)
  ) {
    throw Errors.validation(`concurrency must be an integer from 1 to ${MAX_CONCURRENCY}`, {
      field: 'concurrency',
    });
  }
  if (weight !== undefined && !(Number.isFinite(weight) && weight > 0)) {
    throw Errors.validation('weight must be a number above 0', { field: 'weight' });
  }
  if (minWorkers !== undefined && !(Number.isInteger(minWorkers) && minWorkers >= 0)) {
    throw Errors.validation('minWorkers must be an integer of at least 0', { field: 'minWorkers' });
  }
  if (
    maxWorkers !== undefined &&
    maxWorkers !== null &&
    !(Number.isInteger(maxWorkers) && maxWorkers >= 1)
  ) {
    throw Errors.validation('maxWorkers must be an integer of at least 1, or null', {
      field: 'maxWorkers',
    });
  }
  const min = minWorkers ?? cat.minWorkers;
  const max = maxWorkers === undefined ? cat.maxWorkers : maxWorkers;
  if (max !== null && min > max) {
    throw Errors.validation(`minWorkers (${min}) cannot exceed maxWorkers (${max})`, {
      field: 'minWorkers',
    });
  }
}

function checkRateLimit(limit: RateLimit): void {
  if (typeof limit !== 'object') {
    throw Errors.validation('rateLimit must be an object { max, perMs }, or null', {
      field: 'rateLimit',
    });
  }
  const problem = rateLimitProblem(limit);
  if (problem) {
    throw Errors.validation(`rateLimit.${problem.field} ${problem.message}`, {
      field: `rateLimit.${problem.field}`,
    });
  }
}
