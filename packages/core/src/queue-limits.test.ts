import { describe, expect, it } from 'vitest';
import {
  checkQueueLimits,
  clearOfLimits,
  countByCategory,
  type QueueLimits,
} from './queue-limits.js';

const limits = (
  total: number | null,
  perCategory: Record<string, number | null> = {},
): QueueLimits => ({ maxQueuedTotal: total, maxQueued: perCategory });

/** What a submission of `n` jobs of `category` brings. */
const jobs = (n: number, category = 'mail'): Map<string, number> => new Map([[category, n]]);

describe('countByCategory', () => {
  it('counts jobs by category', () => {
    const counted = countByCategory([{ category: 'a' }, { category: 'b' }, { category: 'a' }]);
    expect([...counted]).toEqual([
      ['a', 2],
      ['b', 1],
    ]);
  });
});

describe('clearOfLimits', () => {
  it('is clear with no limit at all', () => {
    expect(clearOfLimits(new Map([['mail', 10 ** 9]]), jobs(5), limits(null))).toBe(true);
  });

  it('is clear while more than a tenth of the total limit stays free', () => {
    expect(clearOfLimits(new Map([['mail', 850]]), jobs(50), limits(1000))).toBe(true);
    expect(clearOfLimits(new Map([['mail', 851]]), jobs(50), limits(1000))).toBe(false);
  });

  it('judges each category by its own limit, counting only its own jobs', () => {
    const waiting = new Map([
      ['mail', 80],
      ['images', 5],
    ]);
    expect(clearOfLimits(waiting, jobs(10, 'images'), limits(null, { mail: 100 }))).toBe(true);
    expect(clearOfLimits(waiting, jobs(11, 'mail'), limits(null, { mail: 100 }))).toBe(false);
  });

  it('never calls clear what the exact check refuses', () => {
    for (let waiting = 0; waiting <= 120; waiting += 7) {
      for (const n of [1, 5, 30]) {
        const counts = new Map([['mail', waiting]]);
        const l = limits(100, { mail: 90 });
        let refused = false;
        try {
          checkQueueLimits(counts, jobs(n), l);
        } catch {
          refused = true;
        }
        if (refused) expect(clearOfLimits(counts, jobs(n), l)).toBe(false);
      }
    }
  });
});
