import { describe, expect, it } from 'vitest';
import { claimAhead } from './claim-ahead.js';

describe('claimAhead', () => {
  it('holds nothing for a category that finished nothing lately', () => {
    expect(claimAhead(0)).toBe(0);
    expect(claimAhead(Number.NaN)).toBe(0);
  });

  it('holds none or few for long jobs: a few per second cover less than the window', () => {
    expect(claimAhead(5)).toBe(0);
    expect(claimAhead(80)).toBe(8);
  });

  it('covers the window of short jobs, up to the cap', () => {
    expect(claimAhead(5_000)).toBe(500);
    expect(claimAhead(1_000_000)).toBe(512);
    expect(claimAhead(1_000, { aheadMs: 100, max: 50 })).toBe(50);
  });
});
