// Flows over HTTP, on the local backend and on PostgreSQL: callbacks, chains,
// groups and chords pass results, failures cancel what comes after (kind
// `upstream`), a flow can be read, listed and cancelled, and every refusal is
// a 400 naming its path.
import type { SnapshotPayload } from '@cadre/client';
import type { Flow, Job } from '@cadre/core';
import { io as connect } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_CALLBACK_DEPTH } from '@cadre/core';
import { MAX_INPUT_BYTES } from './http/schemas.js';
import { serverBackends } from './test-support/postgres-backend.js';
import {
  startTestServer,
  until,
  type AnyBody,
  type TestServer,
} from './test-support/test-server.js';

let s: TestServer;
/** The local backend over memory, and PostgreSQL. */
const BACKENDS = serverBackends();

const PERMANENT = 'permanent: this input can never succeed';

function expectError(
  res: { status: number; body: AnyBody },
  status: number,
  code: string,
  message?: string | RegExp,
): void {
  expect(res.status, JSON.stringify(res.body)).toBe(status);
  expect(Object.keys(res.body)).toEqual(['error']);
  expect(res.body.error.code).toBe(code);
  if (message !== undefined) expect(res.body.error.message).toMatch(message);
}

/** The flow once it has finished, read over HTTP. */
async function settled(id: string): Promise<Flow> {
  return until(
    async () => (await s.request('GET', `/api/flows/${id}`)).body as Flow,
    (f) => f.state !== 'running',
  );
}

/** The callbacks of a lone job (they have no flow), oldest first. */
async function callbacksOf(parent: string): Promise<Job[]> {
  const { jobs } = await s.client.list({ limit: 1000 });
  return jobs.filter((j) => j.parents.includes(parent)).reverse();
}

/** Every job that exists, callbacks included. */
async function jobCount(): Promise<number> {
  let count = 0;
  let cursor: string | undefined;
  do {
    const page = await s.engine.list({ limit: 1000, ...(cursor ? { cursor } : {}) });
    count += page.jobs.length;
    cursor = page.nextCursor ?? undefined;
  } while (cursor !== undefined);
  return count;
}

/** Runs `body` with `category` paused, so nothing of it starts meanwhile. */
async function whilePaused<T>(category: string, body: () => Promise<T>): Promise<T> {
  await s.client.patchCategory(category, { paused: true });
  try {
    return await body();
  } finally {
    await s.client.patchCategory(category, { paused: false });
  }
}

