import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DelayQueue } from './delay-queue.js';

describe('DelayQueue', () => {
  it('starts empty', () => {
    const q = new DelayQueue();
    expect(q.size).toBe(0);
    expect(q.nextDueAt()).toBeNull();
    expect(q.takeDue(Number.MAX_SAFE_INTEGER)).toEqual([]);
  });

  it('takes ids in order of dueAt, whatever the order they were added in', () => {
    const q = new DelayQueue();
    q.add('c', 300);
    q.add('a', 100);
    q.add('d', 400);
    q.add('b', 200);
    expect(q.nextDueAt()).toBe(100);
    expect(q.takeDue(1000)).toEqual(['a', 'b', 'c', 'd']);
    expect(q.size).toBe(0);
  });

  it('keeps arrival order among ids due at the same instant', () => {
    const q = new DelayQueue();
    for (const id of ['e', 'b', 'd', 'a', 'c']) q.add(id, 500);
    q.add('first', 100);
    expect(q.takeDue(500)).toEqual(['first', 'e', 'b', 'd', 'a', 'c']);
  });

  it('takes only what is due at or before now', () => {
    const q = new DelayQueue();
    q.add('a', 100);
    q.add('b', 200);
    q.add('c', 201);
    expect(q.takeDue(99)).toEqual([]);
    expect(q.takeDue(200)).toEqual(['a', 'b']);
    expect(q.nextDueAt()).toBe(201);
    expect(q.has('a')).toBe(false);
    expect(q.has('c')).toBe(true);
    expect(q.size).toBe(1);
  });

  it('removes lazily: a removed id is never taken and no longer counts', () => {
    const q = new DelayQueue();
    q.add('a', 100);
    q.add('b', 200);
    expect(q.remove('a')).toBe(true);
    expect(q.remove('a')).toBe(false);
    expect(q.remove('never')).toBe(false);
    expect(q.has('a')).toBe(false);
    expect(q.size).toBe(1);
    expect(q.nextDueAt()).toBe(200);
    expect(q.takeDue(1000)).toEqual(['b']);
  });

  it('replaces an earlier schedule when an id is added again', () => {
    const q = new DelayQueue();
    q.add('a', 100);
    q.add('b', 200);
    q.add('a', 300);
    expect(q.size).toBe(2);
    expect(q.nextDueAt()).toBe(200);
    expect(q.takeDue(250)).toEqual(['b']);
    expect(q.takeDue(300)).toEqual(['a']);
  });

  it('can bring a schedule forward', () => {
    const q = new DelayQueue();
    q.add('a', 100);
    q.add('b', 500);
    q.add('b', 50);
    expect(q.takeDue(60)).toEqual(['b']);
    expect(q.takeDue(100)).toEqual(['a']);
  });

  it('re-adding an id at the same dueAt moves it behind the others due then', () => {
    const q = new DelayQueue();
    q.add('a', 100);
    q.add('b', 100);
    q.add('a', 100);
    expect(q.takeDue(100)).toEqual(['b', 'a']);
  });

  it('can add an id again after it was taken or removed', () => {
    const q = new DelayQueue();
    q.add('a', 100);
    q.takeDue(100);
    q.add('a', 200);
    q.add('b', 50);
    q.remove('b');
    q.add('b', 150);
    expect(q.takeDue(300)).toEqual(['b', 'a']);
  });

  it('stays correct through many reschedules (which compact the heap)', () => {
    const q = new DelayQueue();
    for (let round = 0; round < 50; round++) {
      for (let i = 0; i < 20; i++) q.add(`j${i}`, 1000 + ((i * 7 + round) % 20));
    }
    expect(q.size).toBe(20);
    const taken = q.takeDue(10_000);
    expect(taken).toHaveLength(20);
    expect(new Set(taken).size).toBe(20);
    const dueOf = (id: string) => 1000 + ((Number(id.slice(1)) * 7 + 49) % 20);
    const dues = taken.map(dueOf);
    expect(dues).toEqual([...dues].sort((a, b) => a - b));
  });

  it('behaves like a sorted array under random add, remove and takeDue', () => {
    type Op =
      | { op: 'add'; id: number; dueAt: number }
      | { op: 'remove'; id: number }
      | { op: 'takeDue'; now: number };
    const arbOp: fc.Arbitrary<Op> = fc.oneof(
      {
        arbitrary: fc.record({
          op: fc.constant('add' as const),
          id: fc.nat(30),
          dueAt: fc.nat(100),
        }),
        weight: 5,
      },
      { arbitrary: fc.record({ op: fc.constant('remove' as const), id: fc.nat(30) }), weight: 2 },
      {
        arbitrary: fc.record({ op: fc.constant('takeDue' as const), now: fc.nat(110) }),
        weight: 1,
      },
    );
    fc.assert(
      fc.property(fc.array(arbOp, { maxLength: 300 }), (ops) => {
        const q = new DelayQueue();
        // The model: live entries kept sorted by (dueAt, arrival).
        let model: { id: string; dueAt: number; seq: number }[] = [];
        let seq = 0;
        for (const o of ops) {
          if (o.op === 'add') {
            const id = `j${o.id}`;
            q.add(id, o.dueAt);
            model = model.filter((e) => e.id !== id);
            model.push({ id, dueAt: o.dueAt, seq: seq++ });
            model.sort((a, b) => a.dueAt - b.dueAt || a.seq - b.seq);
          } else if (o.op === 'remove') {
            const id = `j${o.id}`;
            expect(q.remove(id)).toBe(model.some((e) => e.id === id));
            model = model.filter((e) => e.id !== id);
          } else {
            const due = model.filter((e) => e.dueAt <= o.now).map((e) => e.id);
            model = model.filter((e) => e.dueAt > o.now);
            expect(q.takeDue(o.now)).toEqual(due);
          }
          expect(q.size).toBe(model.length);
          expect(q.nextDueAt()).toBe(model[0]?.dueAt ?? null);
        }
        for (const e of model) expect(q.has(e.id)).toBe(true);
        expect(q.takeDue(Infinity)).toEqual(model.map((e) => e.id));
      }),
      { numRuns: 300 },
    );
  });
});
