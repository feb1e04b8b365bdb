import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { backoffDelay, fibonacci } from './backoff.js';
import { BACKOFF_KINDS, type BackoffKind, type BackoffPolicy } from './config.js';

const policy = (kind: BackoffKind, over: Partial<BackoffPolicy> = {}): BackoffPolicy => ({
  kind,
  baseMs: 100,
  maxMs: 1_000_000,
  jitter: 0,
  ...over,
});

const delays = (p: BackoffPolicy, retries: number) =>
  Array.from({ length: retries }, (_, i) => backoffDelay(p, i + 1, 0));

describe('fibonacci', () => {
  it('starts 1, 1, 2, 3, 5, 8', () => {
    expect([1, 2, 3, 4, 5, 6, 7, 8].map(fibonacci)).toEqual([1, 1, 2, 3, 5, 8, 13, 21]);
  });

  it('saturates at Infinity instead of looping for huge n', () => {
    expect(fibonacci(2000)).toBe(Infinity);
    expect(fibonacci(Number.MAX_SAFE_INTEGER)).toBe(Infinity);
  });
});

describe('backoffDelay schedules', () => {
  it('fibonacci: base × 1, 1, 2, 3, 5, 8', () => {
    expect(delays(policy('fibonacci'), 6)).toEqual([100, 100, 200, 300, 500, 800]);
  });

  it('exponential: base × 1, 2, 4, 8, 16', () => {
    expect(delays(policy('exponential'), 5)).toEqual([100, 200, 400, 800, 1600]);
  });

  it('fixed: base every time', () => {
    expect(delays(policy('fixed'), 4)).toEqual([100, 100, 100, 100]);
  });

  it.each([
    ['fibonacci', [100, 100, 200, 300, 450, 450]],
    ['exponential', [100, 200, 400, 450, 450, 450]],
    ['fixed', [100, 100, 100, 100, 100, 100]],
  ] as const)('%s is capped by maxMs', (kind, expected) => {
    expect(delays(policy(kind, { maxMs: 450 }), 6)).toEqual(expected);
  });

  it('caps a base larger than maxMs', () => {
    expect(backoffDelay(policy('fixed', { baseMs: 5000, maxMs: 300 }), 1, 0)).toBe(300);
  });

  it.each(BACKOFF_KINDS)('%s with a zero base is 0 at any retry number, never NaN', (kind) => {
    for (const retry of [1, 1500, Infinity]) {
      expect(backoffDelay(policy(kind, { baseMs: 0 }), retry, 0)).toBe(0);
    }
  });

  it.each([0, -3, 0.5, NaN])('treats retry number %s as the first retry', (retry) => {
    expect(backoffDelay(policy('exponential'), retry, 0)).toBe(100);
  });
});

describe('backoffDelay jitter', () => {
  const p = policy('fixed', { baseMs: 1000, maxMs: 1000 });

  it.each([
    // [jitter, random, delay]: jitter randomizes that share of the delay downwards
    [0, 0.99, 1000],
    [0.5, 0, 1000],
    [0.5, 0.5, 750],
    [0.5, 0.998, 501],
    [1, 0, 1000],
    [1, 0.25, 750],
    [1, 0.999, 1],
  ])('jitter %s, random %s → %s', (jitter, random, expected) => {
    expect(backoffDelay({ ...p, jitter }, 1, random)).toBe(expected);
  });

  it('jitter applies after the cap, so it stays within [maxMs × (1 - jitter), maxMs]', () => {
    const capped = policy('exponential', { maxMs: 1000, jitter: 0.2 });
    expect(backoffDelay(capped, 30, 0)).toBe(1000);
    expect(backoffDelay(capped, 30, 0.999)).toBe(800);
  });

  it('clamps jitter and random outside their ranges', () => {
    expect(backoffDelay({ ...p, jitter: 2 }, 1, 0.5)).toBe(500);
    expect(backoffDelay({ ...p, jitter: -1 }, 1, 0.5)).toBe(1000);
    expect(backoffDelay({ ...p, jitter: 1 }, 1, 5)).toBe(0);
    expect(backoffDelay({ ...p, jitter: 1 }, 1, -5)).toBe(1000);
  });
});

describe('backoffDelay properties', () => {
  const arbPolicy = fc.record({
    kind: fc.constantFrom(...BACKOFF_KINDS),
    baseMs: fc.integer({ min: 0, max: 100_000 }),
    maxMs: fc.integer({ min: 0, max: 24 * 3600_000 }),
    jitter: fc.double({ min: 0, max: 1, noNaN: true }),
  });
  const arbRetry = fc.oneof(
    fc.integer({ min: 1, max: 100 }),
    fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER }),
    fc.constant(Number.MAX_VALUE),
    fc.constant(Infinity),
  );
  const arbRandom = fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true });

  it('is a finite number in [0, maxMs], even for huge retry numbers', () => {
    fc.assert(
      fc.property(arbPolicy, arbRetry, arbRandom, (p, retry, random) => {
        const d = backoffDelay(p, retry, random);
        expect(Number.isFinite(d)).toBe(true);
        expect(d).toBeGreaterThanOrEqual(0);
        expect(d).toBeLessThanOrEqual(p.maxMs);
      }),
      { numRuns: 500 },
    );
  });

  it('never shrinks from one retry to the next without jitter', () => {
    fc.assert(
      fc.property(
        arbPolicy.map((p) => ({ ...p, jitter: 0 })),
        fc.integer({ min: 1, max: 3000 }),
        (p, retry) => {
          expect(backoffDelay(p, retry + 1, 0.5)).toBeGreaterThanOrEqual(
            backoffDelay(p, retry, 0.5),
          );
        },
      ),
      { numRuns: 500 },
    );
  });

  it('with jitter never exceeds the delay without it, nor drops below its kept share', () => {
    fc.assert(
      fc.property(arbPolicy, fc.integer({ min: 1, max: 60 }), arbRandom, (p, retry, random) => {
        const full = backoffDelay({ ...p, jitter: 0 }, retry, random);
        const d = backoffDelay(p, retry, random);
        expect(d).toBeLessThanOrEqual(full);
        expect(d).toBeGreaterThanOrEqual(Math.floor(full * (1 - p.jitter)));
      }),
      { numRuns: 500 },
    );
  });
});
