import { describe, expect, it } from 'vitest';
import { Emitter } from './emitter.js';

interface Events {
  ping: (n: number) => void;
}

describe('Emitter', () => {
  it('calls listeners in order, and not once they are removed', () => {
    const e = new Emitter<Events>();
    const seen: string[] = [];
    const off = e.on('ping', (n) => seen.push(`a${n}`));
    e.on('ping', (n) => seen.push(`b${n}`));
    e.emit('ping', 1);
    off();
    e.emit('ping', 2);
    expect(seen).toEqual(['a1', 'b1', 'b2']);
  });

  it('lets a listener error reach the emitter by default', () => {
    const e = new Emitter<Events>();
    e.on('ping', () => {
      throw new Error('boom');
    });
    expect(() => e.emit('ping', 1)).toThrow('boom');
  });

  it('reports a listener error where asked, and still calls the others', () => {
    const errors: unknown[] = [];
    const e = new Emitter<Events>((err) => errors.push(err));
    const seen: number[] = [];
    e.on('ping', () => {
      throw new Error('boom');
    });
    e.on('ping', (n) => seen.push(n));
    e.emit('ping', 3);
    expect(seen).toEqual([3]);
    expect(errors).toHaveLength(1);
  });
});
