/**
 * The chaos load: what each job is, and what its task is designed to do on a
 * given attempt. The checker relies on the second part to tell a designed
 * retry from a re-run that only a kill may explain.
 *
 * Flows (chains, and groups with a chord callback) mix the same tasks. Their
 * jobs carry no idempotency key (keys are for lone jobs), so each first job
 * carries the flow's tag in its input instead: the checker tells by it which
 * request a stored flow came from when a kill cut off its answer.
 */
import type { Job, JobRequest, Json } from '@cadre/client';
import type { ChainRequest, GroupRequest } from '@cadre/core';
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

function failTimes(input: Json): number {
  const n = (ownInput(input) as { failTimes?: unknown } | null)?.failTimes;
  return typeof n === 'number' ? n : 1;
}

/**
 * A task's own settings, as the chaos tasks read them (tasks/own-input.js): a
 * callback runs with what its parent passed first and its own arguments
 * after it, so an array input's last element.
 */
export function ownInput(input: Json): Json {
  return Array.isArray(input) ? (input.at(-1) ?? null) : input;
}

/** A chain or a group as the chaos client submitted it. */
export type FlowRequest = ({ kind: 'chain' } & ChainRequest) | ({ kind: 'group' } & GroupRequest);

/** The tag a flow's first jobs carry in their input; null for other jobs. */
export function flowTagOf(job: Pick<Job, 'input'>): string | null {
  const input = job.input;
  if (typeof input !== 'object' || input === null || Array.isArray(input)) return null;
  return typeof input.flow === 'string' ? input.flow : null;
}

/**
 * A chain of 2 to 4 steps; about one in five fails somewhere (permanent, or
 * retried to the end), which drops the steps after it. Some steps are
 * immutable (the next one runs with its own input), some have an error
 * callback, which runs if that step fails or is dropped by a failure upstream.
 */
export function chaosChain(rng: Rng, tag: string): FlowRequest {
  const steps = rng.int(2, 4);
  const jobs: JobRequest[] = [firstJob(rng, tag)];
  while (jobs.length < steps) jobs.push(stepJob(rng));
  for (const job of jobs) {
    if (rng.chance(0.15)) job.immutable = true;
    if (rng.chance(0.3)) job.onError = [{ task: 'echo', input: ['step failed'] }];
  }
  return { kind: 'chain', jobs };
}

/**
 * A group of 2 to 5 members and a chord callback, which has an error callback
 * of its own: about half of the chords run, the others are dropped by a
 * member's failure and report it through that error callback.
 */
export function chaosGroup(rng: Rng, tag: string): FlowRequest {
  const members = rng.int(2, 5);
  const jobs = Array.from({ length: members }, () => firstJob(rng, tag));
  const callback: JobRequest = rng.chance(0.8)
    ? { task: 'echo', input: ['chord'] }
    : { task: 'flaky', input: [{ failTimes: 1 }] };
  if (rng.chance(0.15)) callback.immutable = true;
  callback.onError = [{ task: 'echo', input: ['chord failed'] }];
  return { kind: 'group', jobs, callback };
}

/** A chain's first step or a group's member: tagged, and failing about one time in six. */
function firstJob(rng: Rng, tag: string): JobRequest {
  const roll = rng.next();
  if (roll < 0.5) return { task: 'echo', input: { n: rng.int(0, 1_000_000), flow: tag } };
  if (roll < 0.62) return { task: 'sleep', input: { ms: rng.int(50, 300), flow: tag } };
  if (roll < 0.84) return { task: 'flaky', input: { failTimes: rng.int(0, 2), flow: tag } };
  if (roll < 0.94) return { task: 'permanent', input: { flow: tag } };
  return { task: 'fail', input: { flow: tag } };
}

/** A later step of a chain: its input is the arguments that follow the result it receives. */
function stepJob(rng: Rng): JobRequest {
  const roll = rng.next();
  if (roll < 0.25) return { task: 'echo' };
  if (roll < 0.45) return { task: 'echo', input: ['step'] };
  if (roll < 0.6) return { task: 'sleep', input: [{ ms: rng.int(50, 300) }] };
  if (roll < 0.88) return { task: 'flaky', input: [{ failTimes: rng.int(0, 2) }] };
  return { task: 'permanent' };
}
