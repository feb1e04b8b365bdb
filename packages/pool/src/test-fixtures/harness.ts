/** The pool's tests' common ground: the fixture tasks, pools destroyed after each test, requests. */
import { fileURLToPath } from 'node:url';
import type { Json } from '@cadre/core';
import { expect } from 'vitest';
import { createPool } from '../create-pool.js';
import type { PoolOptions } from '../pool-options.js';
import type { RunRequest, TaskPool, TaskSpec } from '../task-pool.js';

export const fixture = (file: string) => fileURLToPath(new URL(`./${file}`, import.meta.url));
const BEHAVIORS = fixture('behaviors.ts');

const BEHAVIOR_NAMES = [
  'fail',
  'failWithString',
  'permanent',
  'foreignPermanent',
  'retryLater',
  'bigint',
  'fn',
  'cycle',
  'sized',
  'whoami',
  'sleepThenWhoami',
  'spin',
  'waitForever',
  'cooperative',
  'exit',
  'throwInTimer',
  'exhaustMemory',
  'progress',
  'throttledProgress',
  'context',
  'overlap',
];

export const TASKS: TaskSpec[] = [
  { name: 'echo', module: fixture('echo.ts') },
  { name: 'notAFunction', module: fixture('echo.ts'), export: 'notAFunction' },
  { name: 'missingExport', module: fixture('echo.ts'), export: 'nope' },
  { name: 'broken', module: fixture('broken.ts') },
  { name: 'missingModule', module: fixture('does-not-exist.ts') },
  ...BEHAVIOR_NAMES.map((name) => ({ name, module: BEHAVIORS, export: name })),
];

const pools: TaskPool[] = [];

/** Destroys the pools the test started (call it in `afterEach`). */
export async function destroyPools(): Promise<void> {
  await Promise.all(pools.splice(0).map((pool) => pool.destroy()));
}

const startWaiters = new Map<string, () => void>();

/** Resolves on the first progress report of the job: fixtures that block report 0% first. */
export function started(jobId: string): Promise<void> {
  return new Promise((resolve) => startWaiters.set(jobId, resolve));
}

export function startPool(options: Partial<PoolOptions> = {}): TaskPool {
  const pool = createPool({
    workers: 1,
    tasks: TASKS,
    onProgress: (jobId) => startWaiters.get(jobId)?.(),
    ...options,
  });
  pools.push(pool);
  return pool;
}

let nextJob = 0;

export function request(
  task: string,
  input: Json = null,
  extra: Partial<RunRequest> = {},
): RunRequest {
  return { jobId: `job-${nextJob++}`, task, input, attempt: 1, timeoutMs: null, ...extra };
}

export async function threadOf(pool: TaskPool): Promise<number> {
  const outcome = await pool.run(request('whoami'));
  expect(outcome.kind).toBe('ok');
  return (outcome as { value: number }).value;
}

/** The outcome of a handler that returned `value` (its JSON text travels with it). */
export function ok(value: Json): { kind: 'ok'; value: Json; json: string } {
  return { kind: 'ok', value, json: JSON.stringify(value) };
}
