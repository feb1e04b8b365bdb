import { describe, expect, it } from 'vitest';
import { BATCHING, JobTime, batchLimit, nextBatchSize } from './batching.js';

describe('batchLimit', () => {
  it('sends one job at a time until a job time is known', () => {
    expect(batchLimit(null)).toBe(1);
  });

  it('fills the time budget with short jobs, up to the most a batch takes', () => {
    expect(batchLimit(0.005)).toBe(BATCHING.maxJobs);
    expect(batchLimit(0)).toBe(BATCHING.maxJobs);
    expect(batchLimit(1)).toBe(10);
    expect(batchLimit(1.1)).toBe(9);
  });

  it('sends a job longer than the budget alone', () => {
    expect(batchLimit(20)).toBe(1);
    expect(batchLimit(5000)).toBe(1);
  });
});

describe('nextBatchSize', () => {
  it('is 1 while the queue is no longer than the free slots', () => {
    expect(nextBatchSize(1, 2, 64)).toBe(1);
    expect(nextBatchSize(2, 2, 64)).toBe(1);
  });

  it('spreads a deeper queue over the free slots', () => {
    expect(nextBatchSize(3, 2, 64)).toBe(2);
    expect(nextBatchSize(128, 2, 64)).toBe(64);
    expect(nextBatchSize(100, 4, 64)).toBe(25);
  });

  it('stays within the limit', () => {
    expect(nextBatchSize(10_000, 2, 64)).toBe(64);
    expect(nextBatchSize(10_000, 2, 9)).toBe(9);
  });

  it('is 0 with nothing waiting, and counts no free slot as one', () => {
    expect(nextBatchSize(0, 2, 64)).toBe(0);
    expect(nextBatchSize(5, 0, 64)).toBe(5);
  });
});

describe('JobTime', () => {
  it('starts unknown, then takes the first batch as it is', () => {
    const t = new JobTime();
    expect(t.ms).toBeNull();
    expect(t.limit()).toBe(1);
    t.observe(0.2, 1);
    expect(t.ms).toBeCloseTo(0.2);
    expect(t.limit()).toBe(50);
  });

  it('moves toward newer batches by the smoothing weight', () => {
    const t = new JobTime({ ...BATCHING, smoothing: 0.5 });
    t.observe(10, 10); // 1 ms a job
    t.observe(30, 10); // 3 ms a job
    expect(t.ms).toBeCloseTo(2);
  });

  it('ignores empty or nonsensical batches', () => {
    const t = new JobTime();
    t.observe(5, 0);
    t.observe(-1, 3);
    t.observe(Number.NaN, 3);
    expect(t.ms).toBeNull();
  });
});
