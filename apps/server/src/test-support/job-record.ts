import { createJob, type Job } from '@cadre/core';

/** 2026-01-01T00:00:00.000Z: the time a test's job records count from. */
export const T0 = Date.parse('2026-01-01T00:00:00.000Z');

/** A job record made at T0 (queued `echo` in `default`, id j1) with `changes` over it. */
export function jobRecord(changes: Partial<Job> = {}): Job {
  const made = createJob(
    {
      id: 'j1',
      key: null,
      category: 'default',
      task: 'echo',
      input: null,
      maxRetries: 3,
      timeoutMs: null,
      runAtMs: null,
    },
    T0,
  );
  return { ...made, ...changes };
}