describe.each(BACKENDS)('on the %s backend', (_name, options) => {
  beforeAll(async () => {
    s = await startTestServer(await options());
  });
  afterAll(async () => {
    await s?.close();
  });

  describe('callbacks on POST /api/jobs', () => {
    it('creates them waiting with their parent, runs the success one with [result, ...args], and drops the error one', async () => {
      const res = await s.request('POST', '/api/jobs', {
        body: {
          task: 'echo',
          input: { n: 1 },
          onSuccess: [{ task: 'echo', input: ['extra'] }],
          onError: [{ task: 'echo' }],
        },
      });
      expect(res.status).toBe(201);
      const parent = res.body as Job;
      expect(parent).toMatchObject({ flowId: null, flowRole: null, parents: [], trigger: null });
      const [ok, ko] = (await callbacksOf(parent.id)) as [Job, Job];
      expect(ok).toMatchObject({
        parents: [parent.id],
        flowId: null,
        trigger: { on: 'success', pass: 'result' },
      });
      expect(ko.trigger).toEqual({ on: 'error', pass: 'error' });
      expect(await s.client.get(ok.id, { waitMs: 10_000 })).toMatchObject({
        state: 'succeeded',
        input: [{ n: 1 }, 'extra'],
        result: [{ n: 1 }, 'extra'],
      });
      expect(await s.client.get(ko.id, { waitMs: 10_000 })).toMatchObject({
        state: 'cancelled',
        attempts: 0,
        lastError: { kind: 'upstream' },
      });
    });

    it('runs an error callback with [message, ...args] once its parent fails for good', async () => {
      const parent = await s.client.submit({
        task: 'permanent',
        onError: [{ task: 'echo', input: [2] }],
      });
      const [cb] = await callbacksOf(parent.id);
      expect(await s.client.get(cb!.id, { waitMs: 10_000 })).toMatchObject({
        state: 'succeeded',
        result: [PERMANENT, 2],
      });
    });

    it('passes nothing from an immutable parent', async () => {
      const parent = await s.client.submit({
        task: 'echo',
        input: 1,
        immutable: true,
        onSuccess: [{ task: 'echo', input: { own: true } }],
      });
      const [cb] = await callbacksOf(parent.id);
      expect(cb!.trigger).toEqual({ on: 'success', pass: 'nothing' });
      expect(await s.client.get(cb!.id, { waitMs: 10_000 })).toMatchObject({
        state: 'succeeded',
        result: { own: true },
      });
    });

    it('starts no error callback when a person cancels the parent', async () => {
      const parent = await whilePaused('default', async () => {
        const job = await s.client.submit({
          task: 'echo',
          onError: [{ task: 'echo' }],
          onSuccess: [{ task: 'echo' }],
        });
        await s.client.cancel(job.id);
        return job;
      });
      const callbacks = await callbacksOf(parent.id);
      expect(callbacks.map((c) => [c.state, c.attempts, c.lastError?.kind])).toEqual([
        ['cancelled', 0, 'upstream'],
        ['cancelled', 0, 'upstream'],
      ]);
    });

    it('answers a batch with the top-level jobs only, in order', async () => {
      const res = await s.request('POST', '/api/jobs', {
        body: [
          { task: 'echo', input: 'a', onSuccess: [{ task: 'echo' }, { task: 'echo' }] },
          { task: 'echo', input: 'b' },
        ],
      });
      expect(res.status).toBe(201);
      expect(res.body.map((j: Job) => j.input)).toEqual(['a', 'b']);
      expect(await callbacksOf(res.body[0].id)).toHaveLength(2);
    });
  });

  describe('POST /api/chains', () => {
    it('answers 201 with the flow, then passes each result to the next step', async () => {
      const res = await s.request('POST', '/api/chains', {
        body: {
          jobs: [{ task: 'echo', input: 1 }, { task: 'echo', input: ['b'] }, { task: 'echo' }],
        },
      });
      expect(res.status).toBe(201);
      const flow = res.body as Flow;
      expect(Object.keys(flow).sort()).toEqual(
        ['callback', 'callbacks', 'createdAt', 'id', 'jobs', 'kind', 'state'].sort(),
      );
      expect(flow).toMatchObject({
        kind: 'chain',
        state: 'running',
        callback: null,
        callbacks: [],
      });
      expect(flow.jobs.map((j) => j.state)).toEqual(['queued', 'waiting', 'waiting']);
      expect(flow.jobs.every((j) => j.flowId === flow.id && j.flowRole === 'step')).toBe(true);
      expect(flow.jobs[2]!.parents).toEqual([flow.jobs[1]!.id]);
      expect(flow.createdAt).toBe(flow.jobs[0]!.createdAt);

      const done = await settled(flow.id);
      expect(done.state).toBe('succeeded');
      expect(done.jobs.map((j) => j.result)).toEqual([1, [1, 'b'], [[1, 'b']]]);
    });

    it('cancels the steps after one that failed, with kind upstream, and their error callbacks run with that error', async () => {
      const flow = await s.client.submitChain({
        jobs: [
          { task: 'echo' },
          { task: 'permanent' },
          { task: 'echo', onError: [{ task: 'echo', input: ['report'] }] },
          { task: 'echo' },
        ],
      });
      const done = await settled(flow.id);
      expect(done.state).toBe('failed');
      expect(done.jobs.map((j) => j.state)).toEqual([
        'succeeded',
        'failed',
        'cancelled',
        'cancelled',
      ]);
      expect(done.jobs[2]!.lastError).toEqual({
        kind: 'upstream',
        message: `job ${done.jobs[1]!.id} failed: ${PERMANENT}`,
      });
      expect(done.jobs[3]!.lastError?.kind).toBe('upstream');
      expect(done.callbacks).toHaveLength(1);
      expect(done.callbacks[0]).toMatchObject({
        flowRole: 'callback',
        state: 'succeeded',
        result: [PERMANENT, 'report'],
      });
    });

    it('does not revive the cancelled steps when the failed one is retried', async () => {
      const flow = await s.client.submitChain({
        jobs: [{ task: 'flaky', input: { failTimes: 1 }, maxRetries: 0 }, { task: 'echo' }],
      });
      const failed = await settled(flow.id);
      expect(failed.jobs.map((j) => j.state)).toEqual(['failed', 'cancelled']);
      const retried = await s.client.retry(flow.jobs[0]!.id, { input: { failTimes: 0 } });
      expect(retried.state).not.toBe('failed');
      expect(await s.client.get(retried.id, { waitMs: 10_000 })).toMatchObject({
        state: 'succeeded',
      });
      const after = await s.client.getFlow(flow.id);
      expect(after.jobs.map((j) => j.state)).toEqual(['succeeded', 'cancelled']);
      expect(after.jobs[1]).toEqual(failed.jobs[1]);
    });
  });

  describe('POST /api/groups', () => {
    it('runs the members in parallel and the chord once with their results, in order', async () => {
      const res = await s.request('POST', '/api/groups', {
        body: {
          jobs: [
            { task: 'sleep', input: { ms: 150 } },
            { task: 'echo', input: 'b' },
            { task: 'fib', input: { n: 10 } },
          ],
          callback: { task: 'echo', input: ['tail'] },
        },
      });
      expect(res.status).toBe(201);
      const flow = res.body as Flow;
      expect(flow.kind).toBe('group');
      expect(flow.jobs.map((j) => j.flowRole)).toEqual(['member', 'member', 'member']);
      expect(flow.callback).toMatchObject({
        state: 'waiting',
        flowRole: 'chord',
        parents: flow.jobs.map((j) => j.id),
        trigger: { on: 'success', pass: 'results' },
      });
      const done = await settled(flow.id);
      expect(done.state).toBe('succeeded');
      expect(done.callback!.result).toEqual([[{ slept: 150 }, 'b', 55], 'tail']);
    });

    it('passes the results to the chord even from an immutable member', async () => {
      const flow = await s.client.submitGroup({
        jobs: [
          { task: 'echo', input: 1, immutable: true, onSuccess: [{ task: 'echo', input: 'own' }] },
          { task: 'echo', input: 2 },
        ],
        callback: { task: 'echo' },
      });
      const done = await settled(flow.id);
      expect(done.callback!.result).toEqual([[1, 2]]);
      expect(done.callbacks.map((c) => c.result)).toEqual(['own']);
    });

    it('runs a group without a chord', async () => {
      const flow = await s.client.submitGroup({ jobs: [{ task: 'echo', input: 'only' }] });
      expect(flow.callback).toBeNull();
      const done = await settled(flow.id);
      expect(done).toMatchObject({ state: 'succeeded', callback: null });
      expect(done.jobs[0]!.result).toBe('only');
    });

    it("cancels the chord when a member fails, and runs the chord's error callback with that error", async () => {
      const flow = await s.client.submitGroup({
        jobs: [{ task: 'echo' }, { task: 'permanent' }],
        callback: { task: 'echo', onError: [{ task: 'echo', input: ['report'] }] },
      });
      const done = await settled(flow.id);
      expect(done.state).toBe('failed');
      expect(done.callback).toMatchObject({
        state: 'cancelled',
        attempts: 0,
        lastError: { kind: 'upstream', message: `job ${done.jobs[1]!.id} failed: ${PERMANENT}` },
      });
      expect(done.callbacks).toHaveLength(1);
      expect(done.callbacks[0]).toMatchObject({
        state: 'succeeded',
        result: [PERMANENT, 'report'],
      });
    });
  });

  describe('reading, listing and cancelling flows', () => {
    it('answers 404 ERR_FLOW_NOT_FOUND for an unknown flow', async () => {
      expectError(await s.request('GET', '/api/flows/nope'), 404, 'ERR_FLOW_NOT_FOUND', /nope/);
      expectError(await s.request('POST', '/api/flows/nope/cancel'), 404, 'ERR_FLOW_NOT_FOUND');
      await expect(s.client.getFlow('nope')).rejects.toMatchObject({
        code: 'ERR_FLOW_NOT_FOUND',
        status: 404,
      });
    });

    it('cancels every unfinished job of a flow, starting no error callback', async () => {
      await whilePaused('default', async () => {
        const flow = await s.client.submitChain({
          jobs: [{ task: 'echo', onError: [{ task: 'echo' }] }, { task: 'echo' }, { task: 'echo' }],
        });
        expect(flow.callbacks.map((c) => c.state)).toEqual(['waiting']);
        const res = await s.request('POST', `/api/flows/${flow.id}/cancel`);
        expect(res.status).toBe(200);
        const done = res.body as Flow;
        expect(done.state).toBe('cancelled');
        expect(done.jobs.map((j) => j.state)).toEqual(['cancelled', 'cancelled', 'cancelled']);
        expect(done.callbacks.map((c) => [c.state, c.attempts])).toEqual([['cancelled', 0]]);
        // Cancelling again changes nothing.
        const again = await s.client.cancelFlow(flow.id);
        expect(again).toEqual(done);
      });
    });

    it('leaves finished jobs as they are when a flow is cancelled', async () => {
      const flow = await s.client.submitChain({ jobs: [{ task: 'echo' }, { task: 'permanent' }] });
      const done = await settled(flow.id);
      expect(done.state).toBe('failed');
      expect(await s.client.cancelFlow(flow.id)).toEqual(done);
    });

    it('lists the jobs of a flow with GET /api/jobs?flowId, newest first', async () => {
      await whilePaused('images', async () => {
        const flow = await s.client.submitGroup({
          jobs: [
            { task: 'echo', category: 'images' },
            { task: 'echo', category: 'images' },
          ],
          callback: { task: 'echo', category: 'images', onSuccess: [{ task: 'echo' }] },
        });
        const res = await s.request('GET', `/api/jobs?flowId=${flow.id}`);
        expect(res.status).toBe(200);
        const ids = [...flow.jobs, flow.callback!, ...flow.callbacks].map((j) => j.id);
        expect(res.body.jobs.map((j: Job) => j.id)).toEqual([...ids].reverse());
        expect(res.body.nextCursor).toBeNull();
        const page = await s.client.list({ flowId: flow.id, limit: 2 });
        expect(page.jobs.map((j) => j.id)).toEqual(ids.slice(-2).reverse());
        const waiting = await s.client.list({ flowId: flow.id, state: 'waiting' });
        expect(waiting.jobs.map((j) => j.id)).toEqual(ids.slice(-2).reverse());
        await s.client.cancelFlow(flow.id);
      });
      expect(await s.client.list({ flowId: 'no-such-flow' })).toEqual({
        jobs: [],
        nextCursor: null,
      });
      expectError(await s.request('GET', '/api/jobs?flowId='), 400, 'ERR_VALIDATION', /^flowId: /);
    });

    it('counts waiting callbacks in the stats, the categories, /metrics and the socket snapshot', async () => {
      await whilePaused('images', async () => {
        const flow = await s.client.submitChain({
          jobs: [
            { task: 'echo', category: 'images' },
            { task: 'echo', category: 'images' },
            { task: 'echo', category: 'reports' },
          ],
        });
        expect((await s.client.stats()).waiting).toBeGreaterThanOrEqual(2);
        const byName = new Map((await s.client.categories()).map((c) => [c.name, c]));
        expect(byName.get('images')!.waiting).toBeGreaterThanOrEqual(1);
        expect(byName.get('reports')!.waiting).toBeGreaterThanOrEqual(1);
        const metrics = await s.request('GET', '/metrics');
        expect(metrics.text).toMatch(/^cadre_jobs_waiting\{category="images"\} [1-9]\d*$/m);

        const socket = connect(s.url, { transports: ['websocket'], reconnection: false });
        try {
          const snapshot = await new Promise<SnapshotPayload>((resolve, reject) => {
            socket.once('snapshot', resolve);
            socket.once('connect_error', reject);
          });
          expect(snapshot.stats.waiting).toBeGreaterThanOrEqual(2);
          const images = snapshot.categories.find((c) => c.name === 'images');
          expect(images!.waiting).toBeGreaterThanOrEqual(1);
        } finally {
          socket.close();
        }
        await s.client.cancelFlow(flow.id);
      });
    });
  });

  describe('refusals: 400 naming the path, and nothing created', () => {
    it.each<[string, string, unknown, string, RegExp]>([
      [
        'a callback input that is not an array',
        '/api/chains',
        { jobs: [{ task: 'echo' }, { task: 'echo', onSuccess: [{ task: 'echo', input: 5 }] }] },
        'ERR_VALIDATION',
        /^jobs\[1\]\.onSuccess\[0\]\.input must be an array or absent/,
      ],
      [
        "a chain step's own input that is not an array",
        '/api/chains',
        { jobs: [{ task: 'echo' }, { task: 'echo', input: { a: 1 } }] },
        'ERR_VALIDATION',
        /^jobs\[1\]\.input must be an array or absent: it is the arguments passed after its parent's result/,
      ],
      [
        "a chord callback's input that is not an array",
        '/api/groups',
        { jobs: [{ task: 'echo' }], callback: { task: 'echo', input: 'x' } },
        'ERR_VALIDATION',
        /^callback\.input must be an array or absent: it is the arguments passed after its group's results/,
      ],
      [
        'a key on a callback',
        '/api/jobs',
        [{ task: 'echo' }, { task: 'echo', onError: [{ task: 'echo', key: 'k1' }] }],
        'ERR_VALIDATION',
        /^jobs\[1\]\.onError\[0\]\.key is not allowed here/,
      ],
      [
        'a key on a job with callbacks',
        '/api/jobs',
        { task: 'echo', key: 'k2', onSuccess: [{ task: 'echo' }] },
        'ERR_VALIDATION',
        /^jobs\[0\]\.key is not allowed here/,
      ],
      [
        'a key in a chain',
        '/api/chains',
        { jobs: [{ task: 'echo', key: 'k3' }, { task: 'echo' }] },
        'ERR_VALIDATION',
        /^jobs\[0\]\.key is not allowed here/,
      ],
      [
        'a key in a group',
        '/api/groups',
        { jobs: [{ task: 'echo' }, { task: 'echo', key: 'k4' }] },
        'ERR_VALIDATION',
        /^jobs\[1\]\.key is not allowed here/,
      ],
      [
        'delayMs on a callback',
        '/api/chains',
        {
          jobs: [
            { task: 'echo', delayMs: 10 },
            { task: 'echo', delayMs: 10 },
          ],
        },
        'ERR_VALIDATION',
        /^jobs\[1\]\.delayMs is not allowed on a callback/,
      ],
      [
        'runAt on a chord',
        '/api/groups',
        { jobs: [{ task: 'echo' }], callback: { task: 'echo', runAt: '2030-01-01T00:00:00Z' } },
        'ERR_VALIDATION',
        /^callback\.runAt is not allowed on a callback/,
      ],
      [
        'an unknown task in a callback',
        '/api/jobs',
        { task: 'echo', onSuccess: [{ task: 'echo', onError: [{ task: 'nope' }] }] },
        'ERR_UNKNOWN_TASK',
        /nope/,
      ],
      [
        'an unknown category in a chain',
        '/api/chains',
        { jobs: [{ task: 'echo' }, { task: 'echo', category: 'nope' }] },
        'ERR_UNKNOWN_CATEGORY',
        /nope/,
      ],
    ])('refuses %s', async (_what, route, body, code, message) => {
      const before = await jobCount();
      const res = await s.request('POST', route, { body });
      expectError(res, 400, code, message);
      expect(await jobCount()).toBe(before);
    });

    it('names the place of an unknown task in details', async () => {
      const res = await s.request('POST', '/api/jobs', {
        body: [
          { task: 'echo' },
          { task: 'echo', onSuccess: [{ task: 'echo', onError: [{ task: 'nope' }] }] },
        ],
      });
      expectError(res, 400, 'ERR_UNKNOWN_TASK');
      expect(res.body.error.details).toMatchObject({
        index: 1,
        field: 'onSuccess[0].onError[0].task',
      });
    });

    it.each<[string, string, unknown, string]>([
      ['a chain of 1', '/api/chains', { jobs: [{ task: 'echo' }] }, 'jobs'],
      [
        'a chain of 101',
        '/api/chains',
        { jobs: Array.from({ length: 101 }, () => ({ task: 'echo' })) },
        'jobs',
      ],
      ['a chain without jobs', '/api/chains', {}, 'jobs'],
      ['a chain with jobs not an array', '/api/chains', { jobs: { task: 'echo' } }, 'jobs'],
      ['an empty group', '/api/groups', { jobs: [] }, 'jobs'],
      [
        'a group of 1001',
        '/api/groups',
        { jobs: Array.from({ length: 1001 }, () => ({ task: 'echo' })) },
        'jobs',
      ],
      [
        'a chord callback that is no object',
        '/api/groups',
        { jobs: [{ task: 'echo' }], callback: 5 },
        'callback',
      ],
      [
        'a chord callback that is a list',
        '/api/groups',
        { jobs: [{ task: 'echo' }], callback: [{ task: 'echo' }] },
        'callback',
      ],
      [
        'an unknown field in a chain body',
        '/api/chains',
        { jobs: [{ task: 'echo' }, { task: 'echo' }], then: 1 },
        'then',
      ],
      [
        'onSuccess that is no list',
        '/api/jobs',
        { task: 'echo', onSuccess: { task: 'echo' } },
        'onSuccess',
      ],
      [
        'a callback that is no object',
        '/api/jobs',
        [{ task: 'echo', onError: [{ task: 'echo' }, 'echo'] }],
        '[0].onError[1]',
      ],
      [
        'a callback without a task',
        '/api/chains',
        { jobs: [{ task: 'echo', onSuccess: [{}] }, { task: 'echo' }] },
        'jobs[0].onSuccess[0].task',
      ],
      [
        'an unknown field in a callback',
        '/api/groups',
        { jobs: [{ task: 'echo', onError: [{ task: 'echo', colour: 'red' }] }] },
        'jobs[0].onError[0].colour',
      ],
      [
        'an immutable that is no boolean',
        '/api/jobs',
        { task: 'echo', immutable: 'yes' },
        'immutable',
      ],
      [
        'a fractional maxRetries deep in callbacks',
        '/api/jobs',
        {
          task: 'echo',
          onSuccess: [{ task: 'echo', onSuccess: [{ task: 'echo', maxRetries: 1.5 }] }],
        },
        'onSuccess[0].onSuccess[0].maxRetries',
      ],
      ['a chain body that is a list', '/api/chains', [{ task: 'echo' }, { task: 'echo' }], ''],
    ])('refuses %s, naming the field', async (_what, route, body, path) => {
      const before = await jobCount();
      const res = await s.request('POST', route, { body });
      expectError(res, 400, 'ERR_VALIDATION');
      expect(res.body.error.details.issues[0].path).toBe(path);
      if (path !== '') expect(res.body.error.message).toContain(`${path}: `);
      expect(await jobCount()).toBe(before);
    });

    it(`takes callbacks nested ${MAX_CALLBACK_DEPTH} deep, and refuses deeper ones naming the path`, async () => {
      const nest = (depth: number): object =>
        depth === 0 ? { task: 'echo' } : { task: 'echo', onSuccess: [nest(depth - 1)] };
      const ok = await s.request('POST', '/api/chains', {
        body: { jobs: [{ task: 'echo' }, nest(MAX_CALLBACK_DEPTH)] },
      });
      expect(ok.status).toBe(201);
      expect(ok.body.callbacks).toHaveLength(MAX_CALLBACK_DEPTH);
      const before = await jobCount();
      const res = await s.request('POST', '/api/jobs', {
        body: [{ task: 'echo' }, nest(MAX_CALLBACK_DEPTH + 1)],
      });
      const path = `[1]${'.onSuccess[0]'.repeat(MAX_CALLBACK_DEPTH + 1)}`;
      expectError(res, 400, 'ERR_VALIDATION');
      expect(res.body.error.message).toBe(`${path}: callbacks nest at most 32 deep`);
      expect(res.body.error.details).toEqual({ index: 1, path, limit: MAX_CALLBACK_DEPTH });
      // So deep that parsing it recursively would overflow the stack.
      const raw = `{"task":"echo"${',"onSuccess":[{"task":"echo"'.repeat(100_000)}${'}]'.repeat(100_000)}}`;
      const deeper = await s.request('POST', '/api/jobs', {
        raw,
        headers: { 'content-type': 'application/json' },
      });
      expectError(
        deeper,
        400,
        'ERR_VALIDATION',
        /^onSuccess(\[0\]\.onSuccess)*\[0\]: callbacks nest at most 32 deep$/,
      );
      expect(await jobCount()).toBe(before);
    });

    it('refuses more than 10,000 jobs in one request, callbacks included', async () => {
      const before = await jobCount();
      const res = await s.request('POST', '/api/jobs', {
        body: [
          { task: 'echo', onSuccess: Array.from({ length: 5_000 }, () => ({ task: 'echo' })) },
          { task: 'echo', onError: Array.from({ length: 4_999 }, () => ({ task: 'echo' })) },
        ],
      });
      expectError(res, 400, 'ERR_VALIDATION', /at most 10000 jobs, callbacks included/);
      const group = await s.request('POST', '/api/groups', {
        body: {
          jobs: Array.from({ length: 1000 }, () => ({
            task: 'echo',
            onSuccess: Array.from({ length: 10 }, () => ({ task: 'echo' })),
          })),
        },
      });
      expectError(group, 400, 'ERR_VALIDATION', /at most 10000 jobs, callbacks included/);
      expect(await jobCount()).toBe(before);
    });

    it('limits the input of a callback as any input, naming it', async () => {
      const big = 'x'.repeat(MAX_INPUT_BYTES);
      const res = await s.request('POST', '/api/jobs', {
        body: [{ task: 'echo' }, { task: 'echo', onError: [{ task: 'echo', input: [big] }] }],
      });
      expectError(res, 413, 'ERR_PAYLOAD_TOO_LARGE', /^\[1\]\.onError\[0\]\.input: /);
      expect(res.body.error.details).toMatchObject({ index: 1, path: '[1].onError[0].input' });
      const deep = JSON.parse('['.repeat(1001) + ']'.repeat(1001));
      const chord = await s.request('POST', '/api/groups', {
        body: { jobs: [{ task: 'echo' }], callback: { task: 'echo', input: deep } },
      });
      expectError(
        chord,
        400,
        'ERR_VALIDATION',
        /^callback\.input: the input nests deeper than 1000/,
      );
    });

    it('refuses new flows with 503 while shutting down', async () => {
      s.draining.value = true;
      try {
        const chain = { jobs: [{ task: 'echo' }, { task: 'echo' }] };
        expectError(
          await s.request('POST', '/api/chains', { body: chain }),
          503,
          'ERR_SHUTTING_DOWN',
        );
        const group = { jobs: [{ task: 'echo' }] };
        expectError(
          await s.request('POST', '/api/groups', { body: group }),
          503,
          'ERR_SHUTTING_DOWN',
        );
      } finally {
        s.draining.value = false;
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

  it('describes the flow routes, Flow, and the new fields and states', async () => {
    const doc = (await s.request('GET', '/api/openapi.json')).body;
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining([
        '/api/chains',
        '/api/groups',
        '/api/flows/{id}',
        '/api/flows/{id}/cancel',
      ]),
    );
    expect(Object.keys(doc.paths['/api/chains'].post.responses)).toContain('201');
    expect(doc.paths['/api/flows/{id}'].get.responses['404']).toBeDefined();
    const { schemas } = doc.components;
    expect(Object.keys(schemas.Flow.properties)).toEqual([
      'id',
      'kind',
      'state',
      'jobs',
      'callback',
      'callbacks',
      'createdAt',
    ]);
    expect(schemas.Flow.properties.state.enum).toEqual([
      'running',
      'succeeded',
      'failed',
      'cancelled',
    ]);
    expect(schemas.Job.required).toEqual(
      expect.arrayContaining(['flowId', 'flowRole', 'parents', 'trigger']),
    );
    expect(schemas.Job.properties.state.enum).toContain('waiting');
    expect(JSON.stringify(schemas.Job.properties.lastError)).toContain('"upstream"');
    expect(schemas.Stats.required).toContain('waiting');
    expect(schemas.Category.required).toContain('waiting');
    expect(schemas.JobRequest.properties.onSuccess.items).toEqual({
      $ref: '#/components/schemas/JobRequest',
    });
    expect(schemas.JobRequest.properties.immutable.type).toBe('boolean');
    expect(schemas.ChainBody.properties.jobs).toMatchObject({ minItems: 2, maxItems: 100 });
    expect(schemas.GroupBody.properties.jobs).toMatchObject({ minItems: 1, maxItems: 1000 });
    expect(schemas.GroupBody.properties.callback.$ref).toBe('#/components/schemas/JobRequest');
  });
});
