import { createJob, transition, type Job } from '@cadre/core';

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

/**
 * The records of one job's life, in order: queued, running on node n1,
 * succeeded with a result (its JSON text is `resultJson`).
 */
export function lifeOf(id: string): { records: [Job, Job, Job]; resultJson: string } {
  const queued = makeJob(id);
  const running = transition(queued, { type: 'start', node: 'n1' }, T0 + 10);
  // Long enough to be journalled from its text (records.ts).
  const value = { echoed: id, text: 'héllo ✓', pad: 'x'.repeat(120) };
  const done = transition(
    running,
    { type: 'settle', outcome: { kind: 'ok', value }, retryDelayMs: 0 },
    T0 + 25,
  );
  return { records: [queued, running, done], resultJson: JSON.stringify(value) };
}
