/**
 * Retry delays. Pure: randomness is passed in as a number in [0, 1).
 *
 * - fibonacci: baseMs × 1, 1, 2, 3, 5, 8, … (as the Go scheduling service does)
 * - exponential: baseMs × 1, 2, 4, 8, …
 * - fixed: baseMs every time
 *
 * Every delay is capped by `maxMs`; then `jitter` (0..1) randomizes that share
 * of it downwards, so that retries of many jobs failing together spread out.
 */
import type { BackoffPolicy } from './config.js';

/** The delay before retry number `retry` (1 = the first retry). */
export function backoffDelay(policy: BackoffPolicy, retry: number, random: number): number {
  // NaN would otherwise turn every delay into NaN.
  const n = Number.isNaN(retry) ? 1 : Math.max(1, Math.floor(retry));
  let delay: number;
  switch (policy.kind) {
    case 'fixed':
      delay = policy.baseMs;
      break;
    case 'exponential':
      delay = policy.baseMs * 2 ** Math.min(n - 1, 1023);
      break;
    case 'fibonacci':
      delay = policy.baseMs * fibonacci(n);
      break;
  }
  // A zero base times a saturated (Infinity) fibonacci factor would be NaN.
  const capped = policy.baseMs > 0 ? Math.max(0, Math.min(delay, policy.maxMs)) : 0;
  const jitter = Math.min(1, Math.max(0, policy.jitter));
  return Math.round(capped * (1 - jitter * Math.min(Math.max(random, 0), 1)));
}

/** 1, 1, 2, 3, 5, …; saturates at Infinity instead of looping for huge `n`. */
export function fibonacci(n: number): number {
  let a = 0;
  let b = 1;
  for (let i = 1; i < n && b !== Infinity; i++) [a, b] = [b, a + b];
  return b;
}
