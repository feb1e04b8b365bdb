/**
 * The HTTP side of priorities and rate limits, on the local backend and on
 * PostgreSQL: request fields, category settings, refusals.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serverBackends } from './test-support/postgres-backend.js';
import { startTestServer, type AnyBody, type TestServer } from './test-support/test-server.js';

let s: TestServer;
/** The local backend over memory, and PostgreSQL. */
const BACKENDS = serverBackends();

function expectInvalid(res: { status: number; body: AnyBody }, path: string): void {
  expect(res.status, JSON.stringify(res.body)).toBe(400);
  expect(res.body.error.code).toBe('ERR_VALIDATION');
  expect(res.body.error.details.issues[0].path).toBe(path);
  expect(res.body.error.message).toContain(`${path}: `);
}

describe.each(BACKENDS)('on the %s backend', (_name, options) => {
  beforeAll(async () => {
    s = await startTestServer({
      ...(await options()),
      config: (c) => {
        const reports = c.categories.find((cat) => cat.name === 'reports')!;
        reports.rateLimit = { max: 2, perMs: 60_000 };
      },
    });
  });
  afterAll(async () => {
    await s?.close();
  });

  describe('priorities over HTTP', () => {
    it('takes a priority and shows it on the job; 0 by default', async () => {
      const res = await s.request('POST', '/api/jobs', {
        body: [{ task: 'echo', priority: 42 }, { task: 'echo' }, { task: 'echo', priority: -100 }],
      });
      expect(res.status).toBe(201);
      expect(res.body.map((j: { priority: number }) => j.priority)).toEqual([42, 0, -100]);
      const read = await s.request('GET', `/api/jobs/${res.body[0].id}`);
      expect(read.body.priority).toBe(42);
    });

    it('starts the highest priority first, FIFO among equals', async () => {
      await s.client.patchCategory('images', { paused: true });
      const jobs = await s.client.submit(
        [0, 5, -1, 5, 0].map((priority, i) => ({
          task: 'sleep',
          category: 'images',
          input: { ms: 20, i },
          priority,
        })),
      );
      await s.client.patchCategory('images', { paused: false });
      const done = await Promise.all(jobs.map((j) => s.client.get(j.id, { waitMs: 10_000 })));
      expect(done.every((j) => j.state === 'succeeded')).toBe(true);
      // Claimed in this order: no job starts before one that comes ahead of it.
      const starts = [1, 3, 0, 4, 2].map((i) => Date.parse(done[i]!.startedAt!));
      expect([...starts].sort((a, b) => a - b)).toEqual(starts);
    });

    it.each<[string, unknown, string]>([
      ['a priority over 100', { task: 'echo', priority: 101 }, 'priority'],
      ['a priority under -100', { task: 'echo', priority: -101 }, 'priority'],
      ['a fractional priority', { task: 'echo', priority: 0.5 }, 'priority'],
      ['a string priority', { task: 'echo', priority: '1' }, 'priority'],
      ['a null priority', { task: 'echo', priority: null }, 'priority'],
    ])('refuses %s with 400 naming the field', async (_what, body, path) => {
      expectInvalid(await s.request('POST', '/api/jobs', { body }), path);
    });

    it('names the element of a batch whose priority is refused', async () => {
      const res = await s.request('POST', '/api/jobs', {
        body: [{ task: 'echo' }, { task: 'echo', priority: 1000 }],
      });
      expectInvalid(res, '[1].priority');
    });
  });

  describe('rate limits over HTTP', () => {
    it('shows the configured limit on the category, and whether it holds now', async () => {
      const categories = await s.client.categories();
      expect(categories.find((c) => c.name === 'reports')).toMatchObject({
        rateLimit: { max: 2, perMs: 60_000 },
        rateLimited: false,
      });
      expect(categories.find((c) => c.name === 'images')).toMatchObject({
        rateLimit: null,
        rateLimited: false,
      });
    });

    it('holds jobs over the limit queued, without spending an attempt', async () => {
      const jobs = await s.client.submit(
        Array.from({ length: 4 }, () => ({ task: 'fib', input: { n: 1 } })),
      );
      for (const job of jobs.slice(0, 2)) {
        expect((await s.client.get(job.id, { waitMs: 10_000 })).state).toBe('succeeded');
      }
      const reports = (await s.client.categories()).find((c) => c.name === 'reports')!;
      expect(reports).toMatchObject({ queued: 2, rateLimited: true });
      for (const job of jobs.slice(2)) {
        expect(await s.client.get(job.id)).toMatchObject({ state: 'queued', attempts: 0 });
      }
      // Lifting the limit lets them go at once.
      const res = await s.request('PATCH', '/api/categories/reports', {
        body: { rateLimit: null },
      });
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ rateLimit: null, rateLimited: false });
      for (const job of jobs.slice(2)) {
        expect((await s.client.get(job.id, { waitMs: 10_000 })).state).toBe('succeeded');
      }
    });

    it('sets and changes a limit with PATCH', async () => {
      const res = await s.request('PATCH', '/api/categories/images', {
        body: { rateLimit: { max: 10, perMs: 1000 } },
      });
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ name: 'images', rateLimit: { max: 10, perMs: 1000 } });
      const listed = await s.client.categories();
      expect(listed.find((c) => c.name === 'images')?.rateLimit).toEqual({ max: 10, perMs: 1000 });
      const off = await s.client.patchCategory('images', { rateLimit: null });
      expect(off.rateLimit).toBeNull();
    });

    it.each<[string, unknown, string]>([
      ['max 0', { rateLimit: { max: 0, perMs: 1000 } }, 'rateLimit.max'],
      ['a fractional max', { rateLimit: { max: 1.5, perMs: 1000 } }, 'rateLimit.max'],
      ['perMs 0', { rateLimit: { max: 1, perMs: 0 } }, 'rateLimit.perMs'],
      ['perMs over a day', { rateLimit: { max: 1, perMs: 86_400_001 } }, 'rateLimit.perMs'],
      ['no perMs', { rateLimit: { max: 1 } }, 'rateLimit.perMs'],
      ['an unknown field', { rateLimit: { max: 1, perMs: 10, burst: 2 } }, 'rateLimit.burst'],
      ['a number', { rateLimit: 5 }, 'rateLimit'],
      [
        'lowerPriorityOnRetry (config only)',
        { lowerPriorityOnRetry: false },
        'lowerPriorityOnRetry',
      ],
    ])('refuses a PATCH with %s', async (_what, body, path) => {
      const res = await s.request('PATCH', '/api/categories/email', { body });
      expect(res.status, JSON.stringify(res.body)).toBe(400);
      expect(res.body.error.code).toBe('ERR_VALIDATION');
      expect(res.body.error.details.issues[0].path).toBe(path);
      expect(res.body.error.message).toContain(path);
    });

    it('documents both in the OpenAPI document', async () => {
      const doc = (await s.request('GET', '/api/openapi.json')).body;
      const schemas = doc.components.schemas;
      expect(schemas.JobRequest.properties.priority).toMatchObject({
        type: 'integer',
        minimum: -100,
        maximum: 100,
      });
      expect(schemas.Job.required).toContain('priority');
      expect(schemas.CategoryPatch.properties.rateLimit).toBeDefined();
      expect(schemas.Category.required).toEqual(
        expect.arrayContaining(['rateLimit', 'rateLimited']),
      );
    });
  });
});
