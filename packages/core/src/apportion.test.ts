import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  apportion,
  apportionShares,
  nextCredit,
  type CategoryDemand,
  type Credit,
} from './apportion.js';

const cat = (name: string, over: Partial<CategoryDemand> = {}): CategoryDemand => ({
  name,
  weight: 1,
  minWorkers: 0,
  maxWorkers: null,
  paused: false,
  queued: 100,
  running: 0,
  ...over,
});

const sum = (a: Record<string, number>) => Object.values(a).reduce((s, n) => s + n, 0);
const work = (d: CategoryDemand) => d.queued + d.running;
const active = (d: CategoryDemand) => !d.paused && d.weight > 0 && work(d) > 0;
/** The threads a category could use at most right now. */
const usable = (d: CategoryDemand) => (active(d) ? Math.min(work(d), d.maxWorkers ?? Infinity) : 0);
const guaranteed = (d: CategoryDemand) =>
  active(d) ? Math.min(d.minWorkers, work(d), d.maxWorkers ?? Infinity) : 0;

describe('apportion tables', () => {
  it('gives one category everything it can use', () => {
    expect(apportion(8, [cat('a')])).toEqual({ a: 8 });
  });

  it('shares by weight among equal work', () => {
    expect(
      apportion(12, [cat('a', { weight: 1 }), cat('b', { weight: 2 }), cat('c', { weight: 3 })]),
    ).toEqual({
      a: 2,
      b: 4,
      c: 6,
    });
  });

  it('shares by work × weight, counting running jobs as work', () => {
    const a = cat('a', { weight: 1, queued: 30, running: 10 });
    const b = cat('b', { weight: 2, queued: 10, running: 10 });
    const c = cat('c', { weight: 4, queued: 0, running: 10 });
    // demands 40, 40, 40
    expect(apportion(9, [a, b, c])).toEqual({ a: 3, b: 3, c: 3 });
  });

  it('rounds by largest remainder to exactly the total', () => {
    // quotas 10 × 1/3 each: 3.33 → two 3s and one 4, the tie going to the first name
    expect(apportion(10, [cat('a'), cat('b'), cat('c')])).toEqual({ a: 4, b: 3, c: 3 });
    // quotas 5 × (0.5, 0.3, 0.2) = 2.5, 1.5, 1.0
    const r = apportion(5, [
      cat('a', { weight: 5 }),
      cat('b', { weight: 3 }),
      cat('c', { weight: 2 }),
    ]);
    expect(r).toEqual({ a: 3, b: 1, c: 1 });
  });

  it('gives minWorkers first, then the rest by demand', () => {
    const r = apportion(10, [cat('a', { weight: 9 }), cat('b', { weight: 1, minWorkers: 3 })]);
    // b: 3 guaranteed + 7 × 1/10 ≈ 0.7 → 1; a: 7 × 9/10 = 6.3 → 6
    expect(r).toEqual({ a: 6, b: 4 });
  });

  it('caps a minimum by the work there is', () => {
    expect(apportion(8, [cat('a'), cat('b', { minWorkers: 5, queued: 2 })])).toEqual({
      a: 6,
      b: 2,
    });
  });

  it('caps by maxWorkers and hands the rest on', () => {
    const r = apportion(10, [
      cat('a', { weight: 10, maxWorkers: 2 }),
      cat('b', { weight: 1 }),
      cat('c', { weight: 1 }),
    ]);
    expect(r).toEqual({ a: 2, b: 4, c: 4 });
  });

  it('hands on over several rounds when caps bind one after another', () => {
    const r = apportion(12, [
      cat('a', { weight: 6, maxWorkers: 1 }),
      cat('b', { weight: 3, maxWorkers: 3 }),
      cat('c', { weight: 1 }),
    ]);
    expect(r).toEqual({ a: 1, b: 3, c: 8 });
  });

  it('passes on what a capped category cannot use before rounding, so tiny claims stay tiny', () => {
    const r = apportion(6, [
      cat('a', { weight: 100, maxWorkers: 1 }),
      cat('b', { weight: 1 }),
      cat('c', { weight: 0.05 }),
    ]);
    // a is capped at 1; the other 5 split 100 : 5 → 4.76 and 0.24
    expect(r).toEqual({ a: 1, b: 5, c: 0 });
  });

  it('gives a paused category nothing, even with a minimum', () => {
    expect(apportion(4, [cat('a', { paused: true, minWorkers: 2 }), cat('b')])).toEqual({
      a: 0,
      b: 4,
    });
  });

  it('gives a zero-weight category nothing, even with a minimum', () => {
    expect(apportion(4, [cat('a', { weight: 0, minWorkers: 2 }), cat('b')])).toEqual({
      a: 0,
      b: 4,
    });
  });

  it('gives a category with no work nothing, even with a minimum', () => {
    const r = apportion(4, [cat('a', { queued: 0, running: 0, minWorkers: 2 }), cat('b')]);
    expect(r).toEqual({ a: 0, b: 4 });
  });

  it('gives maxWorkers 0 nothing', () => {
    expect(apportion(4, [cat('a', { maxWorkers: 0 }), cat('b')])).toEqual({ a: 0, b: 4 });
  });

  it('gives nothing when no one has work, naming every category', () => {
    const idle = [cat('a', { queued: 0 }), cat('b', { queued: 0, minWorkers: 3 })];
    expect(apportion(8, idle)).toEqual({ a: 0, b: 0 });
    expect(apportion(8, [])).toEqual({});
  });

  it('gives at most the work when there is less work than threads', () => {
    const r = apportion(16, [
      cat('a', { queued: 2, running: 1 }),
      cat('b', { queued: 0, running: 4 }),
    ]);
    expect(r).toEqual({ a: 3, b: 4 });
  });

  it('shares the total by weight when the minimums exceed it', () => {
    const r = apportion(4, [
      cat('a', { minWorkers: 4, weight: 3 }),
      cat('b', { minWorkers: 4, weight: 1 }),
      cat('c', { minWorkers: 0, weight: 100 }),
    ]);
    // only the categories with a minimum share the 4, and c (no minimum) waits
    expect(r).toEqual({ a: 3, b: 1, c: 0 });
  });

  it('never gives a category more than its minimum while the minimums do not fit', () => {
    const r = apportion(5, [cat('a', { minWorkers: 1, weight: 100 }), cat('b', { minWorkers: 5 })]);
    expect(r).toEqual({ a: 1, b: 4 });
  });

  it.each([
    [0, 0],
    [-3, 0],
    [4.9, 4],
  ])('treats a total of %s as %s', (total, expected) => {
    expect(sum(apportion(total, [cat('a'), cat('b')]))).toBe(expected);
  });

  it('does not depend on input order for ties', () => {
    const cats = [cat('x'), cat('y'), cat('z')];
    expect(apportion(4, cats)).toEqual(apportion(4, [...cats].reverse()));
  });
});

