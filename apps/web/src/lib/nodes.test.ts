import type { NodeView } from '@cadre/client';
import { describe, expect, it } from 'vitest';
import { allocatedThreads, allocationShares, sortNodes } from './nodes.js';

function node(name: string, over: Partial<NodeView> = {}): NodeView {
  return {
    name,
    tags: [],
    workers: 4,
    running: 0,
    allocation: {},
    leader: false,
    state: 'live',
    startedAt: '2026-01-01T00:00:00.000Z',
    heartbeatAt: '2026-01-01T00:00:00.000Z',
    ...over,
  };
}

describe('sortNodes', () => {
  it('puts the leader first, then live nodes, then dead ones, each by name', () => {
    const sorted = sortNodes([
      node('d', { state: 'dead' }),
      node('b'),
      node('z', { leader: true }),
      node('a', { state: 'dead' }),
      node('c'),
    ]);
    expect(sorted.map((n) => n.name)).toEqual(['z', 'b', 'c', 'a', 'd']);
  });

  it('leaves its argument alone', () => {
    const nodes = [node('b'), node('a')];
    sortNodes(nodes);
    expect(nodes.map((n) => n.name)).toEqual(['b', 'a']);
  });
});

describe('allocatedThreads', () => {
  it('adds up the slots of every category', () => {
    expect(allocatedThreads({ a: 2, b: 1, c: 0 })).toBe(3);
    expect(allocatedThreads({})).toBe(0);
  });
});

describe('allocationShares', () => {
  it('keeps the categories with threads, in the dashboard’s order, strangers last by name', () => {
    expect(
      allocationShares({ zeta: 1, images: 2, default: 1, alpha: 3, email: 0 }, [
        'default',
        'email',
        'reports',
        'images',
      ]),
    ).toEqual([
      { category: 'default', slots: 1 },
      { category: 'images', slots: 2 },
      { category: 'alpha', slots: 3 },
      { category: 'zeta', slots: 1 },
    ]);
  });
});
