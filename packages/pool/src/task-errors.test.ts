import { describe, expect, it } from 'vitest';
import {
  isPermanentFailure,
  PermanentFailure,
  RetryLater,
  retryLaterDelay,
} from './task-errors.js';

describe('task errors', () => {
  it('brands PermanentFailure so that any copy of the package recognizes it', () => {
    expect(isPermanentFailure(new PermanentFailure('no'))).toBe(true);
    expect(isPermanentFailure({ [Symbol.for('cadre.permanent')]: true })).toBe(true);
    expect(isPermanentFailure(new Error('no'))).toBe(false);
    expect(isPermanentFailure('no')).toBe(false);
  });

  it('reads the delay of a RetryLater, of any copy of the package', () => {
    const err = new RetryLater(250);
    expect(err.message).toBe('retry in 250 ms');
    expect(retryLaterDelay(err)).toBe(250);
    expect(retryLaterDelay({ [Symbol.for('cadre.retryLater')]: true, delayMs: 7 })).toBe(7);
    expect(retryLaterDelay({ [Symbol.for('cadre.retryLater')]: true, delayMs: -1 })).toBe(null);
    expect(retryLaterDelay(new Error('later'))).toBe(null);
  });

  it('refuses a RetryLater without a usable delay', () => {
    expect(() => new RetryLater(Number.NaN)).toThrow(
      'RetryLater: delayMs must be a non-negative finite number',
    );
  });
});
