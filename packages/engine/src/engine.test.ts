import type { Job } from '@cadre/core';
import { MemoryStore } from '@cadre/store';
import { afterEach, describe, expect, it } from 'vitest';
import { category, rejection, startEngine, stopAll, until } from './test-support/harness.js';

afterEach(stopAll);

/** Ids in the order their attempts started (progress reports repeat a running job). */
const startsOf = (changes: Job[]) =>
  [
    ...new Set(changes.filter((j) => j.state === 'running').map((j) => `${j.id}/${j.attempts}`)),
  ].map((s) => s.split('/')[0]!);

describe('running jobs', () => {
  it('runs a job to success and answers waitFor with the result', async () => {
    const { engine } = await startEngine();
    const [r] = await engine.submit([{ task: 'echo', input: { hello: 'world' } }]);
    expect(r!.created).toBe(true);
    const job = await engine.waitFor(r!.job.id, 10_000);
    expect(job).toMatchObject({
      state: 'succeeded',
      attempts: 1,
      result: { hello: 'world' },
      failure: null,
      node: 'local',
    });
    expect(job.durationMs).toBeGreaterThanOrEqual(0);
    expect(await engine.stats()).toMatchObject({ succeeded: 1, queued: 0, running: 0 });
  });

  it('answers waitFor with the result of a job that retention forgets at its end', async () => {
    const nothing = { maxAgeMs: 0, maxCount: 0 };
    const { engine, changes } = await startEngine({ retention: { ...nothing, failed: nothing } });
    const [r] = await engine.submit([{ task: 'echo', input: { hello: 'world' } }]);
    const job = await engine.waitFor(r!.job.id, 10_000);
    expect(job).toMatchObject({ state: 'succeeded', result: { hello: 'world' } });
    expect(changes.at(-1)).toEqual(job);
    const gone = { code: 'ERR_JOB_NOT_FOUND' };
    await expect(engine.get(r!.job.id)).rejects.toMatchObject(gone);
    await expect(engine.waitFor(r!.job.id, 10_000)).rejects.toMatchObject(gone);
    // Counted since start all the same.
    expect(await engine.stats()).toMatchObject({ succeeded: 1, queued: 0, running: 0 });
  });

  it('starts a job on an idle system at once, not at the next balancer tick', async () => {
    const { engine } = await startEngine({ balanceIntervalMs: 3_600_000 });
    const [r] = await engine.submit([{ task: 'echo', input: 1 }]);
    expect((await engine.waitFor(r!.job.id, 10_000)).state).toBe('succeeded');
  });

  it('retries a failing job with its backoff until it succeeds', async () => {
    const backoff = { kind: 'fixed' as const, baseMs: 40, maxMs: 1000, jitter: 0 };
    const { engine, changes } = await startEngine({
      categories: [category('default', { backoff })],
    });
    const [r] = await engine.submit([{ task: 'flaky', input: { failTimes: 2 }, maxRetries: 3 }]);
    const job = await engine.waitFor(r!.job.id, 10_000);
    expect(job).toMatchObject({ state: 'succeeded', attempts: 3, result: { attempt: 3 } });
    expect(job.lastError).toMatchObject({ kind: 'exception', message: 'attempt 2 fails' });
    const retrying = changes.filter((j) => j.state === 'retrying');
    expect(retrying).toHaveLength(2);
    for (const j of retrying) {
      // runAt is set at the moment the attempt ended, plus exactly the backoff.
      expect(Date.parse(j.runAt!)).toBe(Date.parse(j.startedAt!) + j.durationMs! + 40);
    }
  });

  it('fails a job for good after maxRetries', async () => {
    const { engine } = await startEngine();
    const [r] = await engine.submit([{ task: 'fail', maxRetries: 2 }]);
    const job = await engine.waitFor(r!.job.id, 10_000);
    expect(job).toMatchObject({ state: 'failed', attempts: 3, failure: 'max_retries' });
    expect(job.lastError).toEqual({ kind: 'exception', message: 'always fails' });
  });

  it('never retries a permanent failure', async () => {
    const { engine } = await startEngine();
    const [r] = await engine.submit([{ task: 'permanent', maxRetries: 5 }]);
    const job = await engine.waitFor(r!.job.id, 10_000);
    expect(job).toMatchObject({ state: 'failed', attempts: 1, failure: 'permanent' });
  });

  it('stops a runaway job at its timeout and keeps running others', async () => {
    const { engine } = await startEngine({ workers: 1 });
    const [spin, echo] = await engine.submit([
      { task: 'spin', timeoutMs: 150, maxRetries: 0 },
      { task: 'echo', input: 'after' },
    ]);
    const failed = await engine.waitFor(spin!.job.id, 10_000);
    expect(failed).toMatchObject({ state: 'failed', failure: 'max_retries' });
    expect(failed.lastError?.kind).toBe('timeout');
    expect((await engine.waitFor(echo!.job.id, 10_000)).result).toBe('after');
  });

  it('records progress reported by the handler', async () => {
    const { engine, changes } = await startEngine();
    const [r] = await engine.submit([{ task: 'sleep', input: { ms: 300 } }]);
    await until(() =>
      changes.some((j) => j.id === r!.job.id && j.state === 'running' && j.progress === 50),
    );
    expect((await engine.waitFor(r!.job.id, 10_000)).progress).toBe(100);
  });
});

