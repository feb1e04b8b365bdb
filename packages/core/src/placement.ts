/**
 * The cluster's WorkerBalancer: the leader shares the threads of every live
 * node between the categories, then places each category's share on nodes.
 * Pure and total.
 *
 * A category with `tags` runs only on nodes that offer all of them. So the
 * cluster is not one pool of threads: a category may use at most the threads
 * of the nodes it can run on, and categories that need the same few nodes
 * compete for those nodes alone.
 *
 * 1. Share: `apportionShares` over the sum of the nodes' workers, with every
 *    category's `maxWorkers` capped by the threads of the nodes that offer its
 *    tags (a category no node can run gets 0; its part goes to the others).
 * 2. Place: each node gets at most its workers, each category only on nodes
 *    offering its tags, each category exactly its share. This is a flow from
 *    categories to nodes, found by augmenting paths (most constrained
 *    categories first), so it succeeds whenever any placement of the shares
 *    exists. The previous placement is kept as far as the new shares allow,
 *    and a slot only moves to another node on an augmenting path, that is
 *    when the new shares cannot be placed otherwise. New slots go to the node
 *    with the fewest of that category, then the most free threads: a category
 *    spreads over its nodes instead of piling on one.
 * 3. When the shares cannot all be placed, the flow's residual graph names a
 *    tight set: categories that together want more than the nodes they can
 *    run on hold, and that fill those nodes. Those nodes are shared among
 *    those categories alone, and the other nodes among the other categories,
 *    each part balanced again from step 1. Each part is smaller, so this ends,
 *    and no thread idles while a category that may run on it has work.
 *
 * With one node that offers every category's tags this is exactly
 * `apportionShares(workers, demands, credit)`.
 */
import {
  apportionShares,
  type Apportionment,
  type CategoryDemand,
  type Credit,
} from './apportion.js';
import type { Allocation } from './views.js';

export interface ClusterNode {
  /** Unique among the nodes. */
  name: string;
  /** Its worker threads. */
  workers: number;
  tags: readonly string[];
}

export interface ClusterDemand extends CategoryDemand {
  /** It runs only on nodes that offer all of these. Its min, max and weight are cluster-wide. */
  tags: readonly string[];
}

export interface ClusterBalance extends Apportionment {
  /** Slots per category on each node, naming every node and every category. */
  byNode: Record<string, Allocation>;
  /** Categories with work that no node offers all the tags of, in name order. */
  unplaceable: string[];
}

/** Whether a node with `offered` tags may run a category that needs `needed`. */
export function offersTags(offered: readonly string[], needed: readonly string[]): boolean {
  return needed.every((tag) => offered.includes(tag));
}

/**
 * Balances the cluster. `credit` is carried between balancings with
 * `nextCredit(credit, result)` as for `apportionShares`; `previous` is the
 * last placement (`byNode`), which the new one keeps where it can.
 */
