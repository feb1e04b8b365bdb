import { describe, expect, it } from 'vitest';
import { percentile, sortNumbers } from './percentile.js';

describe('percentile', () => {
  it('answers null for no samples', () => {
    expect(percentile([], 50)).toBeNull();
  });

  it('uses the nearest rank, so the answer is always a sample', () => {
    const values = sortNumbers([5, 1, 4, 2, 3, 10, 9, 8, 7, 6]);
    expect(percentile(values, 50)).toBe(5);
    expect(percentile(values, 95)).toBe(10);
    expect(percentile(values, 99)).toBe(10);
    expect(percentile(values, 10)).toBe(1);
    expect(percentile(values, 0)).toBe(1);
    expect(percentile(values, 100)).toBe(10);
  });

  it('picks the 99th of 100 samples for p99', () => {
    const values = Array.from({ length: 100 }, (_, i) => i + 1);
    expect(percentile(values, 99)).toBe(99);
    expect(percentile(values, 95)).toBe(95);
    expect(percentile(values, 50)).toBe(50);
  });

  it('sorts numerically, not as strings', () => {
    expect(sortNumbers([10, 9, 100, 1])).toEqual([1, 9, 10, 100]);
  });
});
