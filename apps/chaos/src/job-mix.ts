/**
 * The chaos load: what each job is, and what its task is designed to do on a
 * given attempt. The checker relies on the second part to tell a designed
 * retry from a re-run that only a kill may explain.
 */
import type { Job, JobRequest } from '@cadre/client';
import type { Rng } from './rng.js';

/** A request of the chaos mix (tasks of chaos-config/cadre.config.json). */
export function chaosRequest(rng: Rng, key: string): JobRequest {
  const roll = rng.next();
  let request: JobRequest;
  if (roll < 0.46) request = { task: 'echo', input: { n: rng.int(0, 1_000_000), key } };
  else if (roll < 0.58) request = { task: 'sleep', input: { ms: rng.int(50, 400) } };
  else if (roll < 0.66) request = { task: 'cpu', input: { n: rng.int(15, 22) } };
  else if (roll < 0.86) request = { task: 'flaky', input: { failTimes: rng.int(0, 3) } };
  else if (roll < 0.93) request = { task: 'fail', input: null };
  else request = { task: 'permanent', input: null };
  if (rng.chance(0.12)) request.delayMs = rng.int(100, 3000);
  return { ...request, key };
}

/** Whether the task fails by design on `attempt` (and so is retried, or fails for good). */
export function failsByDesign(job: Pick<Job, 'task' | 'input'>, attempt: number): boolean {
  switch (job.task) {
    case 'fail':
    case 'permanent':
      return true;
    case 'flaky':
      return attempt <= failTimes(job.input);
    default:
      return false;
  }
}

/** Attempts the job needs to succeed without any loss; null if it never succeeds. */
export function attemptsToSucceed(job: Pick<Job, 'task' | 'input'>): number | null {
  switch (job.task) {
    case 'fail':
    case 'permanent':
      return null;
    case 'flaky':
      return failTimes(job.input) + 1;
    default:
      return 1;
  }
}

function failTimes(input: unknown): number {
  const n = (input as { failTimes?: unknown } | null)?.failTimes;
  return typeof n === 'number' ? n : 1;
}
