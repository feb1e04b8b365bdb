import { describe, expect, it } from 'vitest';
import { UsageError } from './errors.js';
import { DEFAULT_MIX, interleave, isPicked, parseMix } from './mix.js';

describe('parseMix', () => {
  it('parses category:task:share entries', () => {
    expect(parseMix('reports:fib:3,images:sleep:2,email:echo:1')).toEqual([
      { category: 'reports', task: 'fib', share: 3 },
      { category: 'images', task: 'sleep', share: 2 },
      { category: 'email', task: 'echo', share: 1 },
    ]);
  });

  it('takes a missing share as 1, decimals, and stray spaces and commas', () => {
    expect(parseMix(' default:echo , reports:fib:0.5,')).toEqual([
      { category: 'default', task: 'echo', share: 1 },
      { category: 'reports', task: 'fib', share: 0.5 },
    ]);
  });

  it('parses the default mix', () => {
    expect(parseMix(DEFAULT_MIX).map((e) => e.category)).toEqual([
      'default',
      'email',
      'reports',
      'images',
    ]);
  });

  it.each([
    ['', /at least one/],
    ['reports', /not category:task:share/],
    ['reports:fib:3:4', /not category:task:share/],
    [':fib:3', /not category:task:share/],
    ['reports:fib:0', /share in 'reports:fib:0' must be a number > 0/],
    ['reports:fib:x', /must be a number > 0/],
    ['reports:fib:', /must be a number > 0/],
    ['reports:fib,reports:fib:2', /'reports:fib' is given twice/],
  ])('refuses %j', (text, message) => {
    expect(() => parseMix(text)).toThrow(UsageError);
    expect(() => parseMix(text)).toThrow(message);
  });
});

describe('interleave', () => {
  it('follows the shares exactly over a whole cycle, spreading like entries', () => {
    expect([...interleave([3, 2, 1], 6)]).toEqual([0, 1, 0, 2, 1, 0]);
  });

  it('keeps every prefix within one job of the shares', () => {
    const shares = [3, 2, 1.5, 0.5];
    const total = shares.reduce((a, b) => a + b, 0);
    const order = interleave(shares, 1000);
    const counts = shares.map(() => 0);
    order.forEach((entry, i) => {
      counts[entry] = (counts[entry] ?? 0) + 1;
      shares.forEach((share, e) => {
        expect(Math.abs((counts[e] ?? 0) - ((i + 1) * share) / total)).toBeLessThan(1.5);
      });
    });
  });

  it('is deterministic', () => {
    expect(interleave([1, 4], 50)).toEqual(interleave([1, 4], 50));
  });
});

describe('isPicked', () => {
  const picked = (n: number, f: number, phase?: number) =>
    Array.from({ length: n }, (_, i) => isPicked(i, f, phase)).filter(Boolean).length;

  it('picks the share of jobs, evenly', () => {
    expect(picked(100, 0.1)).toBe(10);
    expect(picked(200, 0.25)).toBe(50);
    expect(picked(10, 0)).toBe(0);
    expect(picked(10, 1)).toBe(10);
    expect(Array.from({ length: 10 }, (_, i) => isPicked(i, 0.5))).toEqual([
      false,
      true,
      false,
      true,
      false,
      true,
      false,
      true,
      false,
      true,
    ]);
  });

  it('picks other jobs with another phase', () => {
    const a = Array.from({ length: 20 }, (_, i) => isPicked(i, 0.1));
    const b = Array.from({ length: 20 }, (_, i) => isPicked(i, 0.1, 0.5));
    expect(b.filter(Boolean)).toHaveLength(2);
    expect(a.some((x, i) => x && b[i])).toBe(false);
  });
});
