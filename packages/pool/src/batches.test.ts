/**
 * Batches and lanes on real worker threads: outcomes in order, timeouts from
 * each attempt's own start, cancels inside a batch, a thread's death blamed
 * on the attempt it ran, and lanes that keep categories apart on threads.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { BatchOutcome, RunBatch, RunRequest, TaskPool } from './task-pool.js';
import { destroyPools, ok, request, startPool, threadOf } from './test-fixtures/harness.js';

afterEach(destroyPools);

function batch(jobs: RunRequest[], lane = 'default', concurrency = 1): RunBatch {
  return { jobs, lane, concurrency };
}

const kinds = (outcomes: BatchOutcome[]) => outcomes.map((o) => o.kind);
const value = (o: BatchOutcome) => (o as { value: unknown }).value;

describe('batches', () => {
  it('runs the jobs of a batch one after another on one thread, outcomes in order', async () => {
    const pool = startPool({ workers: 2 });
    const outcomes = await pool.runBatch(
      batch([request('whoami'), request('echo', 1), request('fail'), request('whoami')]),
    );
    expect(kinds(outcomes)).toEqual(['ok', 'ok', 'error', 'ok']);
    expect(value(outcomes[1]!)).toBe(1);
    expect(value(outcomes[0]!)).toBe(value(outcomes[3]!));
  });

  it('answers the jobs it cannot send at once, and runs the others', async () => {
    const pool = startPool();
    const outcomes = await pool.runBatch(
      batch([request('echo', 'a'), request('nope'), request('echo', 'b')]),
    );
    expect(outcomes).toEqual([
      ok('a'),
      { kind: 'error', message: expect.stringContaining('nope'), retryable: false },
      ok('b'),
    ]);
  });

  it("counts each job's timeout from its own start", async () => {
    const pool = startPool();
    await threadOf(pool);
    // 3 × 200 ms in one batch, each allowed 350 ms: the batch outlasts every timeout.
    const jobs = [1, 2, 3].map(() => request('sleepThenWhoami', { ms: 200 }, { timeoutMs: 350 }));
    expect(kinds(await pool.runBatch(batch(jobs)))).toEqual(['ok', 'ok', 'ok']);
  });

  it('times out the job that overruns, and interrupts the jobs after it when its thread must go', async () => {
    const pool = startPool({ abortGraceMs: 50 });
    const before = await threadOf(pool);
    const outcomes = await pool.runBatch(
      batch([request('echo', 1), request('spin', null, { timeoutMs: 100 }), request('echo', 2)]),
    );
    // The echo before it ended, but its outcome went down with the thread: it runs again.
    expect(outcomes).toEqual([
      { kind: 'interrupted', message: expect.stringContaining('died after it ended') },
      { kind: 'timeout', message: 'timed out after 100 ms' },
      { kind: 'interrupted', message: expect.stringContaining('before it started') },
    ]);
    expect(await threadOf(pool)).not.toBe(before);
  });

  it('keeps the thread and the rest of the batch when the timed-out job honours ctx.signal', async () => {
    const pool = startPool({ abortGraceMs: 5_000 });
    const before = await threadOf(pool);
    const outcomes = await pool.runBatch(
      batch([request('cooperative', null, { timeoutMs: 50 }), request('echo', 2)]),
    );
    expect(outcomes).toEqual([{ kind: 'timeout', message: 'timed out after 50 ms' }, ok(2)]);
    expect(await threadOf(pool)).toBe(before);
  });

  it('cancels a job of a batch before it starts, without touching the others', async () => {
    const pool = startPool();
    const before = await threadOf(pool);
    const later = request('echo', 'never');
    const running = pool.runBatch(
      batch([request('sleepThenWhoami', { ms: 150 }), later, request('echo', 3)]),
    );
    expect(pool.cancel(later.jobId)).toBe(true);
    const outcomes = await running;
    expect(kinds(outcomes)).toEqual(['ok', 'cancelled', 'ok']);
    expect(value(outcomes[2]!)).toBe(3);
    expect(await threadOf(pool)).toBe(before);
  });

  it('cancels the running job of a batch, then carries on with the next', async () => {
    const pool = startPool({ abortGraceMs: 5_000 });
    const first = request('cooperative');
    const running = pool.runBatch(batch([request('echo', 0), first, request('echo', 2)]));
    // Give the batch time to reach the cooperative job.
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(pool.cancel(first.jobId)).toBe(true);
    expect(kinds(await running)).toEqual(['ok', 'cancelled', 'ok']);
  });

  it('drops a queued batch whose jobs are all cancelled', async () => {
    const pool = startPool();
    const busy = pool.run(request('sleepThenWhoami', { ms: 200 }));
    const jobs = [request('echo', 1), request('echo', 2)];
    const queued = pool.runBatch(batch(jobs));
    for (const job of jobs) pool.cancel(job.jobId);
    expect(kinds(await queued)).toEqual(['cancelled', 'cancelled']);
    expect((await busy).kind).toBe('ok');
  });

  it('fails only the job that killed its thread: the others are interrupted', async () => {
    const pool = startPool();
    const outcomes = await pool.runBatch(
      batch([request('echo', 1), request('exit'), request('echo', 2)]),
    );
    expect(outcomes).toEqual([
      { kind: 'interrupted', message: expect.stringContaining('died after it ended') },
      { kind: 'crash', message: 'the worker thread exited with code 3' },
      { kind: 'interrupted', message: expect.stringContaining('before it started') },
    ]);
    expect(await pool.run(request('echo', 'after'))).toEqual(ok('after'));
  });

  it('sends back the jobs it has not started once the batch has run past its cut', async () => {
    const pool = startPool();
    await threadOf(pool);
    const jobs = [request('sleepThenWhoami', { ms: 100 }), request('echo', 1), request('echo', 2)];
    const outcomes = await pool.runBatch({ ...batch(jobs), cutMs: 50 });
    expect(kinds(outcomes)).toEqual(['ok', 'returned', 'returned']);
    // Within its cut, a batch runs whole.
    const whole = await pool.runBatch({
      ...batch([request('echo', 1), request('echo', 2)]),
      cutMs: 5_000,
    });
    expect(kinds(whole)).toEqual(['ok', 'ok']);
  });

  it('ends every job of a batch cancelled on destroy', async () => {
    const pool = startPool();
    const running = pool.runBatch(batch([request('waitForever'), request('echo', 1)]));
    await new Promise((resolve) => setTimeout(resolve, 100));
    await pool.destroy();
    expect(kinds(await running)).toEqual(['cancelled', 'cancelled']);
  });
});

describe('lanes', () => {
  /** Runs `n` one-job batches of `overlap` in `lane`; answers each job's thread and the peak it saw. */
  function overlaps(pool: TaskPool, n: number, lane: string, concurrency: number, ms = 200) {
    return Promise.all(
      Array.from({ length: n }, () =>
        pool.runBatch(batch([request('overlap', { ms })], lane, concurrency)),
      ),
    ).then((all) => all.map((o) => value(o[0]!) as { thread: number; peak: number }));
  }

  it('runs up to its concurrency of a lane on one thread at once, and no more', async () => {
    const pool = startPool({ workers: 1 });
    const results = await overlaps(pool, 12, 'email', 4);
    expect(new Set(results.map((r) => r.thread)).size).toBe(1);
    expect(Math.max(...results.map((r) => r.peak))).toBe(4);
  });

  it('packs a lane onto its fullest thread, and keeps other lanes off that thread', async () => {
    const pool = startPool({ workers: 2 });
    await Promise.all([threadOf(pool), threadOf(pool)]);
    const io = overlaps(pool, 6, 'email', 10, 300);
    // Give the I/O batches their thread first, then a CPU batch arrives.
    await new Promise((resolve) => setTimeout(resolve, 50));
    const cpu = await pool.runBatch(batch([request('whoami')], 'reports', 1));
    const ioThreads = new Set((await io).map((r) => r.thread));
    expect(ioThreads.size).toBe(1);
    expect(ioThreads.has(value(cpu[0]!) as number)).toBe(false);
  });

  it('makes a CPU batch wait for a thread free of I/O jobs', async () => {
    const pool = startPool({ workers: 1 });
    await threadOf(pool);
    const order: string[] = [];
    const io = pool
      .runBatch(batch([request('sleepThenWhoami', { ms: 200 })], 'email', 10))
      .then(() => order.push('io'));
    await new Promise((resolve) => setTimeout(resolve, 30));
    const cpu = pool
      .runBatch(batch([request('whoami')], 'reports', 1))
      .then(() => order.push('cpu'));
    await Promise.all([io, cpu]);
    expect(order).toEqual(['io', 'cpu']);
  });

  it('makes an I/O batch wait for a thread free of CPU jobs', async () => {
    const pool = startPool({ workers: 1 });
    await threadOf(pool);
    const order: string[] = [];
    // The I/O lane would have room on that thread (1 of 10) if lanes did not keep it off.
    const cpu = pool
      .runBatch(batch([request('sleepThenWhoami', { ms: 200 })], 'reports', 1))
      .then(() => order.push('cpu'));
    await new Promise((resolve) => setTimeout(resolve, 30));
    const io = pool.runBatch(batch([request('echo', 1)], 'email', 10)).then(() => order.push('io'));
    await Promise.all([cpu, io]);
    expect(order).toEqual(['cpu', 'io']);
  });

  it('interrupts the bystanders on a thread stopped for another job', async () => {
    const pool = startPool({ workers: 1, abortGraceMs: 50 });
    await threadOf(pool);
    const bystander = pool.runBatch(batch([request('sleepThenWhoami', { ms: 1000 })], 'email', 5));
    await new Promise((resolve) => setTimeout(resolve, 30));
    const stuck = pool.runBatch(
      batch([request('waitForever', null, { timeoutMs: 100 })], 'email', 5),
    );
    expect(kinds(await stuck)).toEqual(['timeout']);
    expect(await bystander).toEqual([
      { kind: 'interrupted', message: expect.stringContaining('another job') },
    ]);
  });
});