describe('order', () => {
  it('starts the jobs of a category in FIFO order under concurrency', async () => {
    const { engine, changes } = await startEngine({ workers: 2 });
    const submitted = await engine.submit(
      Array.from({ length: 40 }, () => ({ task: 'sleep', input: { ms: 2 } })),
    );
    const ids = submitted.map((r) => r.job.id);
    await Promise.all(ids.map((id) => engine.waitFor(id, 10_000)));
    expect(startsOf(changes)).toEqual(ids);
  });

  it('runs delayed jobs in the order they become due', async () => {
    const { engine, changes } = await startEngine({ workers: 1 });
    const submitted = await engine.submit([
      { task: 'echo', input: 'c', delayMs: 240 },
      { task: 'echo', input: 'a', delayMs: 80 },
      { task: 'echo', input: 'b', runAt: new Date(Date.now() + 160).toISOString() },
    ]);
    expect(submitted.map((r) => r.job.state)).toEqual(['delayed', 'delayed', 'delayed']);
    await Promise.all(submitted.map((r) => engine.waitFor(r.job.id, 10_000)));
    const inputs = await Promise.all(
      startsOf(changes).map(async (id) => (await engine.get(id)).input),
    );
    expect(inputs).toEqual(['a', 'b', 'c']);
    for (const r of submitted) {
      const job = await engine.get(r.job.id);
      expect(Date.parse(job.startedAt!)).toBeGreaterThanOrEqual(Date.parse(r.job.runAt!));
    }
  });
});

describe('cancel and retry', () => {
  it('cancels queued, delayed and running jobs; refuses finished ones', async () => {
    const { engine } = await startEngine({ workers: 1 });
    const [spin, queued, delayed] = await engine.submit([
      { task: 'spin' },
      { task: 'echo', input: 'queued' },
      { task: 'echo', delayMs: 60_000 },
    ]);
    await until(async () => (await engine.get(spin!.job.id)).state === 'running');
    expect((await engine.cancel(queued!.job.id)).state).toBe('cancelled');
    expect((await engine.cancel(delayed!.job.id)).state).toBe('cancelled');
    expect((await engine.cancel(spin!.job.id)).state).toBe('cancelled');
    // The spinning thread was stopped: the next job gets it.
    const [next] = await engine.submit([{ task: 'echo', input: 'next' }]);
    expect((await engine.waitFor(next!.job.id, 10_000)).state).toBe('succeeded');
    expect((await engine.get(spin!.job.id)).state).toBe('cancelled');
    expect((await rejection(engine.cancel(next!.job.id))).code).toBe('ERR_INVALID_TRANSITION');
    expect(await engine.stats()).toMatchObject({ cancelled: 3, queued: 0, delayed: 0 });
  });

  it('retries a failed job with its attempts reset', async () => {
    const { engine } = await startEngine();
    const [r] = await engine.submit([{ task: 'permanent' }]);
    await engine.waitFor(r!.job.id, 10_000);
    const again = await engine.retry(r!.job.id);
    expect(again).toMatchObject({ state: 'queued', attempts: 0, failure: null });
    const job = await engine.waitFor(r!.job.id, 10_000);
    expect(job).toMatchObject({ state: 'failed', attempts: 1, failure: 'permanent' });
    const [ok] = await engine.submit([{ task: 'echo' }]);
    await engine.waitFor(ok!.job.id, 10_000);
    expect((await rejection(engine.retry(ok!.job.id))).code).toBe('ERR_INVALID_TRANSITION');
  });

  it('answers ERR_JOB_NOT_FOUND for an unknown id', async () => {
    const { engine } = await startEngine();
    expect((await rejection(engine.get('nope'))).code).toBe('ERR_JOB_NOT_FOUND');
    expect((await rejection(engine.cancel('nope'))).code).toBe('ERR_JOB_NOT_FOUND');
  });
});

