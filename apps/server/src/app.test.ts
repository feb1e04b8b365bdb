import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Job } from '@cadre/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_INPUT_BYTES, MAX_INPUT_DEPTH } from './http/schemas.js';
import {
  startTestServer,
  until,
  type AnyBody,
  type TestServer,
} from './test-support/test-server.js';

let s: TestServer;
beforeAll(async () => {
  s = await startTestServer();
});
afterAll(async () => {
  await s?.close();
});

const post = (body: unknown) => s.request('POST', '/api/jobs', { body });

function expectError(
  res: { status: number; body: AnyBody },
  status: number,
  code: string,
  message?: string | RegExp,
): void {
  expect(res.status, JSON.stringify(res.body)).toBe(status);
  expect(Object.keys(res.body)).toEqual(['error']);
  expect(res.body.error.code).toBe(code);
  expect(typeof res.body.error.message).toBe('string');
  if (message !== undefined) expect(res.body.error.message).toMatch(message);
}

describe('POST /api/jobs', () => {
  it('creates one job: 201, then it runs', async () => {
    const res = await post({ task: 'echo', input: { hello: ['world', 1] } });
    expect(res.status).toBe(201);
    const job = res.body as Job;
    expect(job).toMatchObject({ task: 'echo', category: 'default', key: null, attempts: 0 });
    expect(['queued', 'running', 'succeeded']).toContain(job.state);
    const done = await s.client.get(job.id, { waitMs: 10_000 });
    expect(done).toMatchObject({ state: 'succeeded', result: { hello: ['world', 1] } });
  });

  it("uses the task's category, the named one, and defaults the input to null", async () => {
    const res = await post([
      { task: 'fib', input: { n: 5 } },
      { task: 'echo', category: 'email' },
    ]);
    expect(res.status).toBe(201);
    expect(res.body.map((j: Job) => [j.task, j.category, j.input])).toEqual([
      ['fib', 'reports', { n: 5 }],
      ['echo', 'email', null],
    ]);
  });

  it('creates a batch in order', async () => {
    const res = await post([1, 2, 3].map((i) => ({ task: 'echo', input: i })));
    expect(res.status).toBe(201);
    expect(res.body.map((j: Job) => j.input)).toEqual([1, 2, 3]);
    expect(new Set(res.body.map((j: Job) => j.id)).size).toBe(3);
  });

  it('accepts 10,000 small jobs in one request', async () => {
    await s.client.patchCategory('reports', { paused: true });
    try {
      const batch = Array.from({ length: 10_000 }, (_, i) => ({
        task: 'echo',
        category: 'reports',
        input: { i, pad: 'x'.repeat(100) },
      }));
      const res = await post(batch);
      expect(res.status).toBe(201);
      expect(res.body).toHaveLength(10_000);
      expect(res.body[9_999].input.i).toBe(9_999);
    } finally {
      await s.client.patchCategory('reports', { paused: false });
    }
  });

  it('answers a repeated idempotency key with the first job and 200', async () => {
    const first = await post({ task: 'echo', input: 1, key: 'idem-1' });
    expect(first.status).toBe(201);
    expect(first.body.key).toBe('idem-1');
    const again = await post({ task: 'echo', input: 2, key: 'idem-1' });
    expect(again.status).toBe(200);
    expect(again.body.id).toBe(first.body.id);
    expect(again.body.input).toBe(1);
  });

  it('answers a batch 201 if it created any job, 200 if none', async () => {
    await post({ task: 'echo', key: 'idem-2' });
    const mixed = await post([
      { task: 'echo', key: 'idem-2' },
      { task: 'echo', key: 'idem-3' },
    ]);
    expect(mixed.status).toBe(201);
    const none = await post([
      { task: 'echo', key: 'idem-2' },
      { task: 'echo', key: 'idem-3' },
    ]);
    expect(none.status).toBe(200);
    expect(none.body.map((j: Job) => j.id)).toEqual(mixed.body.map((j: Job) => j.id));
  });

  it('refuses malformed JSON with 400', async () => {
    const res = await s.request('POST', '/api/jobs', {
      raw: '{"task": "echo",',
      headers: { 'content-type': 'application/json' },
    });
    expectError(res, 400, 'ERR_VALIDATION', /^malformed JSON: /);
  });

  it('refuses a body that is not JSON, naming the content type', async () => {
    const res = await s.request('POST', '/api/jobs', {
      raw: 'task=echo',
      headers: { 'content-type': 'text/plain' },
    });
    expectError(res, 400, 'ERR_VALIDATION', /Content-Type: application\/json.*text\/plain/);
  });

  it('refuses a missing body', async () => {
    const res = await s.request('POST', '/api/jobs');
    expectError(res, 400, 'ERR_VALIDATION', /JSON body is required/);
  });

  it.each<[string, unknown, string]>([
    ['no task', { input: 1 }, 'task'],
    ['a non-string task', { task: 5 }, 'task'],
    ['an unknown field', { task: 'echo', colour: 'red' }, 'colour'],
    ['a negative delayMs', { task: 'echo', delayMs: -1 }, 'delayMs'],
    ['a huge delayMs', { task: 'echo', delayMs: 1e15 }, 'delayMs'],
    ['a string delayMs', { task: 'echo', delayMs: '5' }, 'delayMs'],
    ['a fractional maxRetries', { task: 'echo', maxRetries: 1.5 }, 'maxRetries'],
    ['maxRetries > 100', { task: 'echo', maxRetries: 101 }, 'maxRetries'],
    ['timeoutMs 0', { task: 'echo', timeoutMs: 0 }, 'timeoutMs'],
    ['timeoutMs over a day', { task: 'echo', timeoutMs: 86_400_001 }, 'timeoutMs'],
    ['a runAt that is no time', { task: 'echo', runAt: 'tomorrow' }, 'runAt'],
    [
      'both delayMs and runAt',
      { task: 'echo', delayMs: 5, runAt: '2030-01-01T00:00:00Z' },
      'runAt',
    ],
    ['an empty key', { task: 'echo', key: '' }, 'key'],
    ['a key over 200 chars', { task: 'echo', key: 'k'.repeat(201) }, 'key'],
    ['a number body', 42, ''],
    ['an empty batch', [], ''],
  ])('refuses %s with 400 naming the field', async (_what, body, path) => {
    const res = await post(body);
    expectError(res, 400, 'ERR_VALIDATION');
    expect(res.body.error.details.issues[0].path).toBe(path);
    if (path !== '') expect(res.body.error.message).toContain(`${path}: `);
  });

  it('validates a batch whole: one bad element creates nothing, and is named', async () => {
    const before = (await s.client.list({ limit: 1000 })).jobs.length;
    const batch = [
      { task: 'echo', input: 0 },
      { task: 'echo', input: 1 },
      { task: 'echo', input: 2 },
      { task: 'echo', maxRetries: -1 },
    ];
    const res = await post(batch);
    expectError(res, 400, 'ERR_VALIDATION', /^\[3\]\.maxRetries: /);
    expect(res.body.error.details.issues[0].path).toBe('[3].maxRetries');
    expect((await s.client.list({ limit: 1000 })).jobs.length).toBe(before);
  });

  it('refuses more than 10,000 jobs', async () => {
    const res = await post(Array.from({ length: 10_001 }, () => ({ task: 'echo' })));
    expectError(res, 400, 'ERR_VALIDATION');
  });

  it('refuses an unknown task with 400, naming the element of a batch', async () => {
    expectError(await post({ task: 'nope' }), 400, 'ERR_UNKNOWN_TASK', /nope/);
    const res = await post([{ task: 'echo' }, { task: 'nope' }]);
    expectError(res, 400, 'ERR_UNKNOWN_TASK', /nope/);
    expect(JSON.stringify(res.body.error.details)).toContain('1');
  });

  it('refuses an unknown category with 400', async () => {
    expectError(await post({ task: 'echo', category: 'nope' }), 400, 'ERR_UNKNOWN_CATEGORY');
  });

  it('refuses an input over 1 MiB with 413, naming the job', async () => {
    const big = 'x'.repeat(MAX_INPUT_BYTES);
    const res = await post([{ task: 'echo' }, { task: 'echo' }, { task: 'echo', input: big }]);
    expectError(res, 413, 'ERR_PAYLOAD_TOO_LARGE', /^\[2\]\.input: /);
    expect(res.body.error.details).toMatchObject({ index: 2, path: '[2].input' });
    const single = await post({ task: 'echo', input: big });
    expectError(single, 413, 'ERR_PAYLOAD_TOO_LARGE', /^input: /);
  });

  it('takes an input nested 1,000 levels deep, and refuses one deeper with 400, naming the job', async () => {
    const nested = (levels: number) => JSON.parse('['.repeat(levels) + ']'.repeat(levels));
    const deepest = await post({ task: 'echo', input: { a: nested(MAX_INPUT_DEPTH - 1) } });
    expect(deepest.status).toBe(201);
    const res = await post([
      { task: 'echo' },
      { task: 'echo', input: { a: nested(MAX_INPUT_DEPTH) } },
    ]);
    expectError(
      res,
      400,
      'ERR_VALIDATION',
      /^\[1\]\.input: the input nests deeper than 1000 levels/,
    );
    expect(res.body.error.details).toMatchObject({ index: 1, path: '[1].input', limit: 1000 });
    // So deep that walking it would overflow the stack.
    const raw = `{"task":"echo","input":${'{"a":'.repeat(100_000)}1${'}'.repeat(100_000)}}`;
    const deeper = await s.request('POST', '/api/jobs', {
      raw,
      headers: { 'content-type': 'application/json' },
    });
    expectError(deeper, 400, 'ERR_VALIDATION', /^input: the input nests deeper/);
  });

  it('refuses a body over the body limit with 413', async () => {
    const res = await s.request('POST', '/api/jobs', {
      raw: JSON.stringify({ task: 'echo', input: 'x'.repeat(17 * 1024 * 1024) }),
      headers: { 'content-type': 'application/json' },
    });
    expectError(res, 413, 'ERR_PAYLOAD_TOO_LARGE');
  });

  it.each([
    '{"task":"echo","input":{"__proto__":{"polluted":true}}}',
    '{"task":"echo","input":{"constructor":{"prototype":{"polluted":true}}}}',
    '[{"task":"echo"},{"task":"echo","input":[{"a":{"__proto__":{"polluted":1}}}]}]',
    '{"__proto__":{"polluted":true},"task":"echo"}',
    // Spelled with escapes.
    '{"task":"echo","input":{"\\u005f_proto__":{"polluted":true}}}',
    '{"task":"echo","input":[{"pro\\u0074otype":1}]}',
  ])('refuses prototype-polluting keys, with no effect: %s', async (raw) => {
    const res = await s.request('POST', '/api/jobs', {
      raw,
      headers: { 'content-type': 'application/json' },
    });
    expectError(res, 400, 'ERR_VALIDATION', /forbidden key/);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.prototype).not.toHaveProperty('polluted');
  });

  it('takes those words, and escapes, where they are no key', async () => {
    const res = await s.request('POST', '/api/jobs', {
      raw: '{"task":"echo","input":{"a":["__proto__","constructor","\\u0070rototype"]}}',
      headers: { 'content-type': 'application/json' },
    });
    expect(res.status).toBe(201);
    expect(res.body.input).toEqual({ a: ['__proto__', 'constructor', 'prototype'] });
  });

  it('refuses new jobs with 503 while shutting down', async () => {
    s.draining.value = true;
    try {
      const res = await post({ task: 'echo' });
      expectError(res, 503, 'ERR_SHUTTING_DOWN');
      expect(res.headers.get('retry-after')).toBe('5');
    } finally {
      s.draining.value = false;
    }
  });
});