export function balanceCluster(
  nodes: readonly ClusterNode[],
  demands: readonly ClusterDemand[],
  credit: Credit = {},
  previous: Readonly<Record<string, Allocation>> = {},
): ClusterBalance {
  // Name order everywhere, so that the result does not depend on the input order.
  const sorted = [...nodes].sort((a, b) => compareNames(a.name, b.name));
  const workers = new Map(sorted.map((n) => [n.name, Math.max(0, Math.floor(n.workers))]));
  const eligible = new Map(
    demands.map((d) => [
      d.name,
      sorted.filter((n) => offersTags(n.tags, d.tags)).map((n) => n.name),
    ]),
  );
  const result: ClusterBalance = { allocation: {}, exact: {}, byNode: {}, unplaceable: [] };
  for (const d of demands) result.allocation[d.name] = 0;
  for (const n of sorted) {
    result.byNode[n.name] = Object.fromEntries(demands.map((d) => [d.name, 0]));
  }
  result.unplaceable = demands
    .filter((d) => d.queued + d.running > 0 && eligible.get(d.name)!.length === 0)
    .map((d) => d.name)
    .sort();

  const solve = (part: readonly ClusterDemand[], partNodes: readonly string[]): void => {
    const inside = new Set(partNodes);
    const total = partNodes.reduce((s, n) => s + workers.get(n)!, 0);
    const on = new Map(
      part.map((d) => [d.name, eligible.get(d.name)!.filter((n) => inside.has(n))]),
    );
    const capacity = (d: ClusterDemand) => on.get(d.name)!.reduce((s, n) => s + workers.get(n)!, 0);
    // Capped only when the nodes bind, so that one node gives exactly apportionShares' answer.
    const shares = apportionShares(
      total,
      part.map((d) => {
        const cap = capacity(d);
        return cap < total ? { ...d, maxWorkers: Math.min(d.maxWorkers ?? cap, cap) } : d;
      }),
      credit,
    );
    // Most constrained first: their direct placements then rarely need moving.
    const order = [...part].sort(
      (a, b) =>
        capacity(a) - capacity(b) ||
        on.get(a.name)!.length - on.get(b.name)!.length ||
        compareNames(a.name, b.name),
    );
    const placement = new Placement(partNodes, order, on, workers, shares.allocation, previous);
    if (placement.short.size === 0) {
      for (const d of part) {
        result.allocation[d.name] = shares.allocation[d.name] ?? 0;
        const exact = shares.exact[d.name];
        if (exact !== undefined) result.exact[d.name] = exact;
      }
      for (const [node, slots] of placement.slots) Object.assign(result.byNode[node]!, slots);
      return;
    }
    const tight = placement.tightSet();
    solve(
      part.filter((d) => tight.categories.has(d.name)),
      partNodes.filter((n) => tight.nodes.has(n)),
    );
    solve(
      part.filter((d) => !tight.categories.has(d.name)),
      partNodes.filter((n) => !tight.nodes.has(n)),
    );
  };
  solve(
    demands,
    sorted.map((n) => n.name),
  );
  return result;
}

/**
 * Slots of categories on nodes, built once per part of the cluster: the
 * previous placement trimmed to the new shares and capacities, then filled up
 * by direct placement or augmenting paths. `short` holds what could not be
 * placed.
 */
class Placement {
  /** node → category → slots */
  readonly slots = new Map<string, Record<string, number>>();
  /** Category → slots of its share it could not get. */
  readonly short = new Map<string, number>();
  readonly #free = new Map<string, number>();
  readonly #nodes: readonly string[];
  /** Categories, most constrained first. */
  readonly #order: readonly CategoryDemand[];
  /** Category → the nodes of this part it may run on, in name order. */
  readonly #on: ReadonlyMap<string, readonly string[]>;
  readonly #workers: ReadonlyMap<string, number>;

  constructor(
    nodes: readonly string[],
    order: readonly CategoryDemand[],
    on: ReadonlyMap<string, readonly string[]>,
    workers: ReadonlyMap<string, number>,
    shares: Allocation,
    previous: Readonly<Record<string, Allocation>>,
  ) {
    this.#nodes = nodes;
    this.#order = order;
    this.#on = on;
    this.#workers = workers;
    for (const n of nodes) {
      this.slots.set(n, Object.fromEntries(order.map((d) => [d.name, 0])));
      this.#free.set(n, workers.get(n)!);
    }
    this.#keep(previous, shares);
    for (const d of order) {
      let need = (shares[d.name] ?? 0) - this.#placed(d.name);
      while (need > 0 && (this.#placeDirectly(d.name) || this.#augment(d.name))) need -= 1;
      if (need > 0) this.short.set(d.name, need);
    }
  }

  /**
   * The previous placement, on nodes the category may still run on, at most
   * its new share (taken off where it has the most) and at most each node's
   * workers (taking off the category with the most there).
   */
  #keep(previous: Readonly<Record<string, Allocation>>, shares: Allocation): void {
    for (const d of this.#order) {
      const kept = this.#on.get(d.name)!.map((n) => ({ n, count: whole(previous[n]?.[d.name]) }));
      let excess = kept.reduce((s, k) => s + k.count, 0) - (shares[d.name] ?? 0);
      while (excess > 0) {
        most(kept, (k) => k.count)!.count -= 1;
        excess -= 1;
      }
      for (const { n, count } of kept) this.slots.get(n)![d.name] = count;
    }
    for (const n of this.#nodes) {
      const slots = this.slots.get(n)!;
      let free = this.#free.get(n)! - sum(slots);
      while (free < 0) {
        const name = most(Object.keys(slots), (c) => slots[c]!)!;
        slots[name]! -= 1;
        free += 1;
      }
      this.#free.set(n, free);
    }
  }

  #placed(category: string): number {
    let n = 0;
    for (const slots of this.slots.values()) n += slots[category] ?? 0;
    return n;
  }

