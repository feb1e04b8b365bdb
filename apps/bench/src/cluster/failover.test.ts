import type { NodeView } from '@cadre/core';
import { describe, expect, it } from 'vitest';
import { readFailover } from './failover.js';

function node(name: string, allocation: Record<string, number>, leader = false): NodeView {
  return {
    name,
    tags: [],
    workers: 4,
    running: 0,
    allocation,
    leader,
    state: 'live',
    startedAt: '2026-11-30T08:00:00.000Z',
    heartbeatAt: '2026-11-30T08:00:01.000Z',
  };
}

const before = [
  node('a', { default: 4 }, true),
  node('b', { default: 4 }),
  node('c', { default: 4 }),
];

describe('readFailover', () => {
  it('sees nothing while the killed leader still holds the lead and the placement', () => {
    expect(readFailover(before, before, 'a')).toEqual({ newLeader: false, newAllocation: false });
  });

  it('sees a new leader before its placement', () => {
    const now = [
      node('a', { default: 4 }),
      node('b', { default: 4 }, true),
      node('c', { default: 4 }),
    ];
    expect(readFailover(before, now, 'a')).toEqual({ newLeader: true, newAllocation: false });
  });

  it('takes the dead node losing its slots, or leaving the list, as a new placement', () => {
    const emptied = [
      node('a', { default: 0 }),
      node('b', { default: 4 }, true),
      node('c', { default: 4 }),
    ];
    expect(readFailover(before, emptied, 'a')).toEqual({ newLeader: true, newAllocation: true });
    const gone = [node('b', { default: 4 }, true), node('c', { default: 4 })];
    expect(readFailover(before, gone, 'a').newAllocation).toBe(true);
  });

  it('takes slots moved between survivors as a new placement, whatever the key order', () => {
    const was = [node('a', { x: 1, y: 2 }, true), node('b', { y: 1, x: 2 })];
    const same = [node('a', { y: 2, x: 1 }), node('b', { x: 2, y: 1 }, true)];
    expect(readFailover(was, same, 'a')).toEqual({ newLeader: true, newAllocation: false });
    const moved = [node('a', { x: 1, y: 2 }), node('b', { x: 3, y: 1 }, true)];
    expect(readFailover(was, moved, 'a').newAllocation).toBe(true);
  });

  it('does not count the killed node, or a dead one, as the new leader', () => {
    const dead = { ...node('b', { default: 4 }, true), state: 'dead' as const };
    expect(readFailover(before, [node('a', {}, true), dead], 'a').newLeader).toBe(false);
  });
});
