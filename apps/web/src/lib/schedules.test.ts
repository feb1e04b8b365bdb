import type { ObserverResult } from '@cadre/client';
import { describe, expect, it } from 'vitest';
import { describeQuery, describeTiming, relativeTime, withResult } from './schedules.js';

const NOW = Date.parse('2026-01-01T12:00:00.000Z');

describe('describeTiming', () => {
  it('names a period, a cron expression with its zone, or a time of day', () => {
    expect(describeTiming({ cron: null, everyMs: 5000, tz: null })).toBe('every 5s');
    expect(describeTiming({ cron: '0 9 * * *', everyMs: null, tz: 'Europe/Paris' })).toBe(
      'cron 0 9 * * * (Europe/Paris)',
    );
    expect(describeTiming({ cron: '*/5 * * * * *', everyMs: null, tz: null })).toBe(
      'cron */5 * * * * * (UTC)',
    );
    expect(describeTiming({ at: '09:00:00', everyMs: null, tz: null })).toBe(
      'daily at 09:00:00 (UTC)',
    );
  });
});

describe('relativeTime', () => {
  it('says in how long, how long ago, or now', () => {
    expect(relativeTime('2026-01-01T12:00:12.000Z', NOW)).toBe('in 12s');
    expect(relativeTime('2026-01-01T11:56:56.000Z', NOW)).toBe('3m 04s ago');
    expect(relativeTime('2026-01-01T12:00:00.400Z', NOW)).toBe('now');
    expect(relativeTime(null, NOW)).toBe('–');
    expect(relativeTime('not a time', NOW)).toBe('–');
  });
});

describe('describeQuery', () => {
  it('lists the filters in words', () => {
    expect(describeQuery({})).toBe('every job');
    expect(describeQuery({ state: 'queued', category: 'email', olderThanMs: 300_000 })).toBe(
      'state=queued, category=email, older than 5m 00s',
    );
    expect(describeQuery({ task: 'fib' })).toBe('task=fib');
  });
});

describe('withResult', () => {
  const r = (name: string, at: string, count: number): ObserverResult => ({
    name,
    at,
    count,
    ids: [],
  });

  it('keeps the newest result of each observer', () => {
    let latest: ReadonlyMap<string, ObserverResult> = new Map();
    latest = withResult(latest, r('a', '2026-01-01T12:00:01.000Z', 1));
    latest = withResult(latest, r('b', '2026-01-01T12:00:00.000Z', 7));
    const before = latest;
    expect(withResult(latest, r('a', '2026-01-01T12:00:00.000Z', 0))).toBe(before);
    latest = withResult(latest, r('a', '2026-01-01T12:00:02.000Z', 2));
    expect([...latest.values()].map((x) => [x.name, x.count])).toEqual([
      ['a', 2],
      ['b', 7],
    ]);
  });
});
