// The shipped demo tasks behave as API.md's table says, run by the real engine.
import type { Job, JobRequest } from '@cadre/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from './test-support/test-server.js';

let s: TestServer;
/** The same tasks without their input schemas: what each task does with bad input itself. */
let unchecked: TestServer;
beforeAll(async () => {
  s = await startTestServer();
  unchecked = await startTestServer({
    config: (c) => c.tasks.forEach((t) => (t.inputSchema = null)),
  });
});
afterAll(async () => {
  await s?.close();
  await unchecked?.close();
});

async function run(request: JobRequest, server = s): Promise<Job> {
  const job = await server.client.submit(request);
  return server.client.get(job.id, { waitMs: 20_000 });
}

const BAD_INPUTS: [string, JobRequest['input'], string][] = [
  ['sleep', { ms: -1 }, 'jobs[0].input/ms must be >= 0'],
  ['sleep', 'x', 'jobs[0].input must be object'],
  ['fib', { n: 1.5 }, 'jobs[0].input/n must be integer'],
  ['fib', { n: 99 }, 'jobs[0].input/n must be <= 40'],
  ['flaky', { failTimes: 'x' }, 'jobs[0].input/failTimes must be integer'],
];

describe('the demo tasks', () => {
  it('echo returns its input', async () => {
    expect(await run({ task: 'echo', input: { a: [1, 'b', null] } })).toMatchObject({
      state: 'succeeded',
      result: { a: [1, 'b', null] },
    });
  });

  it('sleep waits, reports progress and returns { slept }', async () => {
    const job = await run({ task: 'sleep', input: { ms: 200 } });
    expect(job).toMatchObject({ state: 'succeeded', result: { slept: 200 }, category: 'images' });
    expect(job.durationMs).toBeGreaterThanOrEqual(190);
    expect(job.progress).toBeGreaterThan(0);
  });

  it('fib computes fib(n)', async () => {
    expect(await run({ task: 'fib', input: { n: 20 } })).toMatchObject({
      state: 'succeeded',
      result: 6765,
    });
  });

  it.each(BAD_INPUTS)('%s refuses bad input %j at submission', async (task, input, message) => {
    await expect(s.client.submit({ task, input })).rejects.toMatchObject({
      status: 400,
      code: 'ERR_VALIDATION',
      message,
    });
  });

  it.each(BAD_INPUTS)('%s, unchecked, fails permanently on bad input %j', async (task, input) => {
    expect(await run({ task, input, maxRetries: 3 }, unchecked)).toMatchObject({
      state: 'failed',
      failure: 'permanent',
      attempts: 1,
    });
  });

  it('fail is retried, then fails', async () => {
    const job = await run({ task: 'fail', maxRetries: 1 });
    expect(job).toMatchObject({ state: 'failed', failure: 'max_retries', attempts: 2 });
    expect(job.lastError).toMatchObject({
      kind: 'exception',
      message: expect.stringContaining('fail'),
    });
  });

  it('flaky succeeds after failTimes failures', async () => {
    expect(await run({ task: 'flaky', input: { failTimes: 2 }, maxRetries: 3 })).toMatchObject({
      state: 'succeeded',
      result: { attempt: 3 },
      attempts: 3,
    });
  });

  it('permanent is never retried', async () => {
    expect(await run({ task: 'permanent', maxRetries: 5 })).toMatchObject({
      state: 'failed',
      failure: 'permanent',
      attempts: 1,
    });
  });

  it('spin is stopped by its timeout', async () => {
    const job = await run({ task: 'spin', timeoutMs: 200, maxRetries: 0 });
    expect(job).toMatchObject({ state: 'failed', lastError: { kind: 'timeout' } });
  });
});