const arbWeight = fc.oneof(
  { arbitrary: fc.constant(0), weight: 1 },
  { arbitrary: fc.integer({ min: 1, max: 10 }), weight: 4 },
  { arbitrary: fc.double({ min: 0.01, max: 10, noNaN: true }), weight: 3 },
);

const arbDemandFields = fc.record({
  weight: arbWeight,
  minWorkers: fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 6 })),
  maxWorkers: fc.option(fc.integer({ min: 0, max: 10 }), { nil: null, freq: 2 }),
  paused: fc.boolean(),
  queued: fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 40 })),
  running: fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 6 })),
});

const arbDemands = fc
  .array(arbDemandFields, { minLength: 0, maxLength: 7 })
  .map((fields) => fields.map((f, i): CategoryDemand => ({ name: `c${i}`, ...f })));

const arbTotal = fc.integer({ min: 0, max: 40 });

const RUNS = { numRuns: 1000 };

/**
 * The exact (unrounded) shares of `total` in proportion to demand, each at
 * most its cap, what a capped claim cannot use going to the others: every
 * claim gets min(cap, level × demand) for the one level that uses up the total.
 */
function waterFill(total: number, claims: readonly { demand: number; cap: number }[]): number[] {
  const out = claims.map(() => 0);
  let open = claims.map((c, i) => ({ ...c, i })).filter((c) => c.cap > 0 && c.demand > 0);
  let left = total;
  for (;;) {
    const sum = open.reduce((s, c) => s + c.demand, 0);
    const capped = open.filter((c) => (left * c.demand) / sum >= c.cap);
    if (capped.length === 0) {
      for (const c of open) out[c.i] = (left * c.demand) / sum;
      return out;
    }
    for (const c of capped) {
      out[c.i] = c.cap;
      left -= c.cap;
    }
    open = open.filter((c) => !capped.includes(c));
  }
}

