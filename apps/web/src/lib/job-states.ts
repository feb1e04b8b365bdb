/** Job states in their lifecycle order, and what a person may do in each (shared/API.md). */
import type { JobState } from '@cadre/client';

export const JOB_STATES = [
  'delayed',
  'queued',
  'running',
  'retrying',
  'succeeded',
  'failed',
  'cancelled',
] as const satisfies readonly JobState[];

const CANCELLABLE: ReadonlySet<JobState> = new Set(['delayed', 'queued', 'retrying', 'running']);
const RETRYABLE: ReadonlySet<JobState> = new Set(['failed', 'cancelled']);

export const canCancel = (state: JobState): boolean => CANCELLABLE.has(state);
export const canRetry = (state: JobState): boolean => RETRYABLE.has(state);
export const isFinished = (state: JobState): boolean =>
  state === 'succeeded' || state === 'failed' || state === 'cancelled';
