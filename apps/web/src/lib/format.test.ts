import { describe, expect, it } from 'vitest';
import {
  formatAgo,
  formatClock,
  formatCount,
  formatDuration,
  formatHeartbeatAge,
  formatJson,
  formatRate,
  formatRateLimit,
} from './format.js';

describe('formatCount', () => {
  it.each([
    [0, '0'],
    [7, '7'],
    [950, '950'],
    [999, '999'],
    [1000, '1k'],
    [1234, '1.2k'],
    [12_345, '12k'],
    [999_950, '1M'],
    [1_500_000, '1.5M'],
    [2_000_000_000, '2G'],
    [-1234, '-1.2k'],
    [2.5, '2.5'],
    [Number.NaN, '–'],
    [Number.POSITIVE_INFINITY, '–'],
  ])('%d → %s', (value, text) => {
    expect(formatCount(value)).toBe(text);
  });
});

describe('formatRate', () => {
  it.each([
    [0, '0/s'],
    [-1, '0/s'],
    [0.25, '0.25/s'],
    [0.5, '0.5/s'],
    [3, '3/s'],
    [12.4, '12/s'],
    [1234, '1.2k/s'],
    [Number.NaN, '0/s'],
  ])('%d → %s', (value, text) => {
    expect(formatRate(value)).toBe(text);
  });
});

describe('formatRateLimit', () => {
  it.each([
    [{ max: 5, perMs: 500 }, '5 per 500ms'],
    [{ max: 100, perMs: 1000 }, '100 per 1s'],
    [{ max: 1200, perMs: 60_000 }, '1.2k per 1m 00s'],
  ])('%j → %s', (limit, text) => {
    expect(formatRateLimit(limit)).toBe(text);
  });
});

describe('formatDuration', () => {
  it.each([
    [null, '–'],
    [-5, '–'],
    [850, '850ms'],
    [4200, '4.2s'],
    [4000, '4s'],
    [42_000, '42s'],
    [192_000, '3m 12s'],
    [7_500_000, '2h 05m'],
    [3 * 86_400_000 + 4 * 3_600_000, '3d 4h'],
  ])('%s → %s', (value, text) => {
    expect(formatDuration(value)).toBe(text);
  });
});

describe('formatClock and formatAgo', () => {
  it('shows local wall-clock time with milliseconds', () => {
    const at = new Date(2026, 0, 2, 3, 4, 5, 60);
    expect(formatClock(at.toISOString())).toBe('03:04:05.060');
    expect(formatClock(null)).toBe('–');
    expect(formatClock('not a date')).toBe('–');
  });

  it('says how long ago, or how long until', () => {
    const now = Date.parse('2026-01-01T00:01:00.000Z');
    expect(formatAgo('2026-01-01T00:00:30.000Z', now)).toBe('30s ago');
    expect(formatAgo('2026-01-01T00:01:02.000Z', now)).toBe('in 2s');
    expect(formatAgo('2026-01-01T00:01:00.400Z', now)).toBe('now');
    expect(formatAgo(null, now)).toBe('–');
  });
});

describe('formatHeartbeatAge', () => {
  const now = Date.parse('2026-01-01T00:10:00.000Z');

  it.each([
    ['2026-01-01T00:10:00.000Z', 'just now'],
    ['2026-01-01T00:09:59.001Z', 'just now'],
    ['2026-01-01T00:09:59.000Z', '1s ago'],
    ['2026-01-01T00:09:57.700Z', '2s ago'],
    ['2026-01-01T00:09:50.500Z', '9s ago'],
    ['2026-01-01T00:09:01.000Z', '59s ago'],
    ['2026-01-01T00:09:00.000Z', '1m 00s ago'],
    ['2026-01-01T00:06:48.000Z', '3m 12s ago'],
    ['2026-01-01T00:00:00.000Z', '10m 00s ago'],
    ['2025-12-31T22:00:00.000Z', '2h 10m ago'],
  ])('%s at 00:10:00 reads %s', (iso, text) => {
    expect(formatHeartbeatAge(iso, now)).toBe(text);
  });

  it('reads a heartbeat ahead of the page clock as just now', () => {
    expect(formatHeartbeatAge('2026-01-01T00:10:30.000Z', now)).toBe('just now');
  });

  it('shows a dash for no heartbeat or an unreadable one', () => {
    expect(formatHeartbeatAge(null, now)).toBe('–');
    expect(formatHeartbeatAge('', now)).toBe('–');
    expect(formatHeartbeatAge('yesterday', now)).toBe('–');
    expect(formatHeartbeatAge('2026-01-01T00:00:00.000Z', Number.NaN)).toBe('–');
  });
});

describe('formatJson', () => {
  it('pretty-prints and bounds huge values', () => {
    expect(formatJson({ a: 1 })).toBe('{\n  "a": 1\n}');
    expect(formatJson(null)).toBe('null');
    const big = formatJson('x'.repeat(50_000), 100);
    expect(big.length).toBeLessThan(130);
    expect(big).toContain('… (50k chars)');
  });
});
