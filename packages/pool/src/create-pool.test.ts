import type { AttemptOutcome } from '@cadre/core';
import { afterEach, describe, expect, it } from 'vitest';
import type { TaskPool } from './task-pool.js';
import {
  destroyPools,
  ok,
  fixture,
  request,
  startPool,
  started,
  threadOf,
} from './test-fixtures/harness.js';

afterEach(destroyPools);

describe('createPool: outcomes of a handler', () => {
  it('returns the result of a handler as ok', async () => {
    const pool = startPool();
    const input = { text: 'héllo', list: [1, 2, { deep: true }], none: null };
    expect(await pool.run(request('echo', input))).toEqual(ok(input));
    expect(pool.threads).toBe(1);
  });

  it('gives the handler its input, job id and attempt number', async () => {
    const pool = startPool();
    const outcome = await pool.run({ ...request('context', null), jobId: 'j-7', attempt: 3 });
    expect(outcome).toEqual(ok({ jobId: 'j-7', attempt: 3, input: null }));
  });

  it('makes a thrown error a retryable error', async () => {
    const pool = startPool();
    expect(await pool.run(request('fail'))).toEqual({
      kind: 'error',
      message: 'boom',
      retryable: true,
    });
    expect(await pool.run(request('failWithString'))).toEqual({
      kind: 'error',
      message: 'plain string',
      retryable: true,
    });
  });

  it('makes a PermanentFailure, of any copy of the package, a non-retryable error', async () => {
    const pool = startPool();
    expect(await pool.run(request('permanent'))).toEqual({
      kind: 'error',
      message: 'bad input',
      retryable: false,
    });
    expect(await pool.run(request('foreignPermanent'))).toEqual({
      kind: 'error',
      message: 'bad input, elsewhere',
      retryable: false,
    });
  });

  it('makes a RetryLater a retryable error with its delay', async () => {
    const pool = startPool();
    expect(await pool.run(request('retryLater'))).toEqual({
      kind: 'error',
      message: 'rate limited',
      retryable: true,
      retryAfterMs: 5000,
    });
  });

  it('refuses a result that is not JSON-serializable, permanently', async () => {
    const pool = startPool();
    expect(await pool.run(request('bigint'))).toEqual({
      kind: 'error',
      message: "result is not JSON-serializable: a BigInt at key 'n'",
      retryable: false,
    });
    expect(await pool.run(request('fn'))).toEqual({
      kind: 'error',
      message: "result is not JSON-serializable: a function at key 'callback'",
      retryable: false,
    });
    const cycle = await pool.run(request('cycle'));
    expect(cycle).toMatchObject({ kind: 'error', retryable: false });
    expect((cycle as { message: string }).message).toMatch(
      /^result is not JSON-serializable: Converting circular structure to JSON/,
    );
  });

  it('refuses a result over maxResultBytes, permanently', async () => {
    const pool = startPool({ maxResultBytes: 1024 * 1024 });
    expect(await pool.run(request('sized', { bytes: 1024 * 1024 }))).toMatchObject({ kind: 'ok' });
    expect(await pool.run(request('sized', { bytes: 2.3 * 1024 * 1024 }))).toEqual({
      kind: 'error',
      message: 'result is 2.3 MiB, over the 1 MiB limit',
      retryable: false,
    });
  });
});

describe('createPool: tasks that cannot run', () => {
  it('answers an unknown task with a non-retryable error', async () => {
    const pool = startPool();
    expect(await pool.run(request('nope'))).toEqual({
      kind: 'error',
      message: "unknown task 'nope'",
      retryable: false,
    });
  });

  it('answers a missing or non-function export with a non-retryable error', async () => {
    const pool = startPool();
    expect(await pool.run(request('missingExport'))).toEqual({
      kind: 'error',
      message: `task 'missingExport' (${fixture('echo.ts')}): has no export 'nope' (its exports: default, notAFunction)`,
      retryable: false,
    });
    expect(await pool.run(request('notAFunction'))).toEqual({
      kind: 'error',
      message: `task 'notAFunction' (${fixture('echo.ts')}): export 'notAFunction' is a number, not a function nor a defineTask() definition`,
      retryable: false,
    });
  });

  it('answers a module that cannot load with a non-retryable error', async () => {
    const pool = startPool();
    const broken = await pool.run(request('broken'));
    expect(broken).toMatchObject({ kind: 'error', retryable: false });
    expect((broken as { message: string }).message).toBe(
      `task 'broken' (${fixture('broken.ts')}): throws while loading: this module cannot load`,
    );
    const missing = await pool.run(request('missingModule'));
    expect(missing).toMatchObject({ kind: 'error', retryable: false });
    expect((missing as { message: string }).message).toBe(
      `task 'missingModule' (${fixture('does-not-exist.ts')}): module not found`,
    );
  });
});

