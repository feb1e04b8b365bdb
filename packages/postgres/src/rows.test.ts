import { describe, expect, it } from 'vitest';
import { isoTime } from './rows.js';

describe('isoTime', () => {
  it('gives what toISOString gives, for every fraction PostgreSQL writes', () => {
    for (const [text, iso] of [
      ['2026-01-02 03:04:05+00', '2026-01-02T03:04:05.000Z'],
      ['2026-01-02 03:04:05.6+00', '2026-01-02T03:04:05.600Z'],
      ['2026-01-02 03:04:05.06+00', '2026-01-02T03:04:05.060Z'],
      ['2026-01-02 03:04:05.123+00', '2026-01-02T03:04:05.123Z'],
      ['2026-01-02 03:04:05.123456+00', '2026-01-02T03:04:05.123Z'],
      ['1970-01-01 00:00:00+00', '1970-01-01T00:00:00.000Z'],
    ]) {
      expect(isoTime(text!)).toBe(iso);
      expect(isoTime(text!)).toBe(new Date(iso!).toISOString());
    }
  });

  it('reads a year past 9999 and another offset through the full parser', () => {
    expect(isoTime('275760-09-13 00:00:00+00')).toBe(new Date(8.64e15).toISOString());
    expect(isoTime('2026-01-02 04:04:05.5+01')).toBe('2026-01-02T03:04:05.500Z');
  });
});
