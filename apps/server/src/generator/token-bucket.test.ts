import { describe, expect, it } from 'vitest';
import { TokenBucket } from './token-bucket.js';

describe('TokenBucket', () => {
  it('lets a full burst through at once, then paces at the rate', () => {
    const bucket = new TokenBucket(10, 5);
    for (let i = 0; i < 5; i++) expect(bucket.reserve(1, 0)).toBe(0);
    expect(bucket.reserve(1, 0)).toBeCloseTo(100);
    expect(bucket.reserve(1, 0)).toBeCloseTo(200);
  });

  it('refills with time, up to the burst', () => {
    const bucket = new TokenBucket(10, 5);
    expect(bucket.reserve(5, 0)).toBe(0);
    expect(bucket.reserve(2, 200)).toBe(0);
    expect(bucket.reserve(1, 10_000)).toBe(0);
    // after a long idle time only `burst` tokens are there, not 100
    expect(bucket.reserve(5, 10_000)).toBeCloseTo(100);
  });

  it('goes into debt for a batch larger than the burst, keeping the long-run rate', () => {
    const bucket = new TokenBucket(100, 10);
    expect(bucket.reserve(50, 0)).toBeCloseTo(400);
    // the next batch waits for the debt too: 50 more tokens = 500 ms more
    expect(bucket.reserve(50, 0)).toBeCloseTo(900);
    // by then the schedule is 100 tokens at t≈0.9 s: 10 burst + 90 earned
  });

  it('ignores a clock that goes backwards', () => {
    const bucket = new TokenBucket(10, 1);
    expect(bucket.reserve(1, 1000)).toBe(0);
    expect(bucket.reserve(1, 500)).toBeCloseTo(100);
  });

  it('rejects a rate or burst that is not positive', () => {
    expect(() => new TokenBucket(0)).toThrow(/ratePerS/);
    expect(() => new TokenBucket(1, 0)).toThrow(/burst/);
  });
});
