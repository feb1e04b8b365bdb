/** Records for the checker's tests: a lone job as the chaos run stores it, and idle counters. */
import type { CategoryView, Job, Stats } from '@cadre/client';

export function job(id: string, fields: Partial<Job>): Job {
  return {
    id,
    key: `k-${id}`,
    category: 'fast',
    task: 'echo',
    input: { n: 1 },
    state: 'succeeded',
    attempts: 1,
    maxRetries: 3,
    timeoutMs: null,
    priority: 0,
    runAt: null,
    createdAt: '2025-01-01T00:00:00.000Z',
    startedAt: '2025-01-01T00:00:00.000Z',
    finishedAt: '2025-01-01T00:00:00.001Z',
    durationMs: 1,
    progress: 100,
    result: { n: 1 },
    lastError: null,
    failure: null,
    node: null,
    flowId: null,
    flowRole: null,
    parents: [],
    trigger: null,
    schedule: null,
    ...fields,
  };
}

export const stats: Stats = {
  workers: 4,
  nodes: 1,
  allocation: {},
  waiting: 0,
  queued: 0,
  running: 0,
  delayed: 0,
  retrying: 0,
  succeeded: 0,
  failed: 0,
  cancelled: 0,
  uptimeMs: 1,
};

export const category = {
  name: 'fast',
  waiting: 0,
  queued: 0,
  delayed: 0,
  retrying: 0,
  running: 0,
} as CategoryView;
