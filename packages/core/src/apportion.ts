/**
 * The WorkerBalancer's arithmetic: how many worker threads (slots) each
 * category may use now. Pure and total.
 *
 * 1. Only unpaused categories with work (queued + running > 0) and weight > 0
 *    take part. A category can never use more than its work or `maxWorkers`.
 * 2. Each of them first gets its `minWorkers` (capped by its work and cap);
 *    if the minimums alone exceed the total, they are shared by weight too.
 * 3. The rest is shared in proportion to demand = (queued + running) × weight,
 *    rounded by largest remainder; what a capped category cannot use is
 *    handed on to the others (work-conserving).
 *
 * So while anyone has work the allocation sums to exactly `total`, or to the
 * total work when there is less work than threads.
 *
 * Whole threads cannot follow fractional shares: with 2 threads, shares of
 * 1.6 and 0.4 round to 2 and 0 every time, and the smaller category would
 * wait for the larger one's whole queue. So the remainder seats go by the
 * fraction plus a `credit` the caller carries from one balancing to the next
 * (`nextCredit`): what a category was owed and not given raises its claim to
 * the next seat. Over a few intervals each category gets its exact share on
 * average, while every single allocation is still its share rounded down or up.
 */
import type { Allocation } from './views.js';

export interface CategoryDemand {
  name: string;
  weight: number;
  minWorkers: number;
  maxWorkers: number | null;
  paused: boolean;
  queued: number;
  running: number;
}

/** Per category: threads owed (+) or given beyond its share (−), in (−1, 1). */
export type Credit = Readonly<Record<string, number>>;

export interface Apportionment {
  allocation: Allocation;
  /** Each category's exact, unrounded share. */
  exact: Record<string, number>;
}

export function apportion(
  total: number,
  demands: readonly CategoryDemand[],
  credit: Credit = {},
): Allocation {
  return apportionShares(total, demands, credit).allocation;
}

/**
 * The credit to carry into the next balancing: what each category with work
 * was owed minus what it got, kept within (−1, 1) so no debt outlives a few
 * intervals. Categories without work drop out.
 */
export function nextCredit(previous: Credit, result: Apportionment): Record<string, number> {
  const next: Record<string, number> = {};
  for (const [name, exact] of Object.entries(result.exact)) {
    const owed = (previous[name] ?? 0) + exact - (result.allocation[name] ?? 0);
    next[name] = Math.max(-0.999, Math.min(0.999, owed));
  }
  return next;
}

export function apportionShares(
  total: number,
  demands: readonly CategoryDemand[],
  credit: Credit = {},
): Apportionment {
  const allocation: Allocation = {};
  const exact: Record<string, number> = {};
  for (const d of demands) allocation[d.name] = 0;
  let left = Math.max(0, Math.floor(total));

  const active = demands
    .filter((d) => !d.paused && d.weight > 0 && d.queued + d.running > 0)
    .map((d) => ({
      name: d.name,
      min: Math.max(0, Math.floor(d.minWorkers)),
      // A category never needs more threads than it has jobs.
      cap: Math.min(d.queued + d.running, Math.floor(d.maxWorkers ?? Infinity)),
      demand: (d.queued + d.running) * d.weight,
      weight: d.weight,
    }))
    .filter((d) => d.cap > 0);
  if (active.length === 0 || left === 0) return { allocation, exact };

  const give = (name: string, n: number) => {
    allocation[name] = (allocation[name] ?? 0) + n;
    left -= n;
  };

  // Minimums first. When they do not all fit, share the total among the
  // categories that have a minimum, by weight, but never above the minimum.
  const floors = active.map((d) => ({ ...d, want: Math.min(d.min, d.cap) }));
  const wanted = floors.reduce((s, d) => s + d.want, 0);
  if (wanted <= left) {
    for (const d of floors) if (d.want > 0) give(d.name, d.want);
  } else {
    const shares = share(
      left,
      floors
        .filter((d) => d.want > 0)
        .map((d) => ({ name: d.name, demand: d.weight, cap: d.want })),
      credit,
    );
    for (const [name, s] of shares) {
      give(name, s.whole);
      exact[name] = s.exact;
    }
    return { allocation, exact };
  }
  for (const d of active) exact[d.name] = allocation[d.name] ?? 0;

  // The rest by demand, handing on what capped categories cannot use.
  const rest = share(
    left,
    active.map((d) => ({
      name: d.name,
      demand: d.demand,
      cap: d.cap - (allocation[d.name] ?? 0),
    })),
    credit,
  );
  for (const [name, s] of rest) {
    give(name, s.whole);
    exact[name] = (exact[name] ?? 0) + s.exact;
  }
  return { allocation, exact };
}

interface Claim {
  name: string;
  demand: number;
  cap: number;
}

/**
 * Shares `total` among claims in proportion to `demand`, each at most `cap`.
 * First the exact shares: a claim whose share would reach its cap gets its
 * cap and the rest is shared again among the others (water-filling). Only
 * then are the uncapped shares rounded, by largest remainder, in one pass:
 * rounding round by round handed remainder seats to tiny claims before the
 * capacity of the capped claims was passed on, so a claim 20 times smaller
 * could end up with a thread taken from a larger one.
 */
function share(
  total: number,
  claims: readonly Claim[],
  credit: Credit,
): Map<string, { whole: number; exact: number }> {
  const out = new Map<string, { whole: number; exact: number }>();
  // A fixed order keeps the float sums, and so the result, independent of the input order.
  let open = claims
    .filter((c) => c.cap > 0 && c.demand > 0)
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  let left = total;
  for (;;) {
    const sum = open.reduce((s, c) => s + c.demand, 0);
    const capped = open.filter((c) => (left * c.demand) / sum >= c.cap);
    if (capped.length === 0) break;
    for (const c of capped) {
      out.set(c.name, { whole: c.cap, exact: c.cap });
      left -= c.cap;
    }
    open = open.filter((c) => !capped.includes(c));
  }
  if (left <= 0 || open.length === 0) return out;

  const sum = open.reduce((s, c) => s + c.demand, 0);
  const parts = open.map((c) => {
    const exact = (left * c.demand) / sum;
    // exact < cap, so whole + 1 <= cap: every part has room for a remainder seat.
    const frac = exact - Math.floor(exact);
    return { c, exact, whole: Math.floor(exact), frac, claim: frac + (credit[c.name] ?? 0) };
  });
  // The remainder seats go by fraction plus credit. Ties go to the larger
  // demand, then to the name, so the result does not depend on input order.
  parts.sort(
    (a, b) => b.claim - a.claim || b.c.demand - a.c.demand || (a.c.name < b.c.name ? -1 : 1),
  );
  let handed = parts.reduce((s, p) => s + p.whole, 0);
  // Only a share with a fraction may be rounded up (floor or ceiling, never more).
  for (const p of parts) {
    if (handed >= left) break;
    if (p.frac <= 1e-9) continue;
    p.whole += 1;
    handed += 1;
  }
  // Float error can leave a seat for a share whose fraction was all but zero.
  for (const p of parts) {
    if (handed >= left) break;
    if (p.whole < p.c.cap) {
      p.whole += 1;
      handed += 1;
    }
  }
  // Float error could push a share just over a whole number; take the excess back.
  for (const p of [...parts].reverse()) {
    if (handed <= left) break;
    if (p.whole > 0) {
      p.whole -= 1;
      handed -= 1;
    }
  }
  for (const p of parts) out.set(p.c.name, { whole: p.whole, exact: p.exact });
  return out;
}
