import { describe, expect, it } from 'vitest';
import { EndRate } from './end-rate.js';

const T = 1_700_000_000_000; // a whole second

describe('EndRate', () => {
  it('is 0 before any job ended', () => {
    const r = new EndRate(2, 100);
    expect(r.rate(T)).toBe(0);
    r.started(T);
    expect(r.rate(T + 50)).toBe(0);
  });

  it('reads the true rate of a cold start at once, not a fraction of the window', () => {
    const r = new EndRate(2, 100);
    r.started(T);
    // 3,000 jobs/s for 300 ms.
    for (let i = 1; i <= 900; i++) r.ended(T + i / 3);
    expect(r.rate(T + 300)).toBe(3000);
  });

  it('takes the first ends over at least minSpanMs', () => {
    const r = new EndRate(2, 100);
    r.started(T);
    r.ended(T + 1);
    r.ended(T + 2);
    expect(r.rate(T + 2)).toBe(20);
  });

  it('does not take long jobs of a cold start for a flood', () => {
    const r = new EndRate(2, 100);
    r.started(T);
    for (let i = 0; i < 4; i++) r.ended(T + 1000);
    expect(r.rate(T + 1000)).toBe(4);
  });

  it('averages over the window once the burst is longer than it', () => {
    const r = new EndRate(2, 100);
    r.started(T);
    for (let t = 0; t < 3000; t += 10) r.ended(T + t);
    expect(r.rate(T + 2999)).toBe(100);
  });

  it('keeps the window over a short pause, and starts afresh after a long one', () => {
    const r = new EndRate(2, 100);
    r.started(T);
    for (let t = 0; t < 2500; t += 10) r.ended(T + t);
    r.started(T + 2600); // the window still holds ends: no new burst
    expect(r.rate(T + 2600)).toBe(75); // seconds 1 and 2: 100 + 50 ends
    r.started(T + 10_000); // nothing ended for longer than the window
    for (let i = 1; i <= 10; i++) r.ended(T + 10_000 + i);
    expect(r.rate(T + 10_010)).toBe(100);
  });
});
