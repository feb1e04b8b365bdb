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
      cap: Math.min(d.queued + d.running, d.maxWorkers ?? Infinity),
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
      floors.filter((d) => d.want > 0).map((d) => ({ name: d.name, demand: d.weight, cap: d.want })),
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
 * Shares `total` among claims in proportion to `demand`, each at most `cap`,
 * by largest remainder; capacity beyond a capped claim goes round again.
 */
function share(total: number, claims: readonly Claim[]): Map<string, number> {
  const out = new Map<string, number>();
  let open = claims.filter((c) => c.cap > 0 && c.demand > 0);
  let left = total;
  while (left > 0 && open.length > 0) {
    const sum = open.reduce((s, c) => s + c.demand, 0);
    const parts = open.map((c) => {
      const room = c.cap - (out.get(c.name) ?? 0);
      const exact = Math.min((left * c.demand) / sum, room);
      return { c, room, whole: Math.floor(exact), frac: exact - Math.floor(exact) };
    });
    let handed = parts.reduce((s, p) => s + p.whole, 0);
    // Largest remainder; ties go to the larger demand, then to the name, so
    // the result does not depend on the order of the input.
    const byRemainder = parts
      .filter((p) => p.whole < p.room)
      .sort((a, b) => b.frac - a.frac || b.c.demand - a.c.demand || (a.c.name < b.c.name ? -1 : 1));
    for (const p of byRemainder) {
      if (handed >= left) break;
      if (p.frac > 0) {
        p.whole += 1;
        handed += 1;
      }
    }
    for (const p of parts) out.set(p.c.name, (out.get(p.c.name) ?? 0) + p.whole);
    left -= handed;
    const next = open.filter((c) => (out.get(c.name) ?? 0) < c.cap);
    if (handed === 0 || next.length === 0) {
      // Everything left has fractional claims of zero: hand out one by one by demand.
      for (const c of [...next].sort((a, b) => b.demand - a.demand || (a.name < b.name ? -1 : 1))) {
        if (left === 0) break;
        out.set(c.name, (out.get(c.name) ?? 0) + 1);
        left -= 1;
      }
      if (handed === 0 && left > 0 && next.length === 0) break;
    }
    open = next;
  }
  return out;
}
