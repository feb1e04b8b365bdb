// Search and bulk actions over HTTP (issue 14), on the local backend and on
// PostgreSQL: `GET /api/jobs?q=` finds text in a job and combines with the
// other filters; `POST /api/jobs/bulk` retries, cancels or deletes every job
// that matches and allows it, answers { matched, changed } once durable, and
// refuses a bad body with a 400 that names the problem. Over the lowdb store,
// a bulk over thousands of jobs is there again after a restart.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import type { Job } from '@cadre/core';
import { openLowdbStore } from '@cadre/store';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serverBackends } from './test-support/postgres-backend.js';
import {
  startTestServer,
  until,
  type AnyBody,
  type TestServer,
} from './test-support/test-server.js';

let s: TestServer;
const BACKENDS = serverBackends();
const HOUR = 3_600_000;

function expectError(res: { status: number; body: AnyBody }, status: number, message: RegExp) {
  expect(res.status, JSON.stringify(res.body)).toBe(status);
  expect(res.body.error.message).toMatch(message);
}

/** Every job `q` finds, newest first, over all pages. */
async function search(query: Record<string, string>): Promise<Job[]> {
  const jobs: Job[] = [];
  let cursor: string | undefined;
  for (;;) {
    const qs = new URLSearchParams({ ...query, limit: '1000', ...(cursor ? { cursor } : {}) });
    const res = await s.request('GET', `/api/jobs?${qs}`);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    jobs.push(...(res.body.jobs as Job[]));
    cursor = res.body.nextCursor ?? undefined;
    if (cursor === undefined) return jobs;
  }
}

