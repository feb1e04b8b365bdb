import { describe, expect, it } from 'vitest';
import { PALETTE, assignColors, extendColors, hashName, withAlpha } from './colors.js';

describe('assignColors', () => {
  it('gives the listed categories distinct colours in order', () => {
    const colors = assignColors(['default', 'email', 'reports', 'images']);
    expect([...colors.values()]).toEqual(PALETTE.slice(0, 4));
  });

  it('is stable for the same list and ignores duplicates', () => {
    const a = assignColors(['x', 'y', 'x']);
    expect(a.size).toBe(2);
    expect(assignColors(['x', 'y'])).toEqual(a);
  });

  it('still colours every category past the palette size', () => {
    const names = Array.from({ length: 25 }, (_, i) => `c${i}`);
    const colors = assignColors(names);
    expect(colors.size).toBe(25);
    expect(new Set(colors.values()).size).toBe(PALETTE.length);
  });
});

describe('extendColors', () => {
  it('keeps the colours already given and gives newcomers the free ones', () => {
    const first = extendColors(new Map(), ['a', 'b', 'c']);
    expect([...first.values()]).toEqual(PALETTE.slice(0, 3));
    // 'a' leaves, 'd' joins, the order changes: b and c keep theirs, d takes a's.
    const next = extendColors(first, ['d', 'c', 'b']);
    expect(next.get('b')).toBe(PALETTE[1]);
    expect(next.get('c')).toBe(PALETTE[2]);
    expect(next.get('d')).toBe(PALETTE[0]);
    expect(next.has('a')).toBe(false);
  });

  it('colours every name past the palette size', () => {
    const names = Array.from({ length: 14 }, (_, i) => `n${i}`);
    const colors = extendColors(new Map(), names);
    expect(colors.size).toBe(14);
    expect(new Set(colors.values()).size).toBe(PALETTE.length);
  });
});

describe('hashName and withAlpha', () => {
  it('hashes deterministically to an unsigned 32-bit number', () => {
    expect(hashName('email')).toBe(hashName('email'));
    expect(hashName('email')).not.toBe(hashName('images'));
    expect(hashName('')).toBeGreaterThanOrEqual(0);
  });

  it('turns a hex colour into rgba', () => {
    expect(withAlpha('#6366f1', 0.5)).toBe('rgba(99, 102, 241, 0.5)');
  });
});
