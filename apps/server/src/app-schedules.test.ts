/** Schedules and observers over HTTP and socket.io (issue 13), on the local backend and on PostgreSQL. */
import type { ClientToServerEvents, ServerToClientEvents } from '@cadre/client';
import type { ObserverResult } from '@cadre/core';
import { io as connect, type Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serverBackends } from './test-support/postgres-backend.js';
import { startTestServer, until, type TestServer } from './test-support/test-server.js';

let s: TestServer;
/** The local backend over memory, and PostgreSQL. */
const BACKENDS = serverBackends();

const hourly = { name: 'hourly', cron: '0 * * * *', job: { task: 'echo', input: { n: 1 } } };

/** The 400 a body earns: its code and message. */
async function refusal(path: string, body: unknown, method = 'POST') {
  const res = await s.request(method, path, { body });
  expect(res.status, JSON.stringify(res.body)).toBe(400);
  return res.body.error as { code: string; message: string; details?: unknown };
}

describe.each(BACKENDS)('on the %s backend', (_, options) => {
  beforeAll(async () => {
    s = await startTestServer(await options());
  });
  afterAll(async () => {
    await s?.close();
  });

  describe('/api/schedules', () => {
    it('creates a schedule (201), reports it, and updates it in place (200)', async () => {
      const created = await s.request('POST', '/api/schedules', { body: hourly });
      expect(created.status).toBe(201);
      expect(created.body).toMatchObject({
        name: 'hourly',
        cron: '0 * * * *',
        everyMs: null,
        tz: null,
        paused: false,
        lastRunAt: null,
        lastJobId: null,
        catchUp: 'last',
        job: { task: 'echo', input: { n: 1 } },
        source: 'api',
      });
      const next = Date.parse(created.body.nextRunAt);
      expect(next % 3_600_000).toBe(0);
      expect(next).toBeGreaterThan(Date.now());
      const again = await s.request('POST', '/api/schedules', {
        body: { ...hourly, catchUp: 'none', tz: 'Asia/Kolkata' },
      });
      expect(again.status).toBe(200);
      // Kolkata is UTC+5:30: its whole hours fall at half past in UTC.
      expect(Date.parse(again.body.nextRunAt) % 3_600_000).toBe(1_800_000);
      expect((await s.request('GET', '/api/schedules/hourly')).body).toEqual(again.body);
      const list = await s.request('GET', '/api/schedules');
      expect(list.body.map((x: { name: string }) => x.name)).toContain('hourly');
    });

    it.each([
      [
        'both cron and everyMs',
        { ...hourly, everyMs: 1000 },
        'give exactly one of cron and everyMs',
      ],
      [
        'neither cron nor everyMs',
        { name: 'n', job: { task: 'echo' } },
        'give exactly one of cron and everyMs',
      ],
      [
        'a bad cron expression',
        { ...hourly, cron: '61 * * * *' },
        'cron: Invalid value for minute: 61',
      ],
      ['a cron of 7 fields', { ...hourly, cron: '0 0 0 * * * *' }, 'cron: '],
      [
        'a cron that never fires',
        { ...hourly, cron: '0 0 31 2 *' },
        "cron: '0 0 31 2 *' never fires",
      ],
      [
        'a bad time zone',
        { ...hourly, tz: 'Moon/Tranquility' },
        "tz: unknown time zone 'Moon/Tranquility'",
      ],
      [
        'a time zone with everyMs',
        { name: 'n', everyMs: 1000, tz: 'UTC', job: { task: 'echo' } },
        'tz: a time zone applies to cron only',
      ],
      ['a period too short', { name: 'n', everyMs: 10, job: { task: 'echo' } }, 'everyMs: '],
      [
        'a key on the job',
        { ...hourly, job: { task: 'echo', key: 'k' } },
        'job.key: unknown field',
      ],
      [
        'callbacks on the job',
        { ...hourly, job: { task: 'echo', onSuccess: [] } },
        'job.onSuccess: unknown field',
      ],
      ['a bad catchUp', { ...hourly, catchUp: 'most' }, 'catchUp: '],
      ['a bad name', { ...hourly, name: 'no spaces' }, 'name: must be 1..64 letters'],
    ])('refuses %s with a 400 naming the problem', async (_, body, message) => {
      const error = await refusal('/api/schedules', body);
      expect(error.code).toBe('ERR_VALIDATION');
      expect(error.message).toContain(message);
    });

    it('refuses an unknown task or category of its job with a 400 naming the field', async () => {
      const task = await refusal('/api/schedules', { ...hourly, job: { task: 'nope' } });
      expect(task).toMatchObject({ code: 'ERR_UNKNOWN_TASK', details: { field: 'job.task' } });
      const category = await refusal('/api/schedules', {
        ...hourly,
        job: { task: 'echo', category: 'nope' },
      });
      expect(category).toMatchObject({
        code: 'ERR_UNKNOWN_CATEGORY',
        details: { field: 'job.category' },
      });
    });

    it('pauses and resumes', async () => {
      await s.request('POST', '/api/schedules', { body: { ...hourly, name: 'p' } });
      const paused = await s.request('PATCH', '/api/schedules/p', { body: { paused: true } });
      expect(paused.status).toBe(200);
      expect(paused.body).toMatchObject({ paused: true, nextRunAt: null });
      const resumed = await s.request('PATCH', '/api/schedules/p', { body: { paused: false } });
      expect(resumed.body.paused).toBe(false);
      expect(resumed.body.nextRunAt).not.toBeNull();
      const bad = await refusal('/api/schedules/p', { paused: 'yes' }, 'PATCH');
      expect(bad.message).toContain('paused: ');
    });

    it('answers 404 for an unknown name on every route, before looking at the body', async () => {
      for (const [method, body] of [
        ['GET', undefined],
        ['DELETE', undefined],
        ['PATCH', { paused: 'not even a boolean' }],
      ] as const) {
        const res = await s.request(method, '/api/schedules/nobody', { body });
        expect(res.status, method).toBe(404);
        expect(res.body.error).toMatchObject({
          code: 'ERR_SCHEDULE_NOT_FOUND',
          message: "no schedule named 'nobody'",
        });
      }
    });

    it('deletes (204), and the jobs it made stay', async () => {
      await s.request('POST', '/api/schedules', {
        body: { name: 'brief', everyMs: 100, catchUp: 'all', job: { task: 'echo' } },
      });
      const first = await until(
        () => s.client.list({ limit: 1000 }),
        (page) => page.jobs.some((j) => j.schedule === 'brief'),
      );
      const made = first.jobs.find((j) => j.schedule === 'brief')!;
      expect(made.key).toMatch(/^schedule:brief:\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
      expect((await s.request('DELETE', '/api/schedules/brief')).status).toBe(204);
      expect((await s.request('GET', '/api/schedules/brief')).status).toBe(404);
      expect((await s.client.get(made.id)).schedule).toBe('brief');
    });

    it('each tick of a real schedule makes one job, found by its key', async () => {
      const schedule = await s.client.saveSchedule({
        name: 'tick',
        everyMs: 200,
        catchUp: 'all',
        job: { task: 'echo', input: 'scheduled' },
      });
      const view = await until(
        () => s.client.schedule('tick'),
        (v) => v.lastJobId !== null,
      );
      expect(Date.parse(view.lastRunAt!)).toBeGreaterThanOrEqual(Date.parse(schedule.nextRunAt!));
      const page = await s.client.list({ key: `schedule:tick:${view.lastRunAt}` });
      expect(page.jobs.map((j) => j.id)).toEqual([view.lastJobId]);
      expect(page.jobs[0]).toMatchObject({ schedule: 'tick', input: 'scheduled' });
      await s.client.deleteSchedule('tick');
    });
  });

  describe('/api/observers', () => {
    it('creates, lists, keeps results newest first, and deletes', async () => {
      const created = await s.request('POST', '/api/observers', {
        body: { name: 'done', query: { state: 'succeeded', category: 'default' }, everyMs: 200 },
      });
      expect(created.status).toBe(201);
      expect(created.body).toMatchObject({
        name: 'done',
        query: { state: 'succeeded', category: 'default' },
        everyMs: 200,
        at: null,
        tz: null,
        source: 'api',
      });
      expect(
        (await s.request('GET', '/api/observers')).body.map((o: { name: string }) => o.name),
      ).toContain('done');
      const job = await s.client.submit({ task: 'echo', category: 'default' });
      await s.client.get(job.id, { waitMs: 5000 });
      const results = await until(
        async () =>
          (await s.request('GET', '/api/observers/done/results')).body as ObserverResult[],
        (r) => r.length >= 2 && r[0]!.ids.includes(job.id),
      );
      expect(Date.parse(results[0]!.at)).toBeGreaterThan(Date.parse(results[1]!.at));
      expect(results[0]).toMatchObject({ name: 'done' });
      expect(results[0]!.count).toBe(results[0]!.ids.length);
      expect((await s.request('DELETE', '/api/observers/done')).status).toBe(204);
      const gone = await s.request('GET', '/api/observers/done/results');
      expect(gone.status).toBe(404);
      expect(gone.body.error.code).toBe('ERR_OBSERVER_NOT_FOUND');
      expect((await s.request('DELETE', '/api/observers/done')).status).toBe(404);
    });

    it.each([
      [
        'both everyMs and at',
        { name: 'o', query: {}, everyMs: 1000, at: '09:00:00' },
        'give exactly one of everyMs and at',
      ],
      ['neither everyMs nor at', { name: 'o', query: {} }, 'give exactly one of everyMs and at'],
      [
        'a bad time of day',
        { name: 'o', query: {}, at: '25:00:00' },
        "at: must be a time of day 'HH:MM:SS'",
      ],
      [
        'a bad time zone',
        { name: 'o', query: {}, at: '09:00:00', tz: 'Nowhere' },
        "tz: unknown time zone 'Nowhere'",
      ],
      ['a bad state', { name: 'o', query: { state: 'stuck' }, everyMs: 1000 }, 'query.state: '],
      [
        'an unknown filter',
        { name: 'o', query: { age: 5 }, everyMs: 1000 },
        'query.age: unknown field',
      ],
      ['no query', { name: 'o', everyMs: 1000 }, 'query: '],
    ])('refuses %s with a 400 naming the problem', async (_, body, message) => {
      const error = await refusal('/api/observers', body);
      expect(error.code).toBe('ERR_VALIDATION');
      expect(error.message).toContain(message);
    });

    it('refuses a query of an unknown category or task', async () => {
      const category = await refusal('/api/observers', {
        name: 'o',
        query: { category: 'nope' },
        everyMs: 1000,
      });
      expect(category).toMatchObject({
        code: 'ERR_UNKNOWN_CATEGORY',
        details: { field: 'query.category' },
      });
      const task = await refusal('/api/observers', {
        name: 'o',
        query: { task: 'nope' },
        everyMs: 1000,
      });
      expect(task).toMatchObject({ code: 'ERR_UNKNOWN_TASK', details: { field: 'query.task' } });
    });

    it('sends each result to socket.io clients as an observer event', async () => {
      const socket: Socket<ServerToClientEvents, ClientToServerEvents> = connect(s.url, {
        transports: ['websocket'],
        reconnection: false,
      });
      try {
        const got: ObserverResult[] = [];
        socket.on('observer', (r) => got.push(r));
        await new Promise<void>((resolve, reject) => {
          socket.once('connect', resolve);
          socket.once('connect_error', reject);
        });
        await s.client.saveObserver({ name: 'live', query: { state: 'queued' }, everyMs: 100 });
        const [first] = await until(
          () => got,
          (g) => g.some((r) => r.name === 'live'),
        );
        expect(first).toMatchObject({
          name: 'live',
          count: expect.any(Number),
          ids: expect.any(Array),
        });
        const kept = await s.client.observerResults('live');
        expect(kept.map((r) => r.at)).toContain(got.find((r) => r.name === 'live')!.at);
      } finally {
        socket.close();
        await s.client.deleteObserver('live');
      }
    });
  });
});

describe('the OpenAPI document', () => {
  beforeAll(async () => {
    s = await startTestServer();
  });
  afterAll(async () => {
    await s?.close();
  });

  it('describes the schedule and observer routes', async () => {
    const doc = (await s.request('GET', '/api/openapi.json')).body;
    for (const path of [
      '/api/schedules',
      '/api/schedules/{name}',
      '/api/observers',
      '/api/observers/{name}',
      '/api/observers/{name}/results',
    ]) {
      expect(doc.paths[path], path).toBeDefined();
    }
    expect(doc.components.schemas.Schedule.required).toEqual(
      expect.arrayContaining([
        'name',
        'cron',
        'everyMs',
        'tz',
        'paused',
        'nextRunAt',
        'lastRunAt',
        'lastJobId',
      ]),
    );
  });
});
