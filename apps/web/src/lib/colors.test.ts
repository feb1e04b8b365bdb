import { describe, expect, it } from 'vitest';
import { PALETTE, assignColors, hashName, withAlpha } from './colors.js';

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
