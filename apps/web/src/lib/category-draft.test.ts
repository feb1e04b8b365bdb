import type { CategoryView } from '@cadre/client';
import { describe, expect, it } from 'vitest';
import { draftToPatch, overTarget, toDraft, type Draft } from './category-draft.js';

const current: CategoryView = {
  name: 'reports',
  weight: 3,
  minWorkers: 0,
  maxWorkers: null,
  paused: false,
  concurrency: 1,
  rateLimit: null,
  rateLimited: false,
  orphaned: false,
  waiting: 0,
  delayed: 0,
  queued: 0,
  running: 0,
  retrying: 0,
  allocated: 0,
  succeeded: 0,
  failed: 0,
  cancelled: 0,
  throughput: 0,
  targetWaitMs: null,
  waitP50Ms: null,
  waitP95Ms: null,
};

/** The current values as the form shows them, with `change` typed over them. */
const draft = (change: Partial<Draft>): Draft => ({ ...toDraft(current), ...change });

describe('category settings draft', () => {
  it('round-trips the current values into an empty patch', () => {
    expect(toDraft(current)).toEqual({
      weight: '3',
      minWorkers: '0',
      maxWorkers: '',
      concurrency: '1',
      rateMax: '',
      ratePerMs: '',
      targetWaitMs: '',
    });
    expect(draftToPatch(toDraft(current), current)).toEqual({});
    const email = { ...current, maxWorkers: 4, concurrency: 50 };
    expect(toDraft(email)).toMatchObject({ maxWorkers: '4', concurrency: '50' });
    expect(draftToPatch(toDraft(email), email)).toEqual({});
    const limited = { ...current, rateLimit: { max: 5, perMs: 500 } };
    expect(toDraft(limited)).toMatchObject({ rateMax: '5', ratePerMs: '500' });
    expect(draftToPatch(toDraft(limited), limited)).toEqual({});
  });

  it('sets, changes and lifts a rate limit', () => {
    expect(draftToPatch(draft({ rateMax: '5', ratePerMs: ' 500 ' }), current)).toEqual({
      rateLimit: { max: 5, perMs: 500 },
    });
    const limited = { ...current, rateLimit: { max: 5, perMs: 500 } };
    expect(draftToPatch({ ...toDraft(limited), ratePerMs: '1000' }, limited)).toEqual({
      rateLimit: { max: 5, perMs: 1000 },
    });
    expect(draftToPatch({ ...toDraft(limited), rateMax: '', ratePerMs: '' }, limited)).toEqual({
      rateLimit: null,
    });
  });

  it('sets, changes and clears a wait target', () => {
    expect(draftToPatch(draft({ targetWaitMs: ' 250 ' }), current)).toEqual({ targetWaitMs: 250 });
    const targeted = { ...current, targetWaitMs: 250 };
    expect(toDraft(targeted).targetWaitMs).toBe('250');
    expect(draftToPatch(toDraft(targeted), targeted)).toEqual({});
    expect(draftToPatch({ ...toDraft(targeted), targetWaitMs: '' }, targeted)).toEqual({
      targetWaitMs: null,
    });
  });

  it('tells a category over its target: p95 wait of the last minute above it', () => {
    expect(overTarget({ targetWaitMs: 100, waitP95Ms: 150 })).toBe(true);
    expect(overTarget({ targetWaitMs: 100, waitP95Ms: 100 })).toBe(false);
    expect(overTarget({ targetWaitMs: null, waitP95Ms: 150 })).toBe(false);
    expect(overTarget({ targetWaitMs: 100, waitP95Ms: null })).toBe(false);
  });

  it('patches only what changed', () => {
    expect(draftToPatch(draft({ weight: '0.5', minWorkers: '1' }), current)).toEqual({
      weight: 0.5,
      minWorkers: 1,
    });
    expect(draftToPatch(draft({ maxWorkers: '2' }), current)).toEqual({ maxWorkers: 2 });
    expect(draftToPatch(draft({ maxWorkers: ' ' }), { ...current, maxWorkers: 4 })).toEqual({
      maxWorkers: null,
    });
    expect(draftToPatch(draft({ concurrency: '50' }), current)).toEqual({ concurrency: 50 });
    expect(draftToPatch(draft({ concurrency: ' 1000 ' }), current)).toEqual({ concurrency: 1000 });
    expect(draftToPatch(draft({ concurrency: '1' }), { ...current, concurrency: 50 })).toEqual({
      concurrency: 1,
    });
  });

  const concurrencyMessage = 'Concurrency (jobs per thread) must be a whole number from 1 to 1000.';

  it.each<[Partial<Draft>, string]>([
    [{ weight: '0' }, 'Weight must be a number above 0.'],
    [{ weight: 'x' }, 'Weight must be a number above 0.'],
    [{ weight: '1', minWorkers: '-1' }, 'Min workers must be a whole number ≥ 0.'],
    [{ weight: '1', minWorkers: '1.5' }, 'Min workers must be a whole number ≥ 0.'],
    [{ maxWorkers: 'lots' }, 'Max workers must be a whole number ≥ 1, or empty for no limit.'],
    [{ maxWorkers: '0' }, 'Max workers must be a whole number ≥ 1, or empty for no limit.'],
    [{ minWorkers: '3', maxWorkers: '2' }, 'Max workers cannot be below min workers.'],
    [{ concurrency: '0' }, concurrencyMessage],
    [{ concurrency: '1.5' }, concurrencyMessage],
    [{ concurrency: '1001' }, concurrencyMessage],
    [{ concurrency: '-3' }, concurrencyMessage],
    [{ concurrency: 'many' }, concurrencyMessage],
    [{ concurrency: '' }, concurrencyMessage],
    [
      { rateMax: '5' },
      'A rate limit needs both its starts and its window in ms (or neither, for no limit).',
    ],
    [
      { ratePerMs: '500' },
      'A rate limit needs both its starts and its window in ms (or neither, for no limit).',
    ],
    [
      { rateMax: '0', ratePerMs: '500' },
      'Rate limit starts must be a whole number from 1 to 1000000.',
    ],
    [
      { rateMax: '2.5', ratePerMs: '500' },
      'Rate limit starts must be a whole number from 1 to 1000000.',
    ],
    [
      { rateMax: '5', ratePerMs: '0' },
      'Rate limit window must be a whole number of ms from 1 to 86400000.',
    ],
    [
      { rateMax: '5', ratePerMs: 'soon' },
      'Rate limit window must be a whole number of ms from 1 to 86400000.',
    ],
    [
      { targetWaitMs: '0' },
      'Target wait must be a number of ms above 0 and at most 86400000, or empty for none.',
    ],
    [
      { targetWaitMs: 'soon' },
      'Target wait must be a number of ms above 0 and at most 86400000, or empty for none.',
    ],
  ])('rejects %j', (change, message) => {
    expect(draftToPatch(draft(change), current)).toBe(message);
  });
});
