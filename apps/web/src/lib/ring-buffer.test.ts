import { describe, expect, it } from 'vitest';
import { RingBuffer } from './ring-buffer.js';

describe('RingBuffer', () => {
  it('keeps the newest items, oldest first', () => {
    const ring = new RingBuffer<number>(3);
    expect(ring.toArray()).toEqual([]);
    expect(ring.last()).toBeUndefined();
    for (let i = 1; i <= 5; i++) ring.push(i);
    expect(ring.size).toBe(3);
    expect(ring.toArray()).toEqual([3, 4, 5]);
    expect(ring.last()).toBe(5);
  });

  it('drops old items from the front', () => {
    const ring = new RingBuffer<number>(4);
    for (let i = 1; i <= 6; i++) ring.push(i);
    ring.dropWhile((n) => n < 5);
    expect(ring.toArray()).toEqual([5, 6]);
    ring.push(7);
    expect(ring.toArray()).toEqual([5, 6, 7]);
    ring.dropWhile(() => true);
    expect(ring.size).toBe(0);
    expect(ring.last()).toBeUndefined();
  });

  it('rejects a capacity that is not a positive integer', () => {
    expect(() => new RingBuffer(0)).toThrow('capacity must be a positive integer');
    expect(() => new RingBuffer(1.5)).toThrow('capacity must be a positive integer');
  });
});