describe('apportion invariants', () => {
  it('sums to exactly total when capacity allows, else to the capacity', () => {
    fc.assert(
      fc.property(arbTotal, arbDemands, (total, demands) => {
        const capacity = demands.reduce((s, d) => s + usable(d), 0);
        expect(sum(apportion(total, demands))).toBe(Math.min(total, capacity));
      }),
      RUNS,
    );
  });

  it('gives every active category its minimum when the minimums fit', () => {
    fc.assert(
      fc.property(arbTotal, arbDemands, (total, demands) => {
        const mins = demands.reduce((s, d) => s + guaranteed(d), 0);
        fc.pre(mins <= total);
        const a = apportion(total, demands);
        for (const d of demands) expect(a[d.name]).toBeGreaterThanOrEqual(guaranteed(d));
      }),
      RUNS,
    );
  });

  it('when the minimums do not fit, gives only up to them, and only to those with one', () => {
    fc.assert(
      fc.property(arbTotal, arbDemands, (total, demands) => {
        const mins = demands.reduce((s, d) => s + guaranteed(d), 0);
        fc.pre(mins > total);
        const a = apportion(total, demands);
        for (const d of demands) expect(a[d.name]).toBeLessThanOrEqual(guaranteed(d));
      }),
      RUNS,
    );
  });

  it('never exceeds maxWorkers or work, and gives inactive categories nothing', () => {
    fc.assert(
      fc.property(arbTotal, arbDemands, (total, demands) => {
        const a = apportion(total, demands);
        for (const d of demands) {
          const n = a[d.name]!;
          expect(Number.isInteger(n)).toBe(true);
          expect(n).toBeGreaterThanOrEqual(0);
          expect(n).toBeLessThanOrEqual(usable(d));
          if (d.paused || d.weight === 0 || work(d) === 0) expect(n).toBe(0);
        }
      }),
      RUNS,
    );
  });

  it('names every input category and no other', () => {
    fc.assert(
      fc.property(arbTotal, arbDemands, (total, demands) => {
        expect(Object.keys(apportion(total, demands)).sort()).toEqual(
          demands.map((d) => d.name).sort(),
        );
      }),
      RUNS,
    );
  });

  it('does not depend on the order of the input', () => {
    fc.assert(
      fc.property(
        arbTotal,
        arbDemands.chain((ds) =>
          fc.tuple(fc.constant(ds), fc.shuffledSubarray(ds, { minLength: ds.length })),
        ),
        (total, [demands, shuffled]) => {
          expect(apportion(total, shuffled)).toEqual(apportion(total, demands));
        },
      ),
      RUNS,
    );
  });

  it('rounds each share of the rest to the floor or ceiling of its capped quota', () => {
    fc.assert(
      fc.property(arbTotal, arbDemands, (total, demands) => {
        const mins = demands.map(guaranteed);
        const minSum = mins.reduce((s, n) => s + n, 0);
        fc.pre(minSum <= total);
        const quotas = waterFill(
          total - minSum,
          demands.map((d, i) => ({ demand: work(d) * d.weight, cap: usable(d) - mins[i]! })),
        );
        const a = apportion(total, demands);
        demands.forEach((d, i) => {
          const q = quotas[i]!;
          // a hair of slack for the float arithmetic of fractional weights
          expect(a[d.name]! - mins[i]!).toBeGreaterThanOrEqual(Math.floor(q + 1e-9));
          expect(a[d.name]! - mins[i]!).toBeLessThanOrEqual(Math.ceil(q - 1e-9));
        });
      }),
      RUNS,
    );
  });

  it('never lowers a category allocation when its weight is raised', () => {
    fc.assert(
      fc.property(
        arbTotal,
        arbDemands.filter((ds) => ds.length > 0),
        fc.nat(),
        fc.double({ min: 0.01, max: 20, noNaN: true }),
        (total, demands, pick, raise) => {
          const i = pick % demands.length;
          const d = demands[i]!;
          const raised = demands.map((x, j) => (j === i ? { ...x, weight: x.weight + raise } : x));
          const before = apportion(total, demands)[d.name]!;
          const after = apportion(total, raised)[d.name]!;
          expect(after).toBeGreaterThanOrEqual(before);
        },
      ),
      RUNS,
    );
  });
});