describe('submit', () => {
  it('returns the first job for a repeated idempotency key', async () => {
    const { engine } = await startEngine();
    const [first] = await engine.submit([{ task: 'echo', key: 'k1' }]);
    const [again] = await engine.submit([{ task: 'echo', input: 'other', key: 'k1' }]);
    expect(again).toEqual({ job: expect.objectContaining({ id: first!.job.id }), created: false });
    const twins = await engine.submit([
      { task: 'echo', key: 'k2' },
      { task: 'echo', key: 'k2' },
    ]);
    expect(twins.map((r) => r.created)).toEqual([true, false]);
    expect(twins[1]!.job.id).toBe(twins[0]!.job.id);
    const racing = await Promise.all([
      engine.submit([{ task: 'echo', key: 'k3' }]),
      engine.submit([{ task: 'echo', key: 'k3' }]),
    ]);
    expect(racing[1]![0]!.job.id).toBe(racing[0]![0]!.job.id);
    expect(racing.map((r) => r[0]!.created)).toEqual([true, false]);
  });

  it('refuses a whole batch naming the bad element', async () => {
    const { engine } = await startEngine();
    const err = await rejection(engine.submit([{ task: 'echo' }, { task: 'nope' }]));
    expect(err.code).toBe('ERR_UNKNOWN_TASK');
    expect(err.details).toEqual({ index: 1, field: 'task' });
    const cat = await rejection(engine.submit([{ task: 'echo', category: 'nope' }]));
    expect(cat.code).toBe('ERR_UNKNOWN_CATEGORY');
    expect((await engine.list({})).jobs).toHaveLength(0);
  });

  it('refuses work beyond the queue limits', async () => {
    const { engine } = await startEngine({
      categories: [category('default', { maxQueued: 3 }), category('other')],
      maxQueuedTotal: 5,
    });
    await engine.submit([
      { task: 'echo', delayMs: 60_000 },
      { task: 'echo', delayMs: 60_000 },
    ]);
    const full = await rejection(
      engine.submit([
        { task: 'echo', delayMs: 60_000 },
        { task: 'echo', delayMs: 60_000 },
      ]),
    );
    expect(full).toMatchObject({ code: 'ERR_QUEUE_FULL', details: { limit: 'category', max: 3 } });
    await engine.submit(
      [1, 2, 3].map(() => ({ task: 'echo', category: 'other', delayMs: 60_000 })),
    );
    const total = await rejection(engine.submit([{ task: 'echo', category: 'other' }]));
    expect(total).toMatchObject({ code: 'ERR_QUEUE_FULL', details: { limit: 'total', max: 5 } });
  });
});

