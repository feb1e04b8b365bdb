import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { apportionShares, nextCredit, type Credit } from './apportion.js';
import {
  balanceCluster,
  offersTags,
  type ClusterBalance,
  type ClusterDemand,
  type ClusterNode,
} from './placement.js';
import type { Allocation } from './views.js';

const cat = (name: string, over: Partial<ClusterDemand> = {}): ClusterDemand => ({
  name,
  weight: 1,
  minWorkers: 0,
  maxWorkers: null,
  paused: false,
  queued: 100,
  running: 0,
  tags: [],
  ...over,
});

const node = (name: string, workers: number, tags: string[] = []): ClusterNode => ({
  name,
  workers,
  tags,
});

const sum = (a: Allocation) => Object.values(a).reduce((s, n) => s + n, 0);
const work = (d: ClusterDemand) => d.queued + d.running;
const active = (d: ClusterDemand) => !d.paused && d.weight > 0 && work(d) > 0;
/** The threads a category could use at most, tags aside. */
const usable = (d: ClusterDemand) => (active(d) ? Math.min(work(d), d.maxWorkers ?? Infinity) : 0);
const eligible = (nodes: readonly ClusterNode[], d: ClusterDemand) =>
  nodes.filter((n) => offersTags(n.tags, d.tags));
/** The slots of one category on each node, in the nodes' order. */
const column = (r: ClusterBalance, nodes: readonly ClusterNode[], name: string) =>
  nodes.map((n) => r.byNode[n.name]![name]);

/** The cluster-wide shares before placement: step 1 of balanceCluster. */
function cappedShares(
  nodes: readonly ClusterNode[],
  demands: readonly ClusterDemand[],
  credit: Credit = {},
) {
  const total = nodes.reduce((s, n) => s + n.workers, 0);
  return apportionShares(
    total,
    demands.map((d) => {
      const cap = eligible(nodes, d).reduce((s, n) => s + n.workers, 0);
      return cap < total ? { ...d, maxWorkers: Math.min(d.maxWorkers ?? cap, cap) } : d;
    }),
    credit,
  );
}

/**
 * Whether `allocation` can be placed at all (Hall's condition): every set of
 * categories wants at most the threads of the nodes any of them may run on.
 */
function placeable(
  nodes: readonly ClusterNode[],
  demands: readonly ClusterDemand[],
  allocation: Allocation,
): boolean {
  const wanting = demands.filter((d) => (allocation[d.name] ?? 0) > 0);
  for (let mask = 1; mask < 1 << wanting.length; mask++) {
    const set = wanting.filter((_, i) => mask & (1 << i));
    const want = set.reduce((s, d) => s + allocation[d.name]!, 0);
    const reach = nodes.filter((n) => set.some((d) => offersTags(n.tags, d.tags)));
    if (want > reach.reduce((s, n) => s + n.workers, 0)) return false;
  }
  return true;
}