  #better(a: string, b: string, category: string): boolean {
    const mine = this.slots.get(a)![category]! - this.slots.get(b)![category]!;
    if (mine !== 0) return mine < 0;
    const [freeA, freeB] = [this.#free.get(a)!, this.#free.get(b)!];
    const [sizeA, sizeB] = [this.#workers.get(a)!, this.#workers.get(b)!];
    // used(a) / size(a) against used(b) / size(b), without division
    const busy = (sizeA - freeA) * sizeB - (sizeB - freeB) * sizeA;
    return busy !== 0 ? busy < 0 : freeA > freeB;
  }

  #add(node: string, category: string, delta: number): void {
    this.slots.get(node)![category]! += delta;
  }

  /**
   * One slot on a free node: the one with the fewest of this category, then
   * the least busy for its size (so that every node gets work), then the one
   * with the most free threads.
   */
  #placeDirectly(category: string): boolean {
    let best: string | null = null;
    for (const n of this.#on.get(category)!) {
      if (this.#free.get(n)! > 0 && (best === null || this.#better(n, best, category))) best = n;
    }
    if (best === null) return false;
    this.#add(best, category, 1);
    this.#free.set(best, this.#free.get(best)! - 1);
    return true;
  }

  /**
   * One slot by a shortest augmenting path: the category takes a slot on a
   * full node whose holder moves to another of its nodes, and so on, until a
   * node with a free thread. Only here does a placed slot move.
   */
  #augment(category: string): boolean {
    const { reached, nodeFrom, categoryFrom } = this.#explore([category]);
    const end = this.#nodes.find((n) => reached.nodes.has(n) && this.#free.get(n)! > 0);
    if (end === undefined) return false;
    let node = end;
    this.#free.set(end, this.#free.get(end)! - 1);
    for (;;) {
      const taker = nodeFrom.get(node)!;
      this.#add(node, taker, 1);
      if (taker === category) return true;
      node = categoryFrom.get(taker)!;
      this.#add(node, taker, -1);
    }
  }

  /**
   * Breadth-first over the residual graph: from a category to every node it
   * may run on, from a node to every category holding a slot there.
   */
  #explore(start: readonly string[]) {
    const reached = { categories: new Set(start), nodes: new Set<string>() };
    /** node → the category that reached it */
    const nodeFrom = new Map<string, string>();
    /** category → the node where it gives up a slot */
    const categoryFrom = new Map<string, string>();
    const queue = [...start];
    for (let i = 0; i < queue.length; i++) {
      const c = queue[i]!;
      for (const n of this.#on.get(c)!) {
        if (reached.nodes.has(n)) continue;
        reached.nodes.add(n);
        nodeFrom.set(n, c);
        for (const [holder, count] of Object.entries(this.slots.get(n)!)) {
          if (count <= 0 || reached.categories.has(holder)) continue;
          reached.categories.add(holder);
          categoryFrom.set(holder, n);
          queue.push(holder);
        }
      }
    }
    return { reached, nodeFrom, categoryFrom };
  }

  /**
   * The categories and nodes reachable from the short categories. Every such
   * node is full (else a path would have placed the slot), every category
   * reached runs only on them, and they hold only these categories: together
   * these categories want more than these nodes have.
   */
  tightSet(): { categories: Set<string>; nodes: Set<string> } {
    return this.#explore([...this.short.keys()]).reached;
  }
}

function whole(n: number | undefined): number {
  return n === undefined || !Number.isFinite(n) ? 0 : Math.max(0, Math.floor(n));
}

function sum(a: Allocation): number {
  return Object.values(a).reduce((s, n) => s + n, 0);
}

/** The item with the largest key; ties go to the last one, so trimming takes from the end. */
function most<T>(items: readonly T[], key: (item: T) => number): T | undefined {
  let best: T | undefined;
  for (const item of items) if (best === undefined || key(item) >= key(best)) best = item;
  return best;
}

function compareNames(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