describe('the balancer', () => {
  it('shares workers across categories by queued work times weight', async () => {
    const cats = [
      category('a', { weight: 1 }),
      category('b', { weight: 2 }),
      category('c', { weight: 3 }),
    ];
    const { engine, stop } = await startEngine({ workers: 6, categories: cats });
    await engine.submit(
      cats.flatMap((c) =>
        Array.from({ length: 30 }, () => ({ task: 'sleep', category: c.name, input: { ms: 500 } })),
      ),
    );
    await until(
      async () => {
        const a = Object.fromEntries((await engine.categories()).map((c) => [c.name, c.allocated]));
        return a.a === 1 && a.b === 2 && a.c === 3;
      },
      5000,
      'a 1:2:3 allocation',
    );
    await until(
      async () => (await engine.categories()).every((c) => c.running === c.allocated),
      5000,
      'slots filled',
    );
    expect((await engine.stats()).allocation).toEqual({ a: 1, b: 2, c: 3 });
    await stop(0);
  });

  it('never starves a category with minWorkers under a flood elsewhere', async () => {
    const cats = [
      category('flood', { weight: 100 }),
      category('vip', { weight: 0.01, minWorkers: 1 }),
    ];
    const { engine, stop } = await startEngine({ workers: 2, categories: cats });
    await engine.submit(
      Array.from({ length: 400 }, () => ({ task: 'sleep', category: 'flood', input: { ms: 20 } })),
    );
    const vip = await engine.submit(
      Array.from({ length: 5 }, () => ({ task: 'echo', category: 'vip' })),
    );
    for (const r of vip) expect((await engine.waitFor(r.job.id, 10_000)).state).toBe('succeeded');
    expect((await engine.categories()).find((c) => c.name === 'flood')!.queued).toBeGreaterThan(
      100,
    );
    await stop(0);
  });

  it('gives a share too small for a whole thread its turn before the big queue drains', async () => {
    const cats = [category('big', { weight: 4 }), category('small', { weight: 1 })];
    const { engine, stop } = await startEngine({ workers: 2, categories: cats });
    await engine.submit(
      Array.from({ length: 100 }, () => ({ task: 'sleep', category: 'big', input: { ms: 30 } })),
    );
    const small = await engine.submit(
      Array.from({ length: 10 }, () => ({ task: 'echo', category: 'small' })),
    );
    // small's exact share is 2 × 10 / 410 ≈ 0.05 of a thread: rounding alone never gives it one.
    for (const r of small) expect((await engine.waitFor(r.job.id, 10_000)).state).toBe('succeeded');
    expect((await engine.categories()).find((c) => c.name === 'big')!.queued).toBeGreaterThan(0);
    await stop(0);
  });

  it('lends an idle category’s threads to one with work, and a paused category starts nothing', async () => {
    const cats = [category('a', { weight: 1 }), category('b', { weight: 1 })];
    const { engine } = await startEngine({ workers: 2, categories: cats });
    await engine.patchCategory('b', { paused: true });
    const [b] = await engine.submit([{ task: 'echo', category: 'b' }]);
    const a = await engine.submit(
      [1, 2, 3, 4].map(() => ({ task: 'sleep', category: 'a', input: { ms: 100 } })),
    );
    await until(
      async () => (await engine.categories()).find((c) => c.name === 'a')!.running === 2,
      5000,
      'a takes both',
    );
    await Promise.all(a.map((r) => engine.waitFor(r.job.id, 10_000)));
    expect((await engine.get(b!.job.id)).state).toBe('queued');
    const view = await engine.patchCategory('b', { paused: false, weight: 4 });
    expect(view).toMatchObject({ paused: false, weight: 4 });
    expect((await engine.waitFor(b!.job.id, 10_000)).state).toBe('succeeded');
  });

  it('validates category changes', async () => {
    const { engine } = await startEngine();
    expect((await rejection(engine.patchCategory('nope', { weight: 1 }))).code).toBe(
      'ERR_UNKNOWN_CATEGORY',
    );
    expect((await rejection(engine.patchCategory('default', { weight: 0 }))).code).toBe(
      'ERR_VALIDATION',
    );
    expect(
      (await rejection(engine.patchCategory('default', { minWorkers: 3, maxWorkers: 2 }))).message,
    ).toMatch(/minWorkers \(3\) cannot exceed maxWorkers \(2\)/);
  });
});

