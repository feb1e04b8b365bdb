/**
 * Metrics history and wait targets over HTTP (issue 14), on the local
 * backend (the lowdb store, restarted on the same directory) and on
 * PostgreSQL (restarted on the same schema): `GET /api/history` shows the
 * jobs of the last hour after a restart; `targetWaitMs` in the config and by
 * PATCH; a bad range or target is a 400 that names it.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { HistoryView } from '@cadre/core';
import { createPostgresBackend } from '@cadre/postgres';
import { createTestDatabase, type TestDatabase } from '@cadre/postgres/test-support';
import { openLowdbStore } from '@cadre/store';
import { afterAll, describe, expect, it } from 'vitest';
import {
  startTestServer,
  type AnyBody,
  type TestServer,
  type TestServerOptions,
} from './test-support/test-server.js';

const dir = mkdtempSync(join(tmpdir(), 'cadre-history-'));
let db: TestDatabase | null = null;
afterAll(async () => {
  rmSync(dir, { recursive: true, force: true });
  await db?.drop();
});

/** Each backend: what a server on the same data starts with, every time it is called. */
const BACKENDS: [string, () => Promise<() => Promise<TestServerOptions>>][] = [
  [
    'local (lowdb)',
    async () => {
      const path = mkdtempSync(join(dir, 'data-'));
      return async () => ({ store: await openLowdbStore({ dir: path }) });
    },
  ],
  [
    'PostgreSQL',
    async () => {
      db ??= await createTestDatabase();
      const url = db.url;
      const schema = db.schemaName();
      return async () => ({ backend: createPostgresBackend({ connectionString: url, schema }) });
    },
  ],
];

function expectInvalid(res: { status: number; body: AnyBody }, field: string): void {
  expect(res.status, JSON.stringify(res.body)).toBe(400);
  expect(res.body.error.code).toBe('ERR_VALIDATION');
  expect(res.body.error.message).toContain(field);
}

describe.each(BACKENDS)('on the %s backend', (_name, makeData) => {
  it('shows the last hour after a restart, per minute and category', async () => {
    const data = await makeData();
    let first: TestServer | null = await startTestServer(await data());
    let second: TestServer | null = null;
    try {
      const jobs = await first.client.submit([
        { task: 'echo', input: 1 },
        { task: 'echo', input: 2, category: 'email' },
        { task: 'sleep', input: { ms: 20 }, category: 'email' },
        { task: 'permanent', category: 'email' },
      ]);
      for (const j of jobs) await first.client.get(j.id, { waitMs: 10_000 });
      // The graceful stop flushes what the last interval had not.
      await first.close();
      first = null;

      second = await startTestServer(await data());
      const history: HistoryView = await second.client.history('1h');
      expect(history).toMatchObject({ range: '1h', stepMs: 60_000 });
      expect(Date.parse(history.to) - Date.parse(history.from)).toBeLessThan(60 * 60_000);
      const sum = (category: string, field: 'succeeded' | 'failed') =>
        history.points.filter((p) => p.category === category).reduce((n, p) => n + p[field], 0);
      expect(sum('default', 'succeeded')).toBe(1);
      expect(sum('email', 'succeeded')).toBe(2);
      expect(sum('email', 'failed')).toBe(1);
      const email = history.points.find((p) => p.category === 'email')!;
      expect(email.minute).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:00\.000Z$/);
      expect(email.waitP95Ms).not.toBeNull();
      expect(email.runP95Ms).toBeGreaterThanOrEqual(email.runP50Ms!);
      // The other ranges read the same rows.
      const short = await second.request('GET', '/api/history?range=5m');
      expect(short.status).toBe(200);
      expect(short.body.points.length).toBeGreaterThan(0);
      expect((await second.request('GET', '/api/history?range=24h')).body.range).toBe('24h');
    } finally {
      await first?.close();
      await second?.close();
    }
  });

  it('keeps a target wait set by PATCH, shows the last minute of waits, and clears it with null', async () => {
    const data = await makeData();
    let s: TestServer | null = await startTestServer({
      ...(await data()),
      config: (c) => {
        c.categories.find((cat) => cat.name === 'reports')!.targetWaitMs = 5000;
      },
    });
    try {
      const cats = await s.client.categories();
      expect(cats.find((c) => c.name === 'reports')).toMatchObject({
        targetWaitMs: 5000,
        waitP50Ms: null,
        waitP95Ms: null,
      });
      expect(cats.find((c) => c.name === 'email')!.targetWaitMs).toBeNull();
      const patched = await s.client.patchCategory('email', { targetWaitMs: 250 });
      expect(patched.targetWaitMs).toBe(250);
      const [job] = await s.client.submit([{ task: 'echo', category: 'email' }]);
      await s.client.get(job!.id, { waitMs: 10_000 });
      const email = (await s.client.categories()).find((c) => c.name === 'email')!;
      expect(email.waitP50Ms).not.toBeNull();
      expect(email.waitP95Ms).not.toBeNull();
      await s.close();
      s = await startTestServer(await data());
      expect((await s.client.categories()).find((c) => c.name === 'email')!.targetWaitMs).toBe(250);
      const cleared = await s.request('PATCH', '/api/categories/email', {
        body: { targetWaitMs: null },
      });
      expect(cleared.status).toBe(200);
      expect(cleared.body.targetWaitMs).toBeNull();
    } finally {
      await s?.close();
    }
  });
});

describe('refusals', () => {
  let s: TestServer;
  it('answers 400 naming the range for a bad one', async () => {
    s = await startTestServer();
    try {
      for (const range of ['2h', '', '5M']) {
        const res = await s.request('GET', `/api/history?range=${range}`);
        expectInvalid(res, 'range');
      }
      // Without a range: the last hour.
      const res = await s.request('GET', '/api/history');
      expect(res.status).toBe(200);
      expect(res.body.range).toBe('1h');

      for (const bad of [0, -5, 'fast', 86_400_001, true]) {
        const res = await s.request('PATCH', '/api/categories/email', {
          body: { targetWaitMs: bad },
        });
        expectInvalid(res, 'targetWaitMs');
      }
      const unknown = await s.request('PATCH', '/api/categories/nope', {
        body: { targetWaitMs: 100 },
      });
      expect(unknown.status).toBe(404);
    } finally {
      await s.close();
    }
  });

  it('exports the wait histogram and the targets on /metrics', async () => {
    s = await startTestServer({
      config: (c) => {
        c.categories.find((cat) => cat.name === 'email')!.targetWaitMs = 1500;
      },
    });
    try {
      const [job] = await s.client.submit([{ task: 'echo', category: 'email' }]);
      await s.client.get(job!.id, { waitMs: 10_000 });
      const text = (await s.request('GET', '/metrics')).text;
      expect(text).toMatch(/cadre_job_wait_seconds_bucket\{le="[^"]+",category="email"\} 1/);
      expect(text).toContain('cadre_category_target_wait_seconds{category="email"} 1.5');
      expect(text).toMatch(/cadre_category_wait_p95_seconds\{category="email"\} \d/);
    } finally {
      await s.close();
    }
  });
});
