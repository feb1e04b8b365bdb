import { describe, expect, it } from 'vitest';
import { describeThreads, threadUse, threadWords } from './category-threads.js';

describe('a category card’s threads', () => {
  it.each([
    [{ allocated: 2, running: 37, concurrency: 50 }, '2 threads · 37 in flight · × 50 per thread'],
    [{ allocated: 1, running: 1, concurrency: 1 }, '1 thread · 1 in flight'],
    [{ allocated: 0, running: 0, concurrency: 1 }, '0 threads · 0 in flight'],
    [
      { allocated: 12, running: 11_500, concurrency: 1000 },
      '12 threads · 12k in flight · × 1k per thread',
    ],
  ])('describes %j', (counts, text) => {
    expect(describeThreads(counts)).toBe(text);
  });

  it('gives the card the same words to lay out', () => {
    expect(threadWords({ allocated: 2, running: 37, concurrency: 50 })).toEqual({
      threads: '2',
      unit: 'threads',
      inFlight: '37',
      perThread: '× 50',
    });
    expect(threadWords({ allocated: 1, running: 0, concurrency: 1 }).perThread).toBeNull();
  });

  it('measures the jobs in flight in threads’ worth, each thread holding up to concurrency jobs', () => {
    expect(threadUse({ allocated: 2, running: 37, concurrency: 50 }, 4)).toEqual({
      room: 100,
      allocatedPct: 50,
      inFlightPct: 18.5,
    });
    expect(threadUse({ allocated: 2, running: 100, concurrency: 50 }, 4).inFlightPct).toBe(50);
    expect(threadUse({ allocated: 3, running: 3, concurrency: 1 }, 4)).toEqual({
      room: 3,
      allocatedPct: 75,
      inFlightPct: 75,
    });
  });

  it('keeps the percentages within the bar, even with no threads at all', () => {
    // Shrinking never stops running jobs, so they may hold more than the allocation.
    expect(threadUse({ allocated: 1, running: 9, concurrency: 1 }, 4).inFlightPct).toBe(100);
    expect(threadUse({ allocated: 0, running: 0, concurrency: 1 }, 0)).toEqual({
      room: 0,
      allocatedPct: 0,
      inFlightPct: 0,
    });
  });
});