describe('GET /api/jobs/:id', () => {
  it('answers 404 for an unknown id', async () => {
    expectError(await s.request('GET', '/api/jobs/nope'), 404, 'ERR_JOB_NOT_FOUND', /nope/);
    expectError(await s.request('GET', '/api/jobs/nope?waitMs=10'), 404, 'ERR_JOB_NOT_FOUND');
  });

  it('waits up to waitMs for the job to finish', async () => {
    const job = (await post({ task: 'sleep', input: { ms: 150 } })).body as Job;
    const res = await s.request('GET', `/api/jobs/${job.id}?waitMs=10000`);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ id: job.id, state: 'succeeded', result: { slept: 150 } });
  });

  it('answers with the job as it is when waitMs runs out', async () => {
    const job = (await post({ task: 'sleep', input: { ms: 10_000 } })).body as Job;
    const res = await s.request('GET', `/api/jobs/${job.id}?waitMs=50`);
    expect(res.status).toBe(200);
    expect(['queued', 'running']).toContain(res.body.state);
    await s.client.cancel(job.id);
  });

  it.each(['-1', '30001', 'soon', '1.5'])('refuses waitMs=%s', async (waitMs) => {
    const job = (await post({ task: 'echo' })).body as Job;
    const res = await s.request('GET', `/api/jobs/${job.id}?waitMs=${waitMs}`);
    expectError(res, 400, 'ERR_VALIDATION', /^waitMs: /);
  });
});

