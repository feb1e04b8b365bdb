import type { CategoryView } from '@cadre/client';
import { describe, expect, it } from 'vitest';
import { draftToPatch, toDraft } from './category-draft.js';

const current: CategoryView = {
  name: 'reports',
  weight: 3,
  minWorkers: 0,
  maxWorkers: null,
  paused: false,
  concurrency: 1,
  orphaned: false,
  delayed: 0,
  queued: 0,
  running: 0,
  retrying: 0,
  allocated: 0,
  succeeded: 0,
  failed: 0,
  cancelled: 0,
  throughput: 0,
};

describe('category settings draft', () => {
  it('round-trips the current values into an empty patch', () => {
    expect(toDraft(current)).toEqual({ weight: '3', minWorkers: '0', maxWorkers: '' });
    expect(draftToPatch(toDraft(current), current)).toEqual({});
  });

  it('patches only what changed', () => {
    expect(draftToPatch({ weight: '0.5', minWorkers: '1', maxWorkers: '' }, current)).toEqual({
      weight: 0.5,
      minWorkers: 1,
    });
    expect(draftToPatch({ weight: '3', minWorkers: '0', maxWorkers: '2' }, current)).toEqual({
      maxWorkers: 2,
    });
    expect(
      draftToPatch(
        { weight: '3', minWorkers: '0', maxWorkers: ' ' },
        { ...current, maxWorkers: 4 },
      ),
    ).toEqual({ maxWorkers: null });
  });

  it.each([
    [{ weight: '0', minWorkers: '0', maxWorkers: '' }, 'Weight must be a number above 0.'],
    [{ weight: 'x', minWorkers: '0', maxWorkers: '' }, 'Weight must be a number above 0.'],
    [{ weight: '1', minWorkers: '-1', maxWorkers: '' }, 'Min workers must be a whole number ≥ 0.'],
    [{ weight: '1', minWorkers: '1.5', maxWorkers: '' }, 'Min workers must be a whole number ≥ 0.'],
    [
      { weight: '1', minWorkers: '0', maxWorkers: 'lots' },
      'Max workers must be a whole number ≥ 1, or empty for no limit.',
    ],
    [
      { weight: '1', minWorkers: '0', maxWorkers: '0' },
      'Max workers must be a whole number ≥ 1, or empty for no limit.',
    ],
    [{ weight: '1', minWorkers: '3', maxWorkers: '2' }, 'Max workers cannot be below min workers.'],
  ])('rejects %j', (draft, message) => {
    expect(draftToPatch(draft, current)).toBe(message);
  });
});
