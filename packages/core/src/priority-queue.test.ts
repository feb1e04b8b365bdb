import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PriorityQueue } from './priority-queue.js';

const queueOf = (...jobs: [string, number][]) => {
  const q = new PriorityQueue();
  for (const [id, p] of jobs) q.push(id, p);
  return q;
};

describe('PriorityQueue', () => {
  it('starts empty', () => {
    const q = new PriorityQueue();
    expect(q.size).toBe(0);
    expect(q.peek()).toBeUndefined();
    expect(q.shift()).toBeUndefined();
    expect([...q]).toEqual([]);
  });

  it('is a FIFO queue when every job has the same priority', () => {
    const q = queueOf(['a', 0], ['b', 0], ['c', 0]);
    expect(q.peek()).toBe('a');
    expect([q.shift(), q.shift(), q.shift(), q.shift()]).toEqual(['a', 'b', 'c', undefined]);
  });

  it('starts the highest priority first, FIFO among equals', () => {
    const q = queueOf(['a', 0], ['b', 5], ['c', -3], ['d', 5], ['e', 0], ['f', 100], ['g', -100]);
    expect([...q]).toEqual(['f', 'b', 'd', 'a', 'e', 'c', 'g']);
    const shifted: string[] = [];
    while (q.size > 0) shifted.push(q.shift()!);
    expect(shifted).toEqual(['f', 'b', 'd', 'a', 'e', 'c', 'g']);
  });

  it('a job pushed at a higher priority goes ahead of those waiting', () => {
    const q = queueOf(['a', 0], ['b', 0]);
    expect(q.shift()).toBe('a');
    q.push('c', 1);
    expect(q.peek()).toBe('c');
    q.push('d', 0);
    expect([...q]).toEqual(['c', 'b', 'd']);
  });

  it('removes any id at its priority, keeping the order of the others', () => {
    const q = queueOf(['a', 1], ['b', 0], ['c', 1], ['d', 0]);
    expect(q.remove('a', 1)).toBe(true);
    expect(q.remove('b', 1)).toBe(false); // not at that priority
    expect(q.remove('zzz', 0)).toBe(false);
    expect(q.has('a', 1)).toBe(false);
    expect(q.has('b', 0)).toBe(true);
    expect([...q]).toEqual(['c', 'b', 'd']);
    expect(q.remove('c', 1)).toBe(true);
    expect(q.peek()).toBe('b');
    expect(q.size).toBe(2);
  });

  it('holds an id once per priority: pushing it again moves it to the back', () => {
    const q = queueOf(['a', 2], ['b', 2], ['a', 2]);
    expect(q.size).toBe(2);
    expect([...q]).toEqual(['b', 'a']);
  });

  it('clamps a priority out of range, and reads one that is not an integer as 0', () => {
    const q = queueOf(['low', -1000], ['mid', 0.5], ['high', 1e9], ['zero', 0], ['nan', NaN]);
    expect([...q]).toEqual(['high', 'mid', 'zero', 'nan', 'low']);
    expect(q.remove('high', 100)).toBe(true);
    expect(q.remove('low', -100)).toBe(true);
    expect(q.remove('nan', NaN)).toBe(true);
    expect([...q]).toEqual(['mid', 'zero']);
  });

  it('finds the next priority down once the top one empties, and can be filled again', () => {
    const q = queueOf(['a', 90], ['b', -90]);
    expect(q.shift()).toBe('a');
    expect(q.peek()).toBe('b');
    expect(q.remove('b', -90)).toBe(true);
    expect(q.peek()).toBeUndefined();
    q.push('c', -5);
    expect(q.peek()).toBe('c');
  });

  it('behaves like a stable sort by priority under random operations', () => {
    const op = fc.oneof(
      fc.record({
        op: fc.constant('push' as const),
        id: fc.integer({ min: 0, max: 15 }),
        p: fc.integer({ min: -3, max: 3 }),
      }),
      fc.record({ op: fc.constant('shift' as const) }),
      fc.record({ op: fc.constant('remove' as const), id: fc.integer({ min: 0, max: 15 }) }),
    );
    fc.assert(
      fc.property(fc.array(op, { maxLength: 100 }), (ops) => {
        const q = new PriorityQueue();
        // The model: ids in the order they were (last) queued, with their priority.
        let model: { id: string; p: number }[] = [];
        const order = () => [...model].sort((a, b) => b.p - a.p).map((m) => m.id); // stable
        for (const o of ops) {
          if (o.op === 'push') {
            const id = `j${o.id}`;
            // The backend removes a queued job before it queues it again.
            const queued = model.find((m) => m.id === id);
            if (queued) q.remove(id, queued.p);
            q.push(id, o.p);
            model = [...model.filter((m) => m.id !== id), { id, p: o.p }];
          } else if (o.op === 'shift') {
            const next = order()[0];
            expect(q.shift()).toBe(next);
            model = model.filter((m) => m.id !== next);
          } else {
            const id = `j${o.id}`;
            const queued = model.find((m) => m.id === id);
            expect(q.remove(id, queued?.p ?? 0)).toBe(queued !== undefined);
            model = model.filter((m) => m.id !== id);
          }
          expect(q.size).toBe(model.length);
          expect(q.peek()).toBe(order()[0]);
        }
        expect([...q]).toEqual(order());
      }),
    );
  });
});