describe.each(BACKENDS)('on the %s backend', (_name, options) => {
  beforeAll(async () => {
    s = await startTestServer(await options());
  });
  afterAll(async () => {
    await s?.close();
  });

  describe('GET /api/jobs?q=', () => {
    it('finds a job by text in its input, key, task or error, in any case, with the other filters', async () => {
      const tag = randomUUID();
      const [a, b] = await s.client.submit([
        { task: 'echo', input: { note: `Needle-${tag}` }, delayMs: HOUR },
        { task: 'echo', input: { note: 'hay' }, key: `KEY-${tag}`, delayMs: HOUR },
      ]);
      const failed = await s.client.submit({ task: 'permanent', input: { t: 'x' } });
      await s.client.get(failed.id, { waitMs: 10_000 });
      expect((await search({ q: `needle-${tag.toUpperCase()}` })).map((j) => j.id)).toEqual([
        a!.id,
      ]);
      expect((await search({ q: `key-${tag}` })).map((j) => j.id)).toEqual([b!.id]);
      expect((await search({ q: tag })).map((j) => j.id)).toEqual([b!.id, a!.id]);
      expect(await search({ q: tag, state: 'queued' })).toEqual([]);
      expect((await search({ q: tag, task: 'echo', state: 'delayed' })).length).toBe(2);
      expect(await search({ q: tag, category: 'email' })).toEqual([]);
      const byError = await search({ q: 'CAN NEVER', task: 'permanent', state: 'failed' });
      expect(byError.map((j) => j.id)).toContain(failed.id);
    });

    it('refuses text longer than 200 characters, naming q', async () => {
      const res = await s.request('GET', `/api/jobs?q=${'x'.repeat(201)}`);
      expectError(res, 400, /q/);
    });
  });

  describe('POST /api/jobs/bulk', () => {
    it('cancels, retries and deletes what matches and allows it, and answers { matched, changed }', async () => {
      const tag = randomUUID();
      const jobs = await s.client.submit(
        Array.from({ length: 30 }, (_, i) => ({
          task: 'echo',
          input: { tag, i },
          delayMs: HOUR,
        })),
      );
      const cancel = await s.request('POST', '/api/jobs/bulk', {
        body: { filter: { q: tag }, action: 'cancel' },
      });
      expect(cancel.status, JSON.stringify(cancel.body)).toBe(200);
      expect(cancel.body).toEqual({ matched: 30, changed: 30 });
      // Durable and visible at once.
      expect((await s.client.get(jobs[0]!.id)).state).toBe('cancelled');
      // Cancelled jobs cannot be cancelled again.
      expect(await s.client.bulk({ q: tag }, 'cancel')).toEqual({ matched: 30, changed: 0 });

      expect(await s.client.bulk({ q: tag, state: 'cancelled' }, 'retry')).toEqual({
        matched: 30,
        changed: 30,
      });
      // They run again (retry queues them at once) and succeed.
      await until(
        () => search({ q: tag, state: 'succeeded' }),
        (done) => done.length === 30,
      );
      expect(await s.client.bulk({ q: tag }, 'delete')).toEqual({ matched: 30, changed: 30 });
      expect(await search({ q: tag })).toEqual([]);
      const gone = await s.request('GET', `/api/jobs/${jobs[0]!.id}`);
      expect(gone.status).toBe(404);
    });

    it('deletes only finished jobs', async () => {
      const tag = randomUUID();
      const [waiting] = await s.client.submit([{ task: 'echo', input: { tag }, delayMs: HOUR }]);
      const done = await s.client.submit({ task: 'echo', input: { tag } });
      await s.client.get(done.id, { waitMs: 10_000 });
      expect(await s.client.bulk({ q: tag }, 'delete')).toEqual({ matched: 2, changed: 1 });
      expect((await s.client.get(waiting!.id)).state).toBe('delayed');
    });

    it('acts on a selection of ids, counting those that exist', async () => {
      const tag = randomUUID();
      const made = await s.client.submit(
        [1, 2, 3].map((i) => ({ task: 'echo', input: { tag, i }, delayMs: HOUR })),
      );
      const ids = [made[0]!.id, made[2]!.id, 'no-such-job'];
      expect(await s.client.bulk({ ids }, 'cancel')).toEqual({ matched: 2, changed: 2 });
      const states = await Promise.all(made.map(async (j) => (await s.client.get(j.id)).state));
      expect(states).toEqual(['cancelled', 'delayed', 'cancelled']);
      expect(await s.client.bulk({ ids }, 'delete')).toEqual({ matched: 2, changed: 2 });
      expect((await search({ q: tag })).map((j) => j.id)).toEqual([made[1]!.id]);
    });

    it('takes an empty filter as every job', async () => {
      const tag = randomUUID();
      await s.client.submit({ task: 'echo', input: { tag }, delayMs: HOUR });
      const all = await s.client.bulk({}, 'cancel');
      expect(all.matched).toBeGreaterThanOrEqual(1);
      expect(all.changed).toBeGreaterThanOrEqual(1);
      expect((await search({ q: tag }))[0]!.state).toBe('cancelled');
    });

    it.each([
      [undefined, /body/i],
      [{ filter: {}, action: 'explode' }, /action/],
      [{ filter: {} }, /action/],
      [{ action: 'retry' }, /filter/],
      [{ filter: { state: 'sleeping' }, action: 'retry' }, /filter\.state/],
      [{ filter: { colour: 'red' }, action: 'retry' }, /colour/],
      [{ filter: {}, action: 'retry', extra: 1 }, /extra/],
      [{ filter: { category: 'nope' }, action: 'retry' }, /nope/],
      [{ filter: { ids: ['a'], state: 'failed' }, action: 'retry' }, /filter\.ids/],
      [{ filter: { ids: [] }, action: 'retry' }, /filter\.ids/],
    ])('refuses %j with a 400 naming the problem', async (body, message) => {
      const res = await s.request(
        'POST',
        '/api/jobs/bulk',
        body === undefined ? {} : { body: body as unknown },
      );
      expectError(res, 400, message);
    });
  });
});

describe('a bulk over the lowdb store', () => {
  const dir = mkdtempSync(join(tmpdir(), 'cadre-bulk-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('cancels 5,000 jobs in pages, and they are still cancelled after a restart', async () => {
    const first = await startTestServer({ store: await openLowdbStore({ dir }) });
    const n = 5000;
    try {
      await first.client.submit(
        Array.from({ length: n }, (_, i) => ({ task: 'echo', input: { i }, delayMs: HOUR })),
      );
      expect(await first.client.bulk({ state: 'delayed' }, 'cancel')).toEqual({
        matched: n,
        changed: n,
      });
    } finally {
      await first.close();
    }
    const second = await startTestServer({ store: await openLowdbStore({ dir }) });
    try {
      const stats = await second.client.stats();
      expect(stats.delayed).toBe(0);
      const cancelled = (await second.client.categories()).find((c) => c.name === 'default');
      expect(cancelled).toBeDefined();
      let count = 0;
      let cursor: string | null = null;
      do {
        const page = await second.client.list({
          state: 'cancelled',
          limit: 1000,
          ...(cursor ? { cursor } : {}),
        });
        count += page.jobs.length;
        cursor = page.nextCursor;
      } while (cursor !== null);
      expect(count).toBe(n);
    } finally {
      await second.close();
    }
  });
});