describe('createPool: timeouts', () => {
  it('stops a spinning task at its timeout, and the pool heals', async () => {
    const pool = startPool({ workers: 2 });
    expect(await pool.run(request('spin', null, { timeoutMs: 200 }))).toEqual({
      kind: 'timeout',
      message: 'timed out after 200 ms',
    });
    expect(await pool.run(request('echo', 'after'))).toEqual(ok('after'));
    await expectThreads(pool, 2);
  });

  it('counts the timeout from the start on a thread, not from the queue', async () => {
    const pool = startPool();
    // Warm the thread so that loading the fixture is not part of the measure.
    await threadOf(pool);
    const both = await Promise.all([
      pool.run(request('sleepThenWhoami', { ms: 300 }, { timeoutMs: 450 })),
      pool.run(request('sleepThenWhoami', { ms: 300 }, { timeoutMs: 450 })),
    ]);
    expect(both.map((outcome) => outcome.kind)).toEqual(['ok', 'ok']);
  });

  it('lets a handler that honours ctx.signal stop without losing its thread', async () => {
    const pool = startPool({ abortGraceMs: 5_000 });
    const before = await threadOf(pool);
    expect(await pool.run(request('cooperative', null, { timeoutMs: 50 }))).toEqual({
      kind: 'timeout',
      message: 'timed out after 50 ms',
    });
    expect(await threadOf(pool)).toBe(before);
  });
});

describe('createPool: thread death', () => {
  it('makes process.exit in a task a crash, and the pool carries on', async () => {
    const pool = startPool();
    expect(await pool.run(request('exit'))).toEqual({
      kind: 'crash',
      message: 'the worker thread exited with code 3',
    });
    expect(await pool.run(request('echo', 1))).toEqual(ok(1));
  });

  it('makes an uncaught error in a timer callback a crash', async () => {
    const pool = startPool();
    expect(await pool.run(request('throwInTimer'))).toEqual({
      kind: 'crash',
      message: 'the worker thread died: late boom',
    });
    expect(await pool.run(request('echo', 2))).toEqual(ok(2));
  });

  it('makes running out of memory under resourceLimits a crash', async () => {
    const pool = startPool({ resourceLimits: { maxOldGenerationSizeMb: 64 } });
    const outcome = await pool.run(request('exhaustMemory'));
    expect(outcome).toMatchObject({ kind: 'crash' });
    expect((outcome as { message: string }).message).toMatch(
      /^the worker thread ran out of memory/,
    );
    expect(await pool.run(request('echo', 3))).toEqual(ok(3));
  });

  it('survives several crashes in a row with all its threads', async () => {
    const pool = startPool({ workers: 2 });
    const crashes = await Promise.all([1, 2, 3, 4].map(() => pool.run(request('exit'))));
    expect(crashes.map((outcome) => outcome.kind)).toEqual(['crash', 'crash', 'crash', 'crash']);
    await expectThreads(pool, 2);
  });
});