describe('apportion with credit carried between balancings', () => {
  /** Balances `rounds` times with fixed demands, carrying the credit; the allocations. */
  function balanceRounds(total: number, demands: CategoryDemand[], rounds: number) {
    let credit: Credit = {};
    const seen: Record<string, number>[] = [];
    let exact: Record<string, number> = {};
    for (let r = 0; r < rounds; r++) {
      const result = apportionShares(total, demands, credit);
      seen.push(result.allocation);
      exact = result.exact;
      credit = nextCredit(credit, result);
    }
    return { seen, exact };
  }

  it('gives a smaller share its seat in turn instead of never', () => {
    // Exact shares 1.6 and 0.4 of 2 threads: without credit, always 2 and 0.
    const demands = [cat('big', { queued: 4 }), cat('small', { queued: 1 })];
    expect(apportion(2, demands)).toEqual({ big: 2, small: 0 });
    const { seen } = balanceRounds(2, demands, 5);
    expect(seen.map((a) => a.small)).toEqual([0, 1, 0, 1, 0]);
    expect(seen.map((a) => a.big)).toEqual([2, 1, 2, 1, 2]);
  });

  it('reports each category’s exact share', () => {
    const result = apportionShares(2, [cat('big', { queued: 4 }), cat('small', { queued: 1 })]);
    expect(result.exact.big).toBeCloseTo(1.6);
    expect(result.exact.small).toBeCloseTo(0.4);
  });

  it('drops categories without work from the credit and keeps it within (−1, 1)', () => {
    const credit = nextCredit(
      { gone: 0.5, owed: 0.9 },
      { allocation: { owed: 0 }, exact: { owed: 0.8 } },
    );
    expect(credit).toEqual({ owed: 0.999 });
  });

  it('converges on the exact shares, every allocation still floor or ceiling of its share', () => {
    fc.assert(
      fc.property(arbTotal, arbDemands, (total, demands) => {
        const rounds = 40;
        const { seen, exact } = balanceRounds(total, demands, rounds);
        for (const allocation of seen) {
          expect(sum(allocation)).toBe(sum(apportion(total, demands)));
          for (const [name, n] of Object.entries(allocation)) {
            const share = exact[name] ?? 0;
            expect(n).toBeGreaterThanOrEqual(Math.floor(share + 1e-9));
            expect(n).toBeLessThanOrEqual(Math.ceil(share - 1e-9));
          }
        }
        for (const [name, share] of Object.entries(exact)) {
          const mean = seen.reduce((s, a) => s + (a[name] ?? 0), 0) / rounds;
          expect(Math.abs(mean - share)).toBeLessThanOrEqual(2 / rounds + 1e-9);
        }
      }),
      { numRuns: 300 },
    );
  });
});