describe('GET /api/jobs', () => {
  it('pages newest first with a cursor, filtered by category and state', async () => {
    await s.client.patchCategory('images', { paused: true });
    try {
      const created = (
        await post([1, 2, 3, 4, 5].map((i) => ({ task: 'echo', category: 'images', input: i })))
      ).body as Job[];
      const seen: Job[] = [];
      let cursor: string | null = null;
      let pages = 0;
      do {
        const q: string = `/api/jobs?category=images&state=queued&limit=2${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
        const res = await s.request('GET', q);
        expect(res.status).toBe(200);
        expect(Object.keys(res.body).sort()).toEqual(['jobs', 'nextCursor']);
        expect(res.body.jobs.length).toBeLessThanOrEqual(2);
        seen.push(...res.body.jobs);
        cursor = res.body.nextCursor;
        pages += 1;
      } while (cursor !== null && pages < 10);
      expect(pages).toBe(3);
      expect(seen.map((j) => j.input)).toEqual([5, 4, 3, 2, 1]);
      expect(seen.map((j) => j.id)).toEqual(created.map((j) => j.id).reverse());
    } finally {
      await s.client.patchCategory('images', { paused: false });
    }
  });

  it('finds a job by its idempotency key', async () => {
    const job = (await post({ task: 'echo', key: 'list-by-key', delayMs: 60_000 })).body as Job;
    const found = await s.request('GET', '/api/jobs?key=list-by-key');
    expect(found.status).toBe(200);
    expect(found.body).toEqual({
      jobs: [expect.objectContaining({ id: job.id })],
      nextCursor: null,
    });
    const none = await s.request('GET', '/api/jobs?key=no-such-key');
    expect(none.body).toEqual({ jobs: [], nextCursor: null });
  });

  it('defaults the limit to 100', async () => {
    const res = await s.request('GET', '/api/jobs');
    expect(res.status).toBe(200);
    expect(res.body.jobs.length).toBeLessThanOrEqual(100);
  });

  it.each([
    ['limit=0', 'limit'],
    ['limit=1001', 'limit'],
    ['limit=ten', 'limit'],
    ['state=sleeping', 'state'],
    ['category=', 'category'],
  ])('refuses %s', async (query, field) => {
    const res = await s.request('GET', `/api/jobs?${query}`);
    expectError(res, 400, 'ERR_VALIDATION', new RegExp(`^${field}: `));
  });
});

describe('cancel and retry', () => {
  it('cancels a running job (200), then 409 once finished; retries it (200)', async () => {
    const job = (await post({ task: 'sleep', input: { ms: 30_000 } })).body as Job;
    await until(
      () => s.client.get(job.id),
      (j) => j.state === 'running',
    );
    const cancelled = await s.request('POST', `/api/jobs/${job.id}/cancel`);
    expect(cancelled.status).toBe(200);
    expect(cancelled.body.state).toBe('cancelled');
    expectError(
      await s.request('POST', `/api/jobs/${job.id}/cancel`),
      409,
      'ERR_INVALID_TRANSITION',
    );

    const retried = await s.request('POST', `/api/jobs/${job.id}/retry`);
    expect(retried.status).toBe(200);
    expect(['queued', 'running']).toContain(retried.body.state);
    expect(retried.body.attempts).toBe(0);
    await s.client.cancel(job.id);
  });

  it('answers 409 to retrying a job that did not fail, 404 for unknown ids', async () => {
    const job = (await post({ task: 'echo' })).body as Job;
    await s.client.get(job.id, { waitMs: 10_000 });
    expectError(
      await s.request('POST', `/api/jobs/${job.id}/retry`),
      409,
      'ERR_INVALID_TRANSITION',
    );
    expectError(await s.request('POST', '/api/jobs/nope/retry'), 404, 'ERR_JOB_NOT_FOUND');
    expectError(await s.request('POST', '/api/jobs/nope/cancel'), 404, 'ERR_JOB_NOT_FOUND');
  });

  it('retries a failed job with attempts reset', async () => {
    const job = (await post({ task: 'fail', maxRetries: 0 })).body as Job;
    const failed = await s.client.get(job.id, { waitMs: 10_000 });
    expect(failed).toMatchObject({ state: 'failed', failure: 'max_retries', attempts: 1 });
    const res = await s.request('POST', `/api/jobs/${job.id}/retry`);
    expect(res.status).toBe(200);
    expect(res.body.attempts).toBe(0);
    expect(await s.client.get(job.id, { waitMs: 10_000 })).toMatchObject({ state: 'failed' });
  });
});

describe('categories, tasks, stats', () => {
  it('lists the categories', async () => {
    const res = await s.request('GET', '/api/categories');
    expect(res.status).toBe(200);
    expect(res.body.map((c: { name: string }) => c.name)).toEqual([
      'default',
      'email',
      'reports',
      'images',
    ]);
    expect(res.body[1]).toMatchObject({
      weight: 1,
      minWorkers: 1,
      maxWorkers: null,
      paused: false,
      concurrency: 50,
    });
    expect(res.body[2]).toMatchObject({ name: 'reports', concurrency: 1 });
  });

  it('patches a category', async () => {
    const res = await s.request('PATCH', '/api/categories/images', {
      body: { weight: 5, maxWorkers: 2 },
    });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ name: 'images', weight: 5, maxWorkers: 2 });
    const back = await s.request('PATCH', '/api/categories/images', {
      body: { weight: 2, maxWorkers: null },
    });
    expect(back.body).toMatchObject({ weight: 2, maxWorkers: null });
  });

  it("patches a category's concurrency", async () => {
    const res = await s.request('PATCH', '/api/categories/reports', { body: { concurrency: 50 } });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ name: 'reports', concurrency: 50, weight: 3 });
    const listed = await s.client.categories();
    expect(listed.find((c) => c.name === 'reports')?.concurrency).toBe(50);
    const back = await s.request('PATCH', '/api/categories/reports', { body: { concurrency: 1 } });
    expect(back.body).toMatchObject({ name: 'reports', concurrency: 1 });
  });

  it('answers 404 for an unknown category', async () => {
    const res = await s.request('PATCH', '/api/categories/nope', { body: { weight: 1 } });
    expectError(res, 404, 'ERR_UNKNOWN_CATEGORY', /nope/);
  });

  it.each<[string, unknown, string]>([
    ['weight 0', { weight: 0 }, 'weight'],
    ['a negative minWorkers', { minWorkers: -1 }, 'minWorkers'],
    ['maxWorkers 0', { maxWorkers: 0 }, 'maxWorkers'],
    ['a string paused', { paused: 'yes' }, 'paused'],
    ['concurrency 0', { concurrency: 0 }, 'concurrency'],
    ['a fractional concurrency', { concurrency: 1.5 }, 'concurrency'],
    ['concurrency 1001', { concurrency: 1001 }, 'concurrency'],
    ['a null concurrency', { concurrency: null }, 'concurrency'],
    ['an unknown field', { wieght: 2 }, 'wieght'],
    ['an empty patch', {}, ''],
    ['an array', [], ''],
  ])('refuses %s with 400', async (_what, body, path) => {
    const res = await s.request('PATCH', '/api/categories/email', { body });
    expectError(res, 400, 'ERR_VALIDATION');
    expect(res.body.error.details.issues[0].path).toBe(path);
    expect(res.body.error.message).toContain(path);
  });

  it('refuses a PATCH with malformed JSON', async () => {
    const res = await s.request('PATCH', '/api/categories/email', {
      raw: '{weight: 2}',
      headers: { 'content-type': 'application/json' },
    });
    expectError(res, 400, 'ERR_VALIDATION', /^malformed JSON/);
  });

  it('lists the tasks with their categories', async () => {
    const res = await s.request('GET', '/api/tasks');
    expect(res.status).toBe(200);
    expect(res.body).toEqual(
      expect.arrayContaining([
        { name: 'echo', category: 'default' },
        {
          name: 'sleep',
          category: 'images',
          inputSchema: expect.objectContaining({ required: ['ms'] }),
        },
        {
          name: 'fib',
          category: 'reports',
          inputSchema: expect.objectContaining({ required: ['n'] }),
        },
        {
          name: 'flaky',
          category: 'email',
          inputSchema: expect.objectContaining({ type: 'object' }),
        },
      ]),
    );
    expect(res.body).toHaveLength(7);
  });

  it('answers the stats', async () => {
    const res = await s.request('GET', '/api/stats');
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ workers: 2 });
    for (const k of [
      'queued',
      'running',
      'delayed',
      'retrying',
      'succeeded',
      'failed',
      'cancelled',
    ]) {
      expect(typeof res.body[k]).toBe('number');
    }
  });
});

describe('nodes', () => {
  it('lists the one local node, live and leader, through the client', async () => {
    const nodes = await s.client.nodes();
    expect(nodes).toHaveLength(1);
    const [node] = nodes;
    expect(node).toMatchObject({
      name: 'local',
      tags: [],
      workers: 2,
      leader: true,
      state: 'live',
    });
    expect(typeof node!.running).toBe('number');
    expect(Date.parse(node!.heartbeatAt)).toBeGreaterThanOrEqual(Date.parse(node!.startedAt));
    expect((await s.client.stats()).nodes).toBe(1);
  });

  it('refuses to remove a live node (409) and an unknown one (404)', async () => {
    expectError(await s.request('DELETE', '/api/nodes/local'), 409, 'ERR_NODE_LIVE', /local/);
    expectError(await s.request('DELETE', '/api/nodes/nowhere'), 404, 'ERR_NODE_NOT_FOUND');
    await expect(s.client.removeNode('local')).rejects.toMatchObject({
      code: 'ERR_NODE_LIVE',
      status: 409,
    });
    expect(await s.client.nodes()).toHaveLength(1);
  });

  it('names the node that ran a job, and none before it ran', async () => {
    await s.client.patchCategory('images', { paused: true });
    try {
      const waiting = await s.client.submit({ task: 'echo', category: 'images' });
      expect(waiting.node).toBeNull();
    } finally {
      await s.client.patchCategory('images', { paused: false });
    }
    const job = await s.client.submit({ task: 'echo' });
    expect((await s.client.get(job.id, { waitMs: 10_000 })).node).toBe('local');
  });
});

describe('the rest', () => {
  it('answers /healthz', async () => {
    const res = await s.request('GET', '/healthz');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ ok: true });
  });

  it('answers unknown routes with 404 ERR_NOT_FOUND', async () => {
    expectError(await s.request('GET', '/api/nope'), 404, 'ERR_NOT_FOUND');
    expectError(await s.request('DELETE', '/api/jobs'), 404, 'ERR_NOT_FOUND');
    expectError(await s.request('GET', '/'), 404, 'ERR_NOT_FOUND');
  });

  it('sends security headers and no CORS headers', async () => {
    const res = await s.request('GET', '/api/stats', { headers: { origin: 'http://evil.test' } });
    expect(res.headers.get('content-security-policy')).toContain("default-src 'self'");
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('x-powered-by')).toBeNull();
    expect(res.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('serves Prometheus metrics', async () => {
    const job = (await post({ task: 'echo' })).body as Job;
    await s.client.get(job.id, { waitMs: 10_000 });
    const res = await s.request('GET', '/metrics');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/plain');
    expect(res.text).toMatch(
      /cadre_jobs_finished_total\{category="default",outcome="succeeded"\} \d+/,
    );
    expect(res.text).toMatch(/cadre_jobs_queued\{category="email"\} \d+/);
    expect(res.text).toMatch(/cadre_workers_allocated\{category="reports"\} \d+/);
    expect(res.text).toMatch(/^cadre_workers 2$/m);
    expect(res.text).toMatch(/cadre_job_wait_seconds_count\{category="default"\} [1-9]/);
    expect(res.text).toMatch(/cadre_job_run_seconds_count\{category="default"\} [1-9]/);
    expect(res.text).toContain('process_cpu_user_seconds_total');
  });

  it('serves an OpenAPI document built from the schemas', async () => {
    const res = await s.request('GET', '/api/openapi.json');
    expect(res.status).toBe(200);
    expect(res.body.openapi).toBe('3.1.0');
    expect(Object.keys(res.body.paths)).toEqual(
      expect.arrayContaining([
        '/api/jobs',
        '/api/jobs/{id}',
        '/api/jobs/{id}/cancel',
        '/api/jobs/{id}/retry',
        '/api/categories',
        '/api/categories/{name}',
        '/api/tasks',
        '/api/stats',
        '/api/nodes',
        '/api/nodes/{name}',
        '/healthz',
        '/metrics',
      ]),
    );
    const schemas = res.body.components.schemas;
    expect(schemas.Job.required).toContain('node');
    expect(schemas.Stats.required).toContain('nodes');
    expect(Object.keys(schemas.Node.properties)).toEqual([
      'name',
      'tags',
      'workers',
      'running',
      'allocation',
      'leader',
      'state',
      'startedAt',
      'heartbeatAt',
    ]);
    expect(Object.keys(res.body.paths['/api/nodes/{name}'].delete.responses)).toEqual([
      '204',
      '404',
      '409',
    ]);
    expect(schemas.Category.required).toContain('concurrency');
    expect(schemas.Category.properties.concurrency).toMatchObject({ minimum: 1, maximum: 1000 });
    expect(schemas.CategoryPatch.properties.concurrency).toMatchObject({
      type: 'integer',
      minimum: 1,
      maximum: 1000,
    });
    const request = res.body.components.schemas.JobRequest;
    expect(request.additionalProperties).toBe(false);
    expect(request.required).toEqual(['task']);
    expect(request.properties.maxRetries).toMatchObject({ minimum: 0, maximum: 100 });
    const list = res.body.paths['/api/jobs'].get.parameters.map((p: { name: string }) => p.name);
    expect(list).toEqual(['category', 'state', 'limit', 'cursor', 'key', 'flowId', 'task', 'q']);
    expect(res.body.paths['/api/jobs/bulk'].post.requestBody.content).toBeDefined();
    expect(schemas.BulkBody.properties.action.enum).toEqual(['retry', 'cancel', 'delete']);
    expect(schemas.BulkAnswer.required).toEqual(['matched', 'changed']);
    // Every $ref points at a component that exists.
    for (const [, id] of res.text.matchAll(/"#\/components\/schemas\/(\w+)"/g)) {
      expect(res.body.components.schemas).toHaveProperty(id!);
    }
  });
});

describe('with a dashboard directory, CORS and queue limits', () => {
  let t: TestServer;
  const web = mkdtempSync(join(tmpdir(), 'cadre-web-'));
  beforeAll(async () => {
    mkdirSync(join(web, 'assets'));
    writeFileSync(join(web, 'index.html'), '<!doctype html><title>cadre</title>');
    writeFileSync(join(web, 'assets', 'app.js'), 'console.log(1);');
    t = await startTestServer({
      webDir: web,
      corsOrigin: 'http://ui.test',
      config: (c) => {
        const images = c.categories.find((x) => x.name === 'images')!;
        images.maxQueued = 2;
      },
    });
  });
  afterAll(async () => {
    await t?.close();
    rmSync(web, { recursive: true, force: true });
  });

  it('serves the dashboard with a fallback for client routes, but not for the API', async () => {
    const root = await t.request('GET', '/');
    expect(root.status).toBe(200);
    expect(root.text).toContain('<title>cadre</title>');
    const asset = await t.request('GET', '/assets/app.js');
    expect(asset.text).toBe('console.log(1);');
    const route = await t.request('GET', '/jobs/abc');
    expect(route.text).toContain('<title>cadre</title>');
    expectError(await t.request('GET', '/api/nope'), 404, 'ERR_NOT_FOUND');
    expectError(await t.request('POST', '/elsewhere'), 404, 'ERR_NOT_FOUND');
  });

  it('allows the configured origin', async () => {
    const res = await t.request('GET', '/api/stats', { headers: { origin: 'http://ui.test' } });
    expect(res.headers.get('access-control-allow-origin')).toBe('http://ui.test');
    const pre = await fetch(`${t.url}/api/jobs`, {
      method: 'OPTIONS',
      headers: { origin: 'http://ui.test', 'access-control-request-method': 'POST' },
    });
    expect(pre.status).toBe(204);
    expect(pre.headers.get('access-control-allow-headers')).toMatch(/Authorization/);
    const remove = await fetch(`${t.url}/api/nodes/n1`, {
      method: 'OPTIONS',
      headers: { origin: 'http://ui.test', 'access-control-request-method': 'DELETE' },
    });
    expect(remove.headers.get('access-control-allow-methods')).toMatch(/DELETE/);
  });

  it('answers a full queue with 429 and Retry-After', async () => {
    await t.client.patchCategory('images', { paused: true });
    const ok = await t.request('POST', '/api/jobs', {
      body: [
        { task: 'echo', category: 'images' },
        { task: 'echo', category: 'images' },
      ],
    });
    expect(ok.status).toBe(201);
    const full = await t.request('POST', '/api/jobs', {
      body: { task: 'echo', category: 'images' },
    });
    expectError(full, 429, 'ERR_QUEUE_FULL');
    expect(Number(full.headers.get('retry-after'))).toBeGreaterThan(0);
  });
});
