import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FifoQueue } from './fifo-queue.js';

const queueOf = (...ids: string[]) => {
  const q = new FifoQueue();
  for (const id of ids) q.push(id);
  return q;
};

describe('FifoQueue', () => {
  it('starts empty', () => {
    const q = new FifoQueue();
    expect(q.size).toBe(0);
    expect(q.peek()).toBeUndefined();
    expect(q.shift()).toBeUndefined();
    expect([...q]).toEqual([]);
  });

  it('shifts in the order pushed', () => {
    const q = queueOf('a', 'b', 'c');
    expect(q.peek()).toBe('a');
    expect([q.shift(), q.shift(), q.shift(), q.shift()]).toEqual(['a', 'b', 'c', undefined]);
    expect(q.size).toBe(0);
  });

  it('peek does not remove', () => {
    const q = queueOf('a', 'b');
    expect(q.peek()).toBe('a');
    expect(q.peek()).toBe('a');
    expect(q.size).toBe(2);
  });

  it('removes any id, keeping the order of the others', () => {
    const q = queueOf('a', 'b', 'c', 'd');
    expect(q.remove('c')).toBe(true);
    expect(q.remove('a')).toBe(true);
    expect(q.remove('zzz')).toBe(false);
    expect(q.has('a')).toBe(false);
    expect(q.has('b')).toBe(true);
    expect([...q]).toEqual(['b', 'd']);
    expect(q.size).toBe(2);
  });

  it('holds an id once: pushing it again moves it to the back', () => {
    const q = queueOf('a', 'b', 'a');
    expect(q.size).toBe(2);
    expect([...q]).toEqual(['b', 'a']);
  });

  it('can be pushed to after being emptied', () => {
    const q = queueOf('a');
    q.shift();
    q.push('b');
    expect([...q]).toEqual(['b']);
  });

  it('behaves like an array model under random operations', () => {
    const op = fc.oneof(
      fc.record({ op: fc.constant('push' as const), id: fc.integer({ min: 0, max: 15 }) }),
      fc.record({ op: fc.constant('shift' as const) }),
      fc.record({ op: fc.constant('remove' as const), id: fc.integer({ min: 0, max: 15 }) }),
    );
    fc.assert(
      fc.property(fc.array(op, { maxLength: 80 }), (ops) => {
        const q = new FifoQueue();
        let model: string[] = [];
        for (const o of ops) {
          if (o.op === 'push') {
            q.push(`j${o.id}`);
            model = [...model.filter((x) => x !== `j${o.id}`), `j${o.id}`];
          } else if (o.op === 'shift') {
            expect(q.shift()).toBe(model.shift());
          } else {
            expect(q.remove(`j${o.id}`)).toBe(model.includes(`j${o.id}`));
            model = model.filter((x) => x !== `j${o.id}`);
          }
          expect(q.size).toBe(model.length);
          expect(q.peek()).toBe(model[0]);
          expect(q.backingLength).toBeLessThanOrEqual(4 * q.size + 2048);
        }
        expect([...q]).toEqual(model);
      }),
      { numRuns: 300 },
    );
  });
});

describe('FifoQueue at scale', () => {
  it('keeps order and size through many removals from the middle and the front', () => {
    const q = new FifoQueue();
    for (let i = 0; i < 10_000; i++) q.push(`j${i}`);
    for (let i = 0; i < 10_000; i += 3) q.remove(`j${i}`);
    const kept = Array.from({ length: 10_000 }, (_, i) => `j${i}`).filter((_, i) => i % 3 !== 0);
    expect(q.size).toBe(kept.length);
    for (const id of kept.slice(0, 100)) expect(q.shift()).toBe(id);
    const rest = [...q];
    expect(rest).toEqual(kept.slice(100));
    expect(rest.length).toBe(q.size);
    expect(rest.every((id) => Number(id.slice(1)) % 3 !== 0)).toBe(true);
    expect(rest).toEqual([...rest].sort((a, b) => Number(a.slice(1)) - Number(b.slice(1))));
  });

  // The engine takes a job with peek() and then remove() of that id (leaving
  // `queued`), while new submissions keep a backlog: the queue never empties.
  it('stays bounded and in order when the head is taken by peek + remove under a lasting backlog', () => {
    const backlog = 1000;
    const q = new FifoQueue();
    let pushed = 0;
    while (pushed < backlog) q.push(`j${pushed++}`);
    let outOfOrder = 0;
    let largest = 0;
    for (let taken = 0; taken < 200_000; taken++) {
      const id = q.peek()!;
      if (id !== `j${taken}`) outOfOrder += 1;
      q.remove(id);
      q.push(`j${pushed++}`);
      largest = Math.max(largest, q.backingLength);
    }
    expect(outOfOrder).toBe(0);
    expect(q.size).toBe(backlog);
    expect(q.peek()).toBe('j200000');
    expect(largest).toBeLessThanOrEqual(4 * backlog + 2048);
  });

  it('stays bounded when queued ids are pushed again and again', () => {
    const q = queueOf('a', 'b', 'c');
    for (let i = 0; i < 200_000; i++) q.push(['a', 'b', 'c'][i % 3]!);
    expect([...q]).toEqual(['c', 'a', 'b']);
    expect(q.backingLength).toBeLessThanOrEqual(4 * 3 + 2048);
  });
});
