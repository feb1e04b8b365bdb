import { createJob, type Job } from '@cadre/core';

const T0 = Date.parse('2026-01-01T00:00:00.000Z');

/** A queued job record as the engine would build it, with `patch` over it. */
export function makeJob(id: string, patch: Partial<Job> = {}): Job {
  const job = createJob(
    {
      id,
      key: null,
      category: 'default',
      task: 'echo',
      input: { id, n: 1, text: 'héllo ✓' },
      maxRetries: 3,
      timeoutMs: null,
      runAtMs: null,
    },
    T0,
  );
  return { ...job, ...patch };
}
