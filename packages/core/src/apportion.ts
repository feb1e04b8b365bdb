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

export function apportion(total: number, demands: readonly CategoryDemand[]): Allocation {
  const allocation: Allocation = {};
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
  if (active.length === 0 || left === 0) return allocation;

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
    );
    for (const [name, n] of shares) give(name, n);
    return allocation;
  }

  // The rest by demand, handing on what capped categories cannot use.
  const rest = share(
    left,
    active.map((d) => ({
      name: d.name,
      demand: d.demand,
      cap: d.cap - (allocation[d.name] ?? 0),
    })),
  );
  for (const [name, n] of rest) give(name, n);
  return allocation;
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
function share(total: number, claims: readonly Claim[]): Map<string, number> {
  const out = new Map<string, number>();
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
      out.set(c.name, c.cap);
      left -= c.cap;
    }
    open = open.filter((c) => !capped.includes(c));
  }
  if (left <= 0 || open.length === 0) return out;

  const sum = open.reduce((s, c) => s + c.demand, 0);
  const parts = open.map((c) => {
    const exact = (left * c.demand) / sum;
    // exact < cap, so whole + 1 <= cap: every part has room for a remainder seat.
    return { c, whole: Math.floor(exact), frac: exact - Math.floor(exact) };
  });
  // Ties go to the larger demand, then to the name, so the result does not
  // depend on the order of the input.
  parts.sort(
    (a, b) => b.frac - a.frac || b.c.demand - a.c.demand || (a.c.name < b.c.name ? -1 : 1),
  );
  let handed = parts.reduce((s, p) => s + p.whole, 0);
  for (const p of parts) {
    if (handed >= left) break;
    p.whole += 1;
    handed += 1;
  }
  // Float error could push a share just over a whole number; take the excess back.
  for (const p of [...parts].reverse()) {
    if (handed <= left) break;
    if (p.whole > 0) {
      p.whole -= 1;
      handed -= 1;
    }
  }
  for (const p of parts) if (p.whole > 0) out.set(p.c.name, p.whole);
  return out;
}
