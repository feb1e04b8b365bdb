// Tasks that misbehave (run away with memory, hang, overflow the stack, return
// too much, exit their thread) through the real engine and server with real
// worker threads: each ends as a failed attempt of the right kind, the pool is
// whole afterwards, and other categories keep running meanwhile.
import type { Job, Json } from '@cadre/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HOSTILE_MAX_RESULT_BYTES, addHostileTasks } from './test-support/hostile-config.js';
import { finished, startTestServer, until, type TestServer } from './test-support/test-server.js';

const WORKERS = 2;
let s: TestServer;
beforeAll(async () => {
  s = await startTestServer({
    config: (config) => {
      addHostileTasks(config);
      config.workers = WORKERS;
    },
  });
});
afterAll(async () => {
  await s?.close();
});

/**
 * Runs one hostile job to its end while an echo job in another category runs
 * alongside; returns the hostile job as it finished and whether it was still
 * unfinished when the echo job succeeded.
 */
async function runHostile(
  task: string,
  input: Json = null,
  extra: { timeoutMs?: number } = {},
): Promise<{ job: Job; overlapped: boolean }> {
  const hostile = await s.client.submit({ task, input, maxRetries: 0, ...extra });
  await until(
    () => s.client.get(hostile.id),
    (j) => j.state !== 'queued',
  );
  const bystander = await s.client.submit({ task: 'echo', input: { beside: task } });
  const echoed = await s.client.get(bystander.id, { waitMs: 20_000 });
  expect(echoed).toMatchObject({ state: 'succeeded', result: { beside: task } });
  const overlapped = !finished(await s.client.get(hostile.id));
  const job = await s.client.get(hostile.id, { waitMs: 20_000 });
  expect(finished(job), `${task} finished`).toBe(true);
  return { job, overlapped };
}

/** Every thread takes work: `WORKERS` sleeps run at once, and echo jobs succeed. */
async function expectPoolWhole(): Promise<void> {
  const sleeps = await s.client.submit(
    Array.from({ length: WORKERS }, () => ({
      task: 'sleep',
      category: 'default',
      input: { ms: 400 },
    })),
  );
  const done = await Promise.all(sleeps.map((j) => s.client.get(j.id, { waitMs: 20_000 })));
  for (const j of done) expect(j.state).toBe('succeeded');
  // Each started before every other finished: they ran side by side, one per thread.
  const latestStart = Math.max(...done.map((j) => Date.parse(j.startedAt!)));
  const earliestEnd = Math.min(...done.map((j) => Date.parse(j.finishedAt!)));
  expect(latestStart).toBeLessThan(earliestEnd);

  const echoes = await s.client.submit(
    Array.from({ length: WORKERS }, (_, i) => ({ task: 'echo', input: i })),
  );
  const echoed = await Promise.all(echoes.map((j) => s.client.get(j.id, { waitMs: 20_000 })));
  expect(echoed.map((j) => [j.state, j.result])).toEqual(echoes.map((_, i) => ['succeeded', i]));
}

describe('hostile tasks', () => {
  it('a task that allocates without end is stopped by resourceLimits: a crash', async () => {
    const { job } = await runHostile('hog');
    expect(job).toMatchObject({ state: 'failed', failure: 'max_retries', attempts: 1 });
    expect(job.lastError).toMatchObject({ kind: 'crash' });
    expect(job.lastError!.message).toMatch(/out of memory/);
    await expectPoolWhole();
  });

  it('a task that awaits forever is stopped by its timeout', async () => {
    const { job, overlapped } = await runHostile('hang', null, { timeoutMs: 1500 });
    expect(job).toMatchObject({ state: 'failed', failure: 'max_retries' });
    expect(job.lastError).toEqual({ kind: 'timeout', message: 'timed out after 1500 ms' });
    // The echo job in 'default' finished while this one still hung.
    expect(overlapped).toBe(true);
    await expectPoolWhole();
  });

  it('a stack overflow is an ordinary, retryable exception in the thread', async () => {
    const { job } = await runHostile('overflow');
    expect(job).toMatchObject({ state: 'failed', failure: 'max_retries' });
    expect(job.lastError).toMatchObject({ kind: 'exception' });
    expect(job.lastError!.message).toMatch(/Maximum call stack size exceeded/);
    // Retryable: with a retry allowed it is attempted again.
    const again = await s.client.submit({ task: 'overflow', maxRetries: 1 });
    expect(await s.client.get(again.id, { waitMs: 20_000 })).toMatchObject({
      state: 'failed',
      failure: 'max_retries',
      attempts: 2,
    });
    await expectPoolWhole();
  });

  it('a result over maxResultBytes fails permanently, saying so', async () => {
    const { job } = await runHostile('huge', { bytes: HOSTILE_MAX_RESULT_BYTES + 1 });
    expect(job).toMatchObject({ state: 'failed', failure: 'permanent', result: null });
    expect(job.lastError).toMatchObject({ kind: 'exception' });
    expect(job.lastError!.message).toMatch(/^result is .+, over the .+ limit$/);
    const fits = await s.client.submit({ task: 'huge', input: { bytes: 1000 } });
    const ok = await s.client.get(fits.id, { waitMs: 20_000 });
    expect(ok.state).toBe('succeeded');
    expect(ok.result).toHaveLength(1000);
    await expectPoolWhole();
  });

  it('a task that calls process.exit crashes its thread, not the server', async () => {
    const { job } = await runHostile('quit');
    expect(job).toMatchObject({ state: 'failed', failure: 'max_retries' });
    expect(job.lastError).toEqual({
      kind: 'crash',
      message: 'the worker thread exited with code 3',
    });
    await expectPoolWhole();
    expect((await s.request('GET', '/healthz')).status).toBe(200);
  });
});
