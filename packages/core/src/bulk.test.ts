import { describe, expect, it } from 'vitest';
import { JOB_STATES, type Job, type JobState } from './job.js';
import { BULK_ACTIONS, allowsBulk, bulkStates } from './bulk.js';

const inState = (state: JobState) => ({ state }) as Job;

describe('allowsBulk', () => {
  it.each([
    ['retry', ['failed', 'cancelled']],
    ['cancel', ['waiting', 'delayed', 'queued', 'running', 'retrying']],
    ['delete', ['succeeded', 'failed', 'cancelled']],
  ] as const)('%s applies to %j and to nothing else', (action, states) => {
    const allowed = JOB_STATES.filter((s) => allowsBulk(inState(s), action));
    expect([...allowed].sort()).toEqual([...states].sort());
    expect([...bulkStates(action)].sort()).toEqual([...states].sort());
  });

  it('knows every action', () => {
    expect(BULK_ACTIONS).toEqual(['retry', 'cancel', 'delete']);
  });
});