describe('balanceCluster tables', () => {
  it('gives one node exactly what apportionShares gives', () => {
    const demands = [
      cat('a', { weight: 3 }),
      cat('b', { minWorkers: 2, queued: 3 }),
      cat('c', { maxWorkers: 1 }),
    ];
    const r = balanceCluster([node('solo', 7)], demands);
    const today = apportionShares(7, demands);
    expect(r.allocation).toEqual(today.allocation);
    expect(r.exact).toEqual(today.exact);
    expect(r.byNode).toEqual({ solo: today.allocation });
  });

  it('spreads one category over three nodes, every node running some', () => {
    const nodes = [node('node-1', 2), node('node-2', 2), node('node-3', 2)];
    const three = balanceCluster(nodes, [cat('a', { queued: 3 })]);
    expect(column(three, nodes, 'a')).toEqual([1, 1, 1]);
    const six = balanceCluster(nodes, [cat('a')]);
    expect(column(six, nodes, 'a')).toEqual([2, 2, 2]);
  });

  it('spreads each of several categories over the nodes', () => {
    const nodes = [node('n1', 4), node('n2', 4), node('n3', 4)];
    const r = balanceCluster(nodes, [cat('a'), cat('b'), cat('c')]);
    expect(r.allocation).toEqual({ a: 4, b: 4, c: 4 });
    for (const name of ['a', 'b', 'c']) {
      for (const n of column(r, nodes, name)) expect(n).toBeGreaterThanOrEqual(1);
    }
  });

  it('runs a tagged category only on nodes offering all its tags', () => {
    const nodes = [node('cpu', 4), node('gpu', 2, ['gpu']), node('big', 2, ['gpu', 'ssd'])];
    const r = balanceCluster(nodes, [
      cat('render', { tags: ['gpu'] }),
      cat('index', { tags: ['gpu', 'ssd'] }),
      cat('mail'),
    ]);
    expect(r.byNode.cpu).toEqual({ render: 0, index: 0, mail: 4 });
    expect(r.byNode.big!.render! + r.byNode.gpu!.render!).toBe(r.allocation.render);
    expect(r.byNode.gpu!.index).toBe(0);
    expect(sum(r.allocation)).toBe(8);
  });

  it('caps a category by the threads of the nodes it may run on, lending the rest', () => {
    const nodes = [node('a', 6), node('g', 2, ['gpu'])];
    const r = balanceCluster(nodes, [cat('render', { tags: ['gpu'], weight: 10 }), cat('mail')]);
    expect(r.allocation).toEqual({ render: 2, mail: 6 });
    expect(r.byNode).toEqual({ a: { render: 0, mail: 6 }, g: { render: 2, mail: 0 } });
  });

  it('gives a category no node can run nothing, lends its share, and names it', () => {
    const nodes = [node('a', 3), node('b', 3)];
    const r = balanceCluster(nodes, [
      cat('render', { tags: ['gpu'], minWorkers: 2 }),
      cat('mail'),
      cat('idle', { tags: ['gpu'], queued: 0 }),
    ]);
    expect(r.allocation).toEqual({ render: 0, mail: 6, idle: 0 });
    expect(r.unplaceable).toEqual(['render']);
  });

  it('shares a small tagged node among the categories that need it, the rest elsewhere', () => {
    // Each of three categories would get 4 of 12, but render and train fit only on g's 2 threads.
    const nodes = [node('a', 10), node('g', 2, ['gpu'])];
    const r = balanceCluster(nodes, [
      cat('render', { tags: ['gpu'] }),
      cat('train', { tags: ['gpu'] }),
      cat('mail'),
    ]);
    expect(r.allocation).toEqual({ render: 1, train: 1, mail: 10 });
    expect(r.byNode.g).toEqual({ render: 1, train: 1, mail: 0 });
    expect(r.exact).toEqual({ render: 1, train: 1, mail: 10 });
  });

  it('keeps minWorkers within a tight set of nodes', () => {
    const nodes = [node('a', 10), node('g', 3, ['gpu'])];
    const r = balanceCluster(nodes, [
      cat('render', { tags: ['gpu'], weight: 10 }),
      cat('train', { tags: ['gpu'], minWorkers: 2 }),
      cat('mail'),
    ]);
    expect(r.byNode.g).toEqual({ render: 1, train: 2, mail: 0 });
  });

  it('moves a slot along a path when that is the only way to place a share', () => {
    // x may run on A and B, y on B and C. With x piled on B before, y can only
    // get its 2 if one of x's slots moves from B to A.
    const nodes = [node('A', 1, ['x']), node('B', 2, ['x', 'y']), node('C', 1, ['y'])];
    const demands = [cat('x', { tags: ['x'], queued: 2 }), cat('y', { tags: ['y'], queued: 2 })];
    const previous = { A: { x: 0, y: 0 }, B: { x: 2, y: 0 }, C: { x: 0, y: 0 } };
    const r = balanceCluster(nodes, demands, {}, previous);
    expect(r.allocation).toEqual({ x: 2, y: 2 });
    expect(r.byNode).toEqual({ A: { x: 1, y: 0 }, B: { x: 1, y: 1 }, C: { x: 0, y: 1 } });
  });

  it('keeps the previous placement when the shares stay', () => {
    const nodes = [node('n1', 3), node('n2', 3)];
    const demands = [cat('a'), cat('b')];
    const previous = { n1: { a: 3, b: 0 }, n2: { a: 0, b: 3 } };
    expect(balanceCluster(nodes, demands, {}, previous).byNode).toEqual(previous);
  });

  it('puts a new node to work without moving slots between the old ones', () => {
    const old = [node('n1', 2), node('n2', 2)];
    const demands = [cat('a'), cat('b')];
    const before = balanceCluster(old, demands);
    const after = balanceCluster([...old, node('n3', 2)], demands, {}, before.byNode);
    expect(after.byNode.n1).toEqual(before.byNode.n1);
    expect(after.byNode.n2).toEqual(before.byNode.n2);
    expect(after.byNode.n3).toEqual({ a: 1, b: 1 });
  });

  it('takes a shrinking share off the node where the category has the most', () => {
    const nodes = [node('n1', 4), node('n2', 4)];
    const previous = { n1: { a: 3, b: 1 }, n2: { a: 1, b: 3 } };
    const r = balanceCluster(nodes, [cat('a', { maxWorkers: 2 }), cat('b')], {}, previous);
    expect(r.byNode).toEqual({ n1: { a: 1, b: 3 }, n2: { a: 1, b: 3 } });
  });

  it('drops previous slots on nodes that are gone, lost their tags, or have fewer threads', () => {
    const nodes = [node('n1', 2), node('n2', 2)];
    const previous = {
      gone: { a: 4 },
      n1: { a: 4, b: 0, old: 3 },
      n2: { a: 0, b: 2 },
    };
    const r = balanceCluster(nodes, [cat('a'), cat('b', { tags: ['gpu'] })], {}, previous);
    expect(r.byNode).toEqual({ n1: { a: 2, b: 0 }, n2: { a: 2, b: 0 } });
  });

  it('gives nothing when there are no nodes, naming every category', () => {
    const r = balanceCluster([], [cat('a'), cat('b', { tags: ['x'] })]);
    expect(r).toEqual({
      allocation: { a: 0, b: 0 },
      exact: {},
      byNode: {},
      unplaceable: ['a', 'b'],
    });
  });
});

