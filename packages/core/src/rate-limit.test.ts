import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { apportion } from './apportion.js';
import { StartWindow, rateLimitProblem, rateLimitedThreads } from './rate-limit.js';

const T0 = 1_700_000_000_000;
const limit = { max: 5, perMs: 500 };

describe('StartWindow', () => {
  it('allows max starts per window, and frees them as each leaves it', () => {
    const w = new StartWindow();
    expect(w.room(limit, T0)).toBe(5);
    expect(w.freesAt(limit, T0)).toBe(T0);
    w.record(T0, 3);
    w.record(T0 + 100, 2);
    expect(w.room(limit, T0 + 100)).toBe(0);
    // The 3 of T0 leave at T0 + 500, not a ms before.
    expect(w.freesAt(limit, T0 + 100)).toBe(T0 + 500);
    expect(w.room(limit, T0 + 499)).toBe(0);
    expect(w.room(limit, T0 + 500)).toBe(3);
    expect(w.room(limit, T0 + 600)).toBe(5);
    expect(w.used(limit.perMs, T0 + 600)).toBe(0);
  });

  it('counts starts of the same ms as one entry, and leaves them together', () => {
    const w = new StartWindow();
    w.record(T0, 1);
    w.record(T0, 4);
    expect(w.room(limit, T0)).toBe(0);
    expect(w.freesAt(limit, T0 + 1)).toBe(T0 + 500);
    expect(w.room(limit, T0 + 500)).toBe(5);
  });

  it('with max lowered below the starts in the window, frees once enough have left', () => {
    const w = new StartWindow();
    w.record(T0, 2);
    w.record(T0 + 10, 2);
    w.record(T0 + 20, 2);
    const lower = { max: 2, perMs: 500 };
    expect(w.room(lower, T0 + 30)).toBe(0);
    // 6 in the window: 2 leave at +500 (4 left), 2 at +510 (2 left), 2 at +520 (0 left < 2).
    expect(w.freesAt(lower, T0 + 30)).toBe(T0 + 520);
  });

  it('counts a start from a clock that stepped back at the latest time seen', () => {
    const w = new StartWindow();
    w.record(T0 + 100, 1);
    w.record(T0 + 50, 1);
    expect(w.used(500, T0 + 599)).toBe(2);
    expect(w.used(500, T0 + 600)).toBe(0);
  });

  it('never lets more than max start in any window (random claims and times)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 10 }),
        fc.integer({ min: 1, max: 200 }),
        fc.array(
          fc.record({
            gap: fc.integer({ min: 0, max: 80 }),
            want: fc.integer({ min: 1, max: 12 }),
          }),
          {
            maxLength: 60,
          },
        ),
        (max, perMs, claims) => {
          const lim = { max, perMs };
          const w = new StartWindow();
          const starts: number[] = [];
          let now = T0;
          for (const c of claims) {
            now += c.gap;
            const room = w.room(lim, now);
            const took = Math.min(room, c.want);
            w.record(now, took);
            for (let i = 0; i < took; i++) starts.push(now);
            // When the window next has room, by brute force over the starts so far.
            const inWindow = (at: number) => starts.filter((s) => at - s < perMs).length;
            const frees = Math.min(
              ...[now, ...starts.map((s) => s + perMs)].filter(
                (at) => at >= now && inWindow(at) < max,
              ),
            );
            expect(w.freesAt(lim, now)).toBe(frees);
          }
          for (const t of starts) {
            expect(starts.filter((s) => s >= t && s < t + perMs).length).toBeLessThanOrEqual(max);
          }
        },
      ),
    );
  });
});

describe('rateLimitProblem', () => {
  it.each([
    [{ max: 5, perMs: 500 }, null],
    [{ max: 0, perMs: 500 }, 'max'],
    [{ max: 1.5, perMs: 500 }, 'max'],
    [{ max: 1_000_001, perMs: 500 }, 'max'],
    [{ max: 5, perMs: 0 }, 'perMs'],
    [{ max: 5, perMs: 86_400_001 }, 'perMs'],
    [{ max: 5, perMs: Number.NaN }, 'perMs'],
  ])('%j: %s', (value, field) => {
    expect(rateLimitProblem(value)?.field ?? null).toBe(field);
  });
});

describe('rateLimitedThreads', () => {
  it.each([
    // max, perMs, jobMs, concurrency → threads
    [5, 500, 100, 1, 1], // 10 jobs/s × 0.1 s = 1 busy
    [5, 500, 250, 1, 3], // 2.5 busy → 3
    [100, 1000, 50, 1, 5],
    [100, 1000, 50, 4, 2], // 5 busy lanes, 4 to a thread
    [1, 60_000, 10, 1, 1], // at least one
    [10, 1000, 0, 1, 1],
  ])('%i per %i ms, jobs of %i ms, concurrency %i: %i threads', (max, perMs, jobMs, c, want) => {
    expect(rateLimitedThreads({ max, perMs }, jobMs, c)).toBe(want);
  });

  it('does not cap a category whose job time is not known yet', () => {
    expect(rateLimitedThreads({ max: 5, perMs: 500 }, null)).toBeNull();
  });

  it('as a maxWorkers cap, hands the threads the rate cannot use to the others', () => {
    const cap = rateLimitedThreads({ max: 5, perMs: 500 }, 100)!;
    const demands = [
      {
        name: 'limited',
        weight: 1,
        minWorkers: 4,
        maxWorkers: cap,
        paused: false,
        queued: 1000,
        running: 0,
      },
      {
        name: 'other',
        weight: 1,
        minWorkers: 0,
        maxWorkers: null,
        paused: false,
        queued: 1000,
        running: 0,
      },
    ];
    expect(apportion(8, demands)).toEqual({ limited: 1, other: 7 });
  });
});
