import { createJob, type Job, type RetentionPolicy } from '@cadre/core';
import type { BackendLimits } from '@cadre/store';
import { describe, expect, it } from 'vitest';
import { checkQueueLimits, clearOfLimits } from './queue-limits.js';

const retention: RetentionPolicy = {
  maxAgeMs: 1,
  maxCount: 1,
  failed: { maxAgeMs: 1, maxCount: 1 },
};

const limits = (total: number | null, perCategory: Record<string, number | null> = {}) =>
  ({ maxQueuedTotal: total, maxQueued: perCategory, retention }) satisfies BackendLimits;

const jobs = (n: number, category = 'mail'): Job[] =>
  Array.from({ length: n }, (_, i) =>
    createJob(
      {
        id: `${category}-${i}`,
        key: null,
        category,
        task: 'echo',
        input: null,
        maxRetries: 0,
        timeoutMs: null,
        runAtMs: null,
      },
      0,
    ),
  );

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