// ── properties ─────────────────────────────────────────────────────────────

const TAGS = ['gpu', 'ssd', 'eu'] as const;
const arbTags = fc.subarray([...TAGS], { minLength: 0, maxLength: 2 });

const arbNodes = fc
  .array(fc.record({ workers: fc.integer({ min: 0, max: 6 }), tags: fc.subarray([...TAGS]) }), {
    minLength: 0,
    maxLength: 5,
  })
  .map((fields) => fields.map((f, i): ClusterNode => ({ name: `n${i}`, ...f })));

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
  tags: fc.oneof({ arbitrary: fc.constant([]), weight: 2 }, { arbitrary: arbTags, weight: 3 }),
});

const arbDemands = fc
  .array(arbDemandFields, { minLength: 0, maxLength: 6 })
  .map((fields) => fields.map((f, i): ClusterDemand => ({ name: `c${i}`, ...f })));

/** Any earlier placement, sensible or not: unknown nodes and categories, over capacity, wrong tags. */
const arbPrevious = fc.dictionary(
  fc.constantFrom('n0', 'n1', 'n2', 'n3', 'n4', 'gone'),
  fc.dictionary(fc.constantFrom('c0', 'c1', 'c2', 'c3', 'c4', 'c5', 'old'), fc.nat({ max: 5 })),
);

const arbCredit = fc.dictionary(
  fc.constantFrom('c0', 'c1', 'c2', 'c3', 'c4', 'c5'),
  fc.double({ min: -0.99, max: 0.99, noNaN: true }),
);

const RUNS = { numRuns: 1000 };

