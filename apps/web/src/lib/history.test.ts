import type { CategoryView, NodeView, SnapshotPayload, Stats } from '@cadre/client';
import { describe, expect, it } from 'vitest';
import { History } from './history.js';

const stats: Stats = {
  workers: 4,
  nodes: 1,
  allocation: {},
  queued: 0,
  running: 0,
  waiting: 0,
  delayed: 0,
  retrying: 0,
  succeeded: 0,
  failed: 0,
  cancelled: 0,
  uptimeMs: 0,
};

function category(name: string, over: Partial<CategoryView> = {}): CategoryView {
  return {
    name,
    weight: 1,
    minWorkers: 0,
    maxWorkers: null,
    paused: false,
    concurrency: 1,
    rateLimit: null,
    rateLimited: false,
    orphaned: false,
    waiting: 0,
    delayed: 0,
    queued: 0,
    running: 0,
    retrying: 0,
    allocated: 0,
    succeeded: 0,
    failed: 0,
    cancelled: 0,
    throughput: 0,
    targetWaitMs: null,
    waitP50Ms: null,
    waitP95Ms: null,
    ...over,
  };
}

const snap = (...categories: CategoryView[]): SnapshotPayload => ({ stats, categories, nodes: [] });

function node(name: string, allocation: Record<string, number>): NodeView {
  return {
    name,
    tags: [],
    workers: 4,
    running: 0,
    allocation,
    leader: false,
    state: 'live',
    startedAt: '2026-01-01T00:00:00.000Z',
    heartbeatAt: '2026-01-01T00:00:00.000Z',
  };
}

const nodeSnap = (...nodes: NodeView[]): SnapshotPayload => ({ stats, categories: [], nodes });

describe('History', () => {
  it('keeps the last minute p95 wait of each category, a gap where none started', () => {
    const h = new History();
    h.addSnapshot(snap(category('a', { waitP95Ms: 40 }), category('b')), 1_000);
    h.addSnapshot(snap(category('a', { waitP95Ms: 55 }), category('b', { waitP95Ms: 7 })), 2_000);
    expect(h.columns('waitP95', 2_000)).toEqual([
      [1, 2],
      [40, 55],
      [null, 7],
    ]);
  });

  it('keeps one column per category, in first-seen order, zero where unknown', () => {
    const h = new History();
    h.addSnapshot(snap(category('a', { allocated: 2, queued: 5 })), 1_000);
    h.addSnapshot(snap(category('a', { allocated: 1 }), category('b', { allocated: 3 })), 2_000);
    expect(h.categories).toEqual(['a', 'b']);
    expect(h.columns('allocated', 2_000)).toEqual([
      [1, 2],
      [2, 1],
      [0, 3],
    ]);
    expect(h.columns('queued', 2_000, ['b', 'a'])).toEqual([
      [1, 2],
      [0, 0],
      [5, 0],
    ]);
  });

  it('records allocation events between snapshots, carrying the other metrics forward', () => {
    const h = new History();
    h.addSnapshot(snap(category('a', { allocated: 4, throughput: 7 })), 10_000);
    h.addAllocation({ at: new Date(10_500).toISOString(), allocation: { a: 1, c: 3 } }, 10_600);
    expect(h.categories).toEqual(['a', 'c']);
    expect(h.columns('allocated', 11_000)).toEqual([
      [10, 10.5],
      [4, 1],
      [0, 3],
    ]);
    expect(h.columns('throughput', 11_000)[1]).toEqual([7, 7]);
  });

  it('uses the browser clock when the server clock is far off', () => {
    const h = new History();
    h.addAllocation({ at: '2001-01-01T00:00:00.000Z', allocation: { a: 1 } }, 50_000);
    expect(h.columns('allocated', 50_000)[0]).toEqual([50]);
  });

  it('forgets samples older than the window and keeps x strictly increasing', () => {
    const h = new History({ windowMs: 10_000 });
    h.addSnapshot(snap(category('a')), 1_000);
    h.addSnapshot(snap(category('a')), 1_000);
    const [xs] = h.columns('allocated', 1_000);
    expect(xs).toHaveLength(2);
    expect(xs[1]).toBeGreaterThan(xs[0] ?? Infinity);
    h.addSnapshot(snap(category('a')), 20_000);
    expect(h.size).toBe(1);
    h.tick(25_000);
    expect(h.columns('allocated', 25_000)[0]).toEqual([20, 25]);
  });

  it('does nothing on a tick before the first sample', () => {
    const h = new History();
    h.tick(1_000);
    expect(h.size).toBe(0);
  });
});

describe('History by node', () => {
  it('keeps the threads allocated on each node, zero where a node is missing', () => {
    const h = new History();
    h.addSnapshot(nodeSnap(node('n1', { a: 2, b: 1 }), node('n2', {})), 1_000);
    h.addSnapshot(nodeSnap(node('n2', { a: 4 }), node('n3', { b: 1 })), 2_000);
    expect(h.nodes).toEqual(['n1', 'n2', 'n3']);
    expect(h.columns('nodeAllocated', 2_000, h.nodes)).toEqual([
      [1, 2],
      [3, 0],
      [0, 4],
      [0, 1],
    ]);
  });

  it('carries the nodes forward through allocation events and ticks', () => {
    const h = new History();
    h.addSnapshot(nodeSnap(node('n1', { a: 3 })), 10_000);
    h.addAllocation({ at: new Date(10_500).toISOString(), allocation: { a: 1 } }, 10_500);
    h.tick(12_000);
    expect(h.columns('nodeAllocated', 12_000, ['n1'])).toEqual([
      [10, 10.5, 12],
      [3, 3, 3],
    ]);
  });

  it('forgets a node once its last sample has left the window', () => {
    const h = new History({ windowMs: 10_000 });
    h.addSnapshot(nodeSnap(node('gone', { a: 1 }), node('stays', { a: 1 })), 1_000);
    h.addSnapshot(nodeSnap(node('stays', { a: 2 })), 5_000);
    expect(h.nodes).toEqual(['gone', 'stays']);
    h.addSnapshot(nodeSnap(node('stays', { a: 2 })), 12_000);
    expect(h.nodes).toEqual(['stays']);
  });

  it('forgets a node when a full buffer overwrites its last sample', () => {
    const h = new History({ capacity: 2 });
    h.addSnapshot(nodeSnap(node('gone', {})), 1_000);
    h.addSnapshot(nodeSnap(node('stays', {})), 2_000);
    expect(h.nodes).toEqual(['gone', 'stays']);
    h.addSnapshot(nodeSnap(node('stays', {})), 3_000);
    expect(h.nodes).toEqual(['stays']);
  });
});
