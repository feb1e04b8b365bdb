import { describe, expect, it } from 'vitest';
import { JOB_STATES, canCancel, canRetry, isFinished } from './job-states.js';

describe('job state actions', () => {
  it('offers cancel until a job finishes (a waiting callback too) and retry only after it failed or was cancelled', () => {
    const table = JOB_STATES.map((s) => [s, canCancel(s), canRetry(s), isFinished(s)]);
    expect(table).toEqual([
      ['waiting', true, false, false],
      ['delayed', true, false, false],
      ['queued', true, false, false],
      ['running', true, false, false],
      ['retrying', true, false, false],
      ['succeeded', false, false, true],
      ['failed', false, true, true],
      ['cancelled', false, true, true],
    ]);
  });
});