describe('balanceCluster invariants', () => {
  it('respects tags and capacities, and the nodes add up to the totals', () => {
    fc.assert(
      fc.property(arbNodes, arbDemands, arbCredit, arbPrevious, (nodes, demands, credit, prev) => {
        const r = balanceCluster(nodes, demands, credit, prev);
        expect(Object.keys(r.byNode).sort()).toEqual(nodes.map((n) => n.name).sort());
        for (const n of nodes) {
          const slots = r.byNode[n.name]!;
          expect(Object.keys(slots).sort()).toEqual(demands.map((d) => d.name).sort());
          expect(sum(slots)).toBeLessThanOrEqual(n.workers);
          for (const d of demands) {
            const s = slots[d.name]!;
            expect(Number.isInteger(s) && s >= 0).toBe(true);
            if (!offersTags(n.tags, d.tags)) expect(s).toBe(0);
          }
        }
        for (const d of demands) {
          const placed = nodes.reduce((s, n) => s + r.byNode[n.name]![d.name]!, 0);
          expect(placed).toBe(r.allocation[d.name]);
          expect(placed).toBeLessThanOrEqual(usable(d));
        }
      }),
      RUNS,
    );
  });

  it('gives exactly the cluster-wide apportionment whenever it can be placed', () => {
    fc.assert(
      fc.property(arbNodes, arbDemands, arbCredit, arbPrevious, (nodes, demands, credit, prev) => {
        const shares = cappedShares(nodes, demands, credit);
        fc.pre(placeable(nodes, demands, shares.allocation));
        const r = balanceCluster(nodes, demands, credit, prev);
        expect(r.allocation).toEqual(shares.allocation);
        expect(r.exact).toEqual(shares.exact);
      }),
      RUNS,
    );
  });

  it('leaves no thread idle that a category with work may use', () => {
    fc.assert(
      fc.property(arbNodes, arbDemands, arbPrevious, (nodes, demands, prev) => {
        const r = balanceCluster(nodes, demands, {}, prev);
        for (const n of nodes) {
          if (sum(r.byNode[n.name]!) === n.workers) continue;
          for (const d of demands) {
            if (offersTags(n.tags, d.tags)) expect(r.allocation[d.name]).toBe(usable(d));
          }
        }
      }),
      RUNS,
    );
  });

  it('names as unplaceable exactly the categories with work that no node may run', () => {
    fc.assert(
      fc.property(arbNodes, arbDemands, (nodes, demands) => {
        const r = balanceCluster(nodes, demands);
        const expected = demands
          .filter((d) => work(d) > 0 && eligible(nodes, d).length === 0)
          .map((d) => d.name);
        expect(r.unplaceable).toEqual(expected.sort());
      }),
      RUNS,
    );
  });

  it('is apportionShares itself on one node that offers every tag', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 40 }),
        arbDemands,
        arbCredit,
        arbPrevious,
        (workers, demands, credit, prev) => {
          const r = balanceCluster([node('n0', workers, [...TAGS])], demands, credit, prev);
          const today = apportionShares(workers, demands, credit);
          expect(r.allocation).toEqual(today.allocation);
          expect(r.exact).toEqual(today.exact);
          expect(r.byNode.n0).toEqual(today.allocation);
        },
      ),
      RUNS,
    );
  });

  it('does not depend on the order of the nodes or of the categories', () => {
    fc.assert(
      fc.property(
        arbNodes.chain((ns) =>
          fc.tuple(fc.constant(ns), fc.shuffledSubarray(ns, { minLength: ns.length })),
        ),
        arbDemands.chain((ds) =>
          fc.tuple(fc.constant(ds), fc.shuffledSubarray(ds, { minLength: ds.length })),
        ),
        arbPrevious,
        ([nodes, nodesShuffled], [demands, demandsShuffled], prev) => {
          expect(balanceCluster(nodesShuffled, demandsShuffled, {}, prev)).toEqual(
            balanceCluster(nodes, demands, {}, prev),
          );
        },
      ),
      RUNS,
    );
  });

  it('keeps its own placement when nothing changed', () => {
    fc.assert(
      fc.property(arbNodes, arbDemands, arbCredit, arbPrevious, (nodes, demands, credit, prev) => {
        const first = balanceCluster(nodes, demands, credit, prev);
        const again = balanceCluster(nodes, demands, credit, first.byNode);
        expect(again.byNode).toEqual(first.byNode);
      }),
      RUNS,
    );
  });

  it('without tags, never moves a slot between nodes: a category only grows or shrinks in place', () => {
    const untagged = arbDemands.map((ds) => ds.map((d) => ({ ...d, tags: [] })));
    fc.assert(
      fc.property(arbNodes, untagged, untagged, (nodes, before, after) => {
        const names = after.map((d) => d.name);
        const first = balanceCluster(
          nodes,
          before.filter((d) => names.includes(d.name)),
        );
        const r = balanceCluster(nodes, after, {}, first.byNode);
        for (const d of after) {
          const was = column(first, nodes, d.name).map((n) => n ?? 0);
          const now = column(r, nodes, d.name);
          const grew = now.every((n, i) => n! >= was[i]!);
          const shrank = now.every((n, i) => n! <= was[i]!);
          expect(grew || shrank).toBe(true);
        }
      }),
      RUNS,
    );
  });

  it('without tags and from scratch, puts every node to work once there are as many slots as nodes', () => {
    fc.assert(
      fc.property(arbNodes, arbDemands, (nodes, demands) => {
        const r = balanceCluster(
          nodes,
          demands.map((d) => ({ ...d, tags: [] })),
        );
        fc.pre(sum(r.allocation) >= nodes.length);
        for (const n of nodes) if (n.workers > 0) expect(sum(r.byNode[n.name]!)).toBeGreaterThan(0);
      }),
      RUNS,
    );
  });

  it('spreads a lone category evenly over equal nodes', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 5 }),
        fc.integer({ min: 1, max: 6 }),
        fc.integer({ min: 1, max: 40 }),
        (count, workers, queued) => {
          const nodes = Array.from({ length: count }, (_, i) => node(`n${i}`, workers));
          const r = balanceCluster(nodes, [cat('a', { queued })]);
          const slots = column(r, nodes, 'a') as number[];
          expect(Math.max(...slots) - Math.min(...slots)).toBeLessThanOrEqual(1);
        },
      ),
      RUNS,
    );
  });

  it('carries credit as apportionShares does, so small shares get their turn', () => {
    const nodes = [node('n1', 1), node('n2', 1)];
    const demands = [cat('big', { queued: 4 }), cat('small', { queued: 1 })];
    let credit: Credit = {};
    let previous: Record<string, Allocation> = {};
    const smalls: number[] = [];
    for (let round = 0; round < 5; round++) {
      const r = balanceCluster(nodes, demands, credit, previous);
      smalls.push(r.allocation.small!);
      credit = nextCredit(credit, r);
      previous = r.byNode;
    }
    expect(smalls).toEqual([0, 1, 0, 1, 0]);
  });
});