describe('createPool: cancellation', () => {
  it('cancels a running task', async () => {
    const pool = startPool({ abortGraceMs: 0 });
    const controller = new AbortController();
    const job = request('waitForever', null, { signal: controller.signal });
    const isRunning = started(job.jobId);
    const running = pool.run(job);
    await isRunning;
    controller.abort();
    expect(await running).toEqual({ kind: 'cancelled' });
    expect(await pool.run(request('echo', 4))).toEqual(ok(4));
  });

  it('cancels a running task that ignores ctx.signal once the grace period is over', async () => {
    const pool = startPool({ abortGraceMs: 50 });
    const controller = new AbortController();
    const job = request('spin', null, { signal: controller.signal });
    const isRunning = started(job.jobId);
    const running = pool.run(job);
    await isRunning;
    controller.abort();
    expect(await running).toEqual({ kind: 'cancelled' });
    expect(await pool.run(request('echo', 5))).toEqual(ok(5));
  });

  it('cancels a queued task without touching the running one', async () => {
    const pool = startPool();
    const thread = await threadOf(pool);
    const controller = new AbortController();
    const first = pool.run(request('sleepThenWhoami', { ms: 200 }));
    const queued = pool.run(request('echo', 'never', { signal: controller.signal }));
    controller.abort();
    expect(await queued).toEqual({ kind: 'cancelled' });
    expect(await first).toEqual(ok(thread));
  });

  it('cancels by job id, running or queued, and says when there is nothing to cancel', async () => {
    const pool = startPool({ abortGraceMs: 50 });
    const job = request('spin');
    const isRunning = started(job.jobId);
    const running = pool.run(job);
    const queuedJob = request('echo', 'never');
    const queued = pool.run(queuedJob);
    await isRunning;
    expect(pool.cancel(queuedJob.jobId)).toBe(true);
    expect(await queued).toEqual({ kind: 'cancelled' });
    expect(pool.cancel(job.jobId)).toBe(true);
    expect(await running).toEqual({ kind: 'cancelled' });
    expect(pool.cancel(job.jobId)).toBe(false);
    expect(pool.cancel('no-such-job')).toBe(false);
    expect(await pool.run(request('echo', 6))).toEqual(ok(6));
  });

  it('answers an already aborted signal with cancelled', async () => {
    const pool = startPool();
    const outcome = await pool.run(request('echo', 1, { signal: AbortSignal.abort() }));
    expect(outcome).toEqual({ kind: 'cancelled' });
  });

  it('ends attempts still running or waiting as cancelled on destroy', async () => {
    const pool = startPool();
    const job = request('waitForever');
    const isRunning = started(job.jobId);
    const running = pool.run(job);
    const queued = pool.run(request('echo', 1));
    await isRunning;
    await pool.destroy();
    expect(await running).toEqual({ kind: 'cancelled' });
    expect(await queued).toEqual({ kind: 'cancelled' });
    expect(await pool.run(request('echo', 1))).toEqual({ kind: 'cancelled' });
  });
});

describe('createPool: progress', () => {
  it('passes progress reports to onProgress, clamped to 0..100', async () => {
    const reports: [string, number][] = [];
    const pool = startPool({
      progressIntervalMs: 0,
      onProgress: (jobId, percent) => reports.push([jobId, percent]),
    });
    const outcome = await pool.run({ ...request('progress'), jobId: 'p-1' });
    expect(outcome).toEqual(ok('done'));
    expect(reports).toEqual([
      ['p-1', 10],
      ['p-1', 20],
      ['p-1', 100],
    ]);
  });

  it('throttles progress reports, keeping the latest', async () => {
    const reports: number[] = [];
    const pool = startPool({ onProgress: (_jobId, percent) => reports.push(percent) });
    expect(await pool.run(request('throttledProgress'))).toEqual(ok('done'));
    expect(reports).toEqual([1, 100]);
  });
});

/** Polls with a deadline until `count` different threads answer at the same time. */
async function expectThreads(pool: TaskPool, count: number): Promise<void> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const outcomes: AttemptOutcome[] = await Promise.all(
      Array.from({ length: count }, () => pool.run(request('sleepThenWhoami', { ms: 100 }))),
    );
    const threads = new Set(outcomes.map((outcome) => (outcome as { value: number }).value));
    if (threads.size === count) return;
    if (Date.now() > deadline) throw new Error(`expected ${count} threads, saw ${threads.size}`);
  }
}
