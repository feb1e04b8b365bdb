import { describe, expect, it } from 'vitest';
import { isCadreError } from './errors.js';
import {
  checkObserver,
  createdNoLaterThan,
  keepsEvaluation,
  observerTiming,
  savedObserver,
  type ObserverRequest,
} from './observers.js';
import { Ticks } from './ticks.js';

const T0 = Date.parse('2024-01-01T00:00:00Z');

function refusal(request: ObserverRequest): string {
  try {
    checkObserver(request);
  } catch (err) {
    if (isCadreError(err) && err.code === 'ERR_VALIDATION') return err.message;
    throw err;
  }
  throw new Error('expected a refusal');
}

describe('checkObserver', () => {
  it('keeps the known filters only, in one order', () => {
    const spec = checkObserver({
      name: 'stuck',
      query: { olderThanMs: 60_000, state: 'queued', extra: 1 } as never,
      everyMs: 5000,
    });
    expect(spec).toEqual({
      name: 'stuck',
      query: { state: 'queued', olderThanMs: 60_000 },
      everyMs: 5000,
      at: null,
      tz: null,
    });
    expect(Object.keys(spec.query)).toEqual(['state', 'olderThanMs']);
  });

  it.each<[string, ObserverRequest, string]>([
    [
      'both timings',
      { name: 'o', query: {}, everyMs: 1000, at: '09:00:00' },
      'exactly one of everyMs and at',
    ],
    ['no timing', { name: 'o', query: {} }, 'exactly one of everyMs and at'],
    [
      'a bad time of day',
      { name: 'o', query: {}, at: '24:00:00' },
      "at: must be a time of day 'HH:MM:SS'",
    ],
    ['a short time of day', { name: 'o', query: {}, at: '9:00' }, 'at: must be'],
    ['a bad zone', { name: 'o', query: {}, at: '09:00:00', tz: 'No/Where' }, 'tz: unknown'],
    [
      'a zone with everyMs',
      { name: 'o', query: {}, everyMs: 1000, tz: 'UTC' },
      'tz: a time zone applies',
    ],
    [
      'a bad state',
      { name: 'o', query: { state: 'lost' as never }, everyMs: 1000 },
      'query.state: ',
    ],
    [
      'a negative age',
      { name: 'o', query: { olderThanMs: -1 }, everyMs: 1000 },
      'query.olderThanMs: ',
    ],
    [
      'a query that is no object',
      { name: 'o', query: 3 as never, everyMs: 1000 },
      'query: must be an object',
    ],
    ['a period under 100 ms', { name: 'o', query: {}, everyMs: 10 }, 'everyMs: must be'],
  ])('refuses %s, naming it', (_, request, message) => {
    expect(refusal(request)).toContain(message);
  });
});

describe('observer timing', () => {
  it('runs daily at its time of day in its zone', () => {
    const ticks = new Ticks(observerTiming({ everyMs: null, at: '09:30:15', tz: 'Asia/Tokyo' }));
    // 09:30:15 in Tokyo (UTC+9) is 00:30:15 UTC.
    expect(new Date(ticks.next(T0)!).toISOString()).toBe('2024-01-01T00:30:15.000Z');
    expect(new Date(ticks.next(T0 + 3_600_000)!).toISOString()).toBe('2024-01-02T00:30:15.000Z');
  });

  it('or on its period', () => {
    const ticks = new Ticks(observerTiming({ everyMs: 5000, at: null, tz: null }));
    expect(ticks.next(T0 + 1)).toBe(T0 + 5000);
  });

  it('counts the jobs created at or before now - olderThanMs', () => {
    expect(createdNoLaterThan({ olderThanMs: 1000 }, T0)).toBe(T0 - 1000);
    expect(createdNoLaterThan({}, T0)).toBeNull();
  });
});

describe('an observer record', () => {
  const spec = checkObserver({ name: 'o', query: { state: 'failed' }, everyMs: 1000 });
  const created = savedObserver(null, spec, 'config', T0);

  it('keeps an evaluation of a tick after since, of its revision', () => {
    expect(keepsEvaluation(created, 1, T0 + 1000)).toBe(true);
    expect(keepsEvaluation(created, 1, T0)).toBe(false);
    expect(keepsEvaluation(created, 2, T0 + 1000)).toBe(false);
  });

  it('saving the same definition again changes nothing; another query is a new revision', () => {
    expect(savedObserver(created, { ...spec }, 'config', T0 + 1)).toBe(created);
    const changed = savedObserver(created, { ...spec, query: { state: 'queued' } }, 'config', T0);
    expect(changed).toMatchObject({ revision: 2, query: { state: 'queued' } });
  });
});