describe('list', () => {
  it('pages newest first with a cursor and filters by category and state', async () => {
    const cats = [category('default'), category('other')];
    const { engine } = await startEngine({ categories: cats });
    const made = await engine.submit(
      Array.from({ length: 25 }, (_, i) => ({
        task: 'echo',
        category: i % 5 === 0 ? 'other' : 'default',
        delayMs: 60_000,
      })),
    );
    const ids = made.map((r) => r.job.id).reverse();
    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await engine.list({ limit: 10, cursor });
      seen.push(...page.jobs.map((j) => j.id));
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    expect(seen).toEqual(ids);
    expect((await engine.list({ category: 'other' })).jobs).toHaveLength(5);
    expect((await engine.list({ state: 'queued' })).jobs).toHaveLength(0);
    expect((await engine.list({ state: 'delayed', limit: 25 })).nextCursor).toBeNull();
    const [keyed] = await engine.submit([{ task: 'echo', key: 'find-me', delayMs: 60_000 }]);
    expect((await engine.list({ key: 'find-me' })).jobs.map((j) => j.id)).toEqual([keyed!.job.id]);
    expect((await engine.list({ key: 'find-me', category: 'other' })).jobs).toEqual([]);
    expect(await engine.list({ key: 'nobody' })).toEqual({ jobs: [], nextCursor: null });
  });
});

describe('stop and recovery', () => {
  it('lets running jobs finish within the grace period and hands back the rest without spending an attempt', async () => {
    const store = new MemoryStore();
    const { engine, stop } = await startEngine({ workers: 2 }, store);
    const [short, long, waiting] = await engine.submit([
      { task: 'sleep', input: { ms: 50 } },
      { task: 'spin' },
      { task: 'echo', delayMs: 60_000 },
    ]);
    await until(async () => (await engine.get(long!.job.id)).state === 'running');
    // The sleep's thread has begun (it reports progress first): it ends well within the grace.
    await until(async () => (await engine.get(short!.job.id)).progress === 50);
    await stop(2000);
    expect((await engine.get(short!.job.id)).state).toBe('succeeded');
    expect(await engine.get(long!.job.id)).toMatchObject({
      state: 'queued',
      attempts: 0,
      lastError: { kind: 'interrupted' },
    });
    await expect(engine.submit([{ task: 'echo' }])).rejects.toMatchObject({
      code: 'ERR_SHUTTING_DOWN',
    });

    const stored = new Map((await store.load()).jobs.map((j) => [j.id, j]));
    expect(stored.get(short!.job.id)?.state).toBe('succeeded');
    expect(stored.get(long!.job.id)).toMatchObject({ state: 'queued', attempts: 0 });
    expect(stored.get(waiting!.job.id)?.state).toBe('delayed');
  });

  it('queues again at start the jobs that were running when the process died', async () => {
    const store = new MemoryStore();
    const base = {
      key: null,
      category: 'default',
      input: null,
      maxRetries: 1,
      timeoutMs: null,
      priority: 0,
      runAt: null,
      createdAt: new Date().toISOString(),
      startedAt: new Date().toISOString(),
      finishedAt: null,
      durationMs: null,
      progress: null,
      result: null,
      lastError: null,
      failure: null,
      node: null,
      flowId: null,
      flowRole: null,
      parents: [],
      trigger: null,
      schedule: null,
    };
    await store.commit([
      {
        op: 'put',
        job: { ...base, id: '0000000010000', task: 'echo', state: 'running', attempts: 1 },
      },
      {
        op: 'put',
        job: { ...base, id: '0000000020000', task: 'echo', state: 'running', attempts: 2 },
      },
      { op: 'category', name: 'default', override: { weight: 7 } },
    ]);
    const { engine } = await startEngine({}, store);
    expect((await engine.categories())[0]!.weight).toBe(7);
    const again = await engine.waitFor('0000000010000', 10_000);
    expect(again).toMatchObject({ state: 'succeeded', attempts: 2, lastError: { kind: 'lost' } });
    expect(await engine.get('0000000020000')).toMatchObject({
      state: 'failed',
      failure: 'max_retries',
      lastError: { kind: 'lost' },
    });
    const [fresh] = await engine.submit([{ task: 'echo' }]);
    expect(fresh!.job.id > '0000000020000').toBe(true);
  });
});
