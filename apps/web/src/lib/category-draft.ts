/** The category settings form's text fields, and their check into a PATCH body. */
import {
  MAX_CONCURRENCY,
  MAX_RATE_STARTS,
  MAX_RATE_WINDOW_MS,
  MAX_TARGET_WAIT_MS,
  type CategoryPatch,
  type CategoryView,
  type RateLimit,
} from '@cadre/client';

export interface Draft {
  weight: string;
  minWorkers: string;
  maxWorkers: string;
  /** Jobs one thread runs at once. */
  concurrency: string;
  /** The rate limit's starts per window, and its window in ms: both empty for none. */
  rateMax: string;
  ratePerMs: string;
  /** The wait target in ms: empty for none. */
  targetWaitMs: string;
}

export const toDraft = (c: CategoryView): Draft => ({
  weight: String(c.weight),
  minWorkers: String(c.minWorkers),
  maxWorkers: c.maxWorkers === null ? '' : String(c.maxWorkers),
  concurrency: String(c.concurrency),
  rateMax: c.rateLimit === null ? '' : String(c.rateLimit.max),
  ratePerMs: c.rateLimit === null ? '' : String(c.rateLimit.perMs),
  targetWaitMs: c.targetWaitMs === null ? '' : String(c.targetWaitMs),
});

/** Validates the draft into a patch of what changed, or says what is wrong. */
export function draftToPatch(draft: Draft, current: CategoryView): CategoryPatch | string {
  const patch: CategoryPatch = {};
  const weight = Number(draft.weight);
  if (!(weight > 0) || !Number.isFinite(weight)) return 'Weight must be a number above 0.';
  if (weight !== current.weight) patch.weight = weight;
  const min = Number(draft.minWorkers);
  if (!Number.isInteger(min) || min < 0) return 'Min workers must be a whole number ≥ 0.';
  if (min !== current.minWorkers) patch.minWorkers = min;
  const max = draft.maxWorkers.trim() === '' ? null : Number(draft.maxWorkers);
  if (max !== null && (!Number.isInteger(max) || max < 1)) {
    return 'Max workers must be a whole number ≥ 1, or empty for no limit.';
  }
  if (max !== null && max < min) return 'Max workers cannot be below min workers.';
  if (max !== current.maxWorkers) patch.maxWorkers = max;
  // Number('') is 0, so an emptied field is refused like 0.
  const concurrency = Number(draft.concurrency);
  if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > MAX_CONCURRENCY) {
    return `Concurrency (jobs per thread) must be a whole number from 1 to ${MAX_CONCURRENCY}.`;
  }
  if (concurrency !== current.concurrency) patch.concurrency = concurrency;
  const rate = draftRateLimit(draft);
  if (typeof rate === 'string') return rate;
  if (!sameRateLimit(rate, current.rateLimit)) patch.rateLimit = rate;
  const targetText = draft.targetWaitMs.trim();
  const target = targetText === '' ? null : Number(targetText);
  if (target !== null && !(target > 0 && target <= MAX_TARGET_WAIT_MS)) {
    return `Target wait must be a number of ms above 0 and at most ${MAX_TARGET_WAIT_MS}, or empty for none.`;
  }
  if (target !== current.targetWaitMs) patch.targetWaitMs = target;
  return patch;
}

/** Whether the category's last minute of waits is over its target (p95 above it). */
export function overTarget(c: Pick<CategoryView, 'targetWaitMs' | 'waitP95Ms'>): boolean {
  return c.targetWaitMs !== null && c.waitP95Ms !== null && c.waitP95Ms > c.targetWaitMs;
}

/** The draft's rate limit: null when both fields are empty. */
function draftRateLimit(draft: Draft): RateLimit | null | string {
  const maxText = draft.rateMax.trim();
  const perText = draft.ratePerMs.trim();
  if (maxText === '' && perText === '') return null;
  if (maxText === '' || perText === '') {
    return 'A rate limit needs both its starts and its window in ms (or neither, for no limit).';
  }
  const max = Number(maxText);
  if (!Number.isInteger(max) || max < 1 || max > MAX_RATE_STARTS) {
    return `Rate limit starts must be a whole number from 1 to ${MAX_RATE_STARTS}.`;
  }
  const perMs = Number(perText);
  if (!Number.isInteger(perMs) || perMs < 1 || perMs > MAX_RATE_WINDOW_MS) {
    return `Rate limit window must be a whole number of ms from 1 to ${MAX_RATE_WINDOW_MS}.`;
  }
  return { max, perMs };
}

function sameRateLimit(a: RateLimit | null, b: RateLimit | null): boolean {
  return a === null || b === null ? a === b : a.max === b.max && a.perMs === b.perMs;
}
