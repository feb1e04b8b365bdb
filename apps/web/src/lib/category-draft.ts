/** The category settings form's text fields, and their check into a PATCH body. */
import { MAX_CONCURRENCY, type CategoryPatch, type CategoryView } from '@cadre/client';

export interface Draft {
  weight: string;
  minWorkers: string;
  maxWorkers: string;
  /** Jobs one thread runs at once. */
  concurrency: string;
}

export const toDraft = (c: CategoryView): Draft => ({
  weight: String(c.weight),
  minWorkers: String(c.minWorkers),
  maxWorkers: c.maxWorkers === null ? '' : String(c.maxWorkers),
  concurrency: String(c.concurrency),
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
  return patch;
}
