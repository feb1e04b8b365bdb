// Input schemas over HTTP: 400 ERR_VALIDATION with the path inside the input,
// for single jobs, batches (the element named) and retries with a new input.
import type { Job } from '@cadre/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type AnyBody, type TestServer } from './test-support/test-server.js';

let s: TestServer;
beforeAll(async () => {
  s = await startTestServer();
});
afterAll(async () => {
  await s?.close();
});

const post = (body: unknown) => s.request('POST', '/api/jobs', { body });
const jobCount = async () => (await s.request('GET', '/api/jobs?limit=1000')).body.jobs.length;

function expect400(res: { status: number; body: AnyBody }, message: string): AnyBody {
  expect(res.status, JSON.stringify(res.body)).toBe(400);
  expect(res.body.error.code).toBe('ERR_VALIDATION');
  expect(res.body.error.message).toBe(message);
  return res.body.error.details;
}

describe('POST /api/jobs against input schemas', () => {
  it('refuses a single job with the path inside its input, and creates nothing', async () => {
    const before = await jobCount();
    const details = expect400(
      await post({ task: 'sleep', input: { ms: 'soon' } }),
      'jobs[0].input/ms must be integer',
    );
    expect(details).toEqual({
      index: 0,
      field: 'input',
      path: '/ms',
      issues: [{ path: '/ms', message: 'must be integer' }],
    });
    expect(await jobCount()).toBe(before);
  });

  it('names a missing property by its own path', async () => {
    const details = expect400(
      await post({ task: 'fib', input: {} }),
      'jobs[0].input/n is required',
    );
    expect(details.path).toBe('/n');
  });

  it('refuses a whole batch naming the element, and creates none of it', async () => {
    const before = await jobCount();
    const details = expect400(
      await post([
        { task: 'echo', input: 'fine' },
        { task: 'sleep', input: { ms: 5 } },
        { task: 'fib', input: { n: 41 } },
      ]),
      'jobs[2].input/n must be <= 40',
    );
    expect(details).toMatchObject({ index: 2, field: 'input', path: '/n' });
    expect(await jobCount()).toBe(before);
  });

  it('takes inputs that match', async () => {
    const res = await post([
      { task: 'fib', input: { n: 10 } },
      { task: 'flaky', input: {} },
    ]);
    expect(res.status).toBe(201);
    const [fib] = res.body as Job[];
    expect(await s.client.get(fib!.id, { waitMs: 10_000 })).toMatchObject({
      state: 'succeeded',
      result: 55,
    });
  });
});

describe('POST /api/jobs/:id/retry with a new input', () => {
  async function failed(): Promise<Job> {
    const res = await post({ task: 'flaky', input: { failTimes: 9 }, maxRetries: 0 });
    const job = await s.client.get((res.body as Job).id, { waitMs: 10_000 });
    expect(job.state).toBe('failed');
    return job;
  }
  const retry = (id: string, body?: unknown) =>
    s.request('POST', `/api/jobs/${id}/retry`, body === undefined ? {} : { body });

  it('runs the job again with the new input', async () => {
    const job = await failed();
    const res = await retry(job.id, { input: { failTimes: 0 } });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ id: job.id, input: { failTimes: 0 } });
    expect(await s.client.get(job.id, { waitMs: 10_000 })).toMatchObject({
      state: 'succeeded',
      result: { attempt: 1 },
    });
  });

  it('refuses a new input that does not match, with the path, and leaves the job failed', async () => {
    const job = await failed();
    const details = expect400(
      await retry(job.id, { input: { failTimes: -1 } }),
      'input/failTimes must be >= 0',
    );
    expect(details).toMatchObject({ field: 'input', path: '/failTimes' });
    expect(await s.client.get(job.id)).toMatchObject({ state: 'failed', input: { failTimes: 9 } });
  });

  it('refuses unknown fields in the body (strict)', async () => {
    const job = await failed();
    const res = await retry(job.id, { input: { failTimes: 0 }, delayMs: 5 });
    expect(res.status).toBe(400);
    expect(res.body.error.message).toBe('delayMs: unknown field');
  });

  it('keeps the input with an empty body or {}', async () => {
    const job = await failed();
    expect((await retry(job.id, {})).body).toMatchObject({ input: { failTimes: 9 } });
    const again = await failed();
    expect((await retry(again.id)).body).toMatchObject({ input: { failTimes: 9 } });
  });
});

describe('the schemas are shown', () => {
  it('in GET /api/tasks, and only for tasks that have one', async () => {
    const tasks = new Map<string, AnyBody>(
      (await s.request('GET', '/api/tasks')).body.map((t: AnyBody) => [t.name, t]),
    );
    expect(tasks.get('sleep').inputSchema).toMatchObject({
      type: 'object',
      properties: { ms: { type: 'integer', minimum: 0 } },
      required: ['ms'],
    });
    expect(tasks.get('echo')).not.toHaveProperty('inputSchema');
  });

  it('in the OpenAPI document: the task list and the retry body', async () => {
    const doc = (await s.request('GET', '/api/openapi.json')).body;
    expect(doc.components.schemas.Task.properties.inputSchema).toBeDefined();
    expect(doc.components.schemas.RetryBody).toMatchObject({
      type: 'object',
      additionalProperties: false,
    });
    expect(doc.paths['/api/jobs/{id}/retry'].post.requestBody.required).toBe(false);
  });
});
