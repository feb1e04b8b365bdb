// What the engine promises about the store: a change a caller is answered
// after is written before it is applied; outcomes are published only once
// durable; write-behind records are never dropped; no job starts while the
// store refuses writes; configuration never deletes a job; limits hold under
// concurrency; a stop does not spend attempts.
import type { CadreError, Job } from '@cadre/core';
import { MemoryStore } from '@cadre/store';
import { afterEach, describe, expect, it } from 'vitest';
import { category, rejection, startEngine, stopAll, until } from './test-support/harness.js';

afterEach(stopAll);

const UNAVAILABLE = 'ENOSPC: injected';

const stateOf = async (store: MemoryStore, id: string) =>
  (await store.load()).jobs.find((j) => j.id === id)?.state;

describe('cancel and retry write first', () => {
  it('a cancel the store refuses changes nothing: the job still runs, a second cancel is not a 409', async () => {
    const store = new MemoryStore();
    const { engine } = await startEngine({}, store);
    const [spin, delayed] = await engine.submit([
      { task: 'spin' },
      { task: 'echo', delayMs: 3_600_000 },
    ]);
    await until(async () => (await engine.get(spin!.job.id)).state === 'running');

    store.setUnavailable(UNAVAILABLE);
    for (const id of [spin!.job.id, delayed!.job.id]) {
      for (let i = 0; i < 2; i++) {
        expect((await rejection(engine.cancel(id))).code).toBe('ERR_STORE_UNAVAILABLE');
      }
    }
    expect((await engine.get(spin!.job.id)).state).toBe('running');
    expect((await engine.get(delayed!.job.id)).state).toBe('delayed');
    // The thread was not aborted: the attempt goes on.
    await new Promise((r) => setTimeout(r, 200));
    expect(await engine.get(spin!.job.id)).toMatchObject({ state: 'running', attempts: 1 });

    store.setUnavailable(null);
    expect((await engine.cancel(spin!.job.id)).state).toBe('cancelled');
    expect((await engine.cancel(delayed!.job.id)).state).toBe('cancelled');
    expect(await stateOf(store, spin!.job.id)).toBe('cancelled');
  });

  it('a retry the store refuses leaves the job failed', async () => {
    const store = new MemoryStore();
    const { engine } = await startEngine({}, store);
    const [r] = await engine.submit([{ task: 'permanent' }]);
    expect((await engine.waitFor(r!.job.id, 10_000)).state).toBe('failed');

    store.setUnavailable(UNAVAILABLE);
    expect((await rejection(engine.retry(r!.job.id))).code).toBe('ERR_STORE_UNAVAILABLE');
    expect((await engine.get(r!.job.id)).state).toBe('failed');
    store.setUnavailable(null);
    expect((await engine.retry(r!.job.id)).state).toBe('queued');
  });
});

describe('write-behind', () => {
  it('keeps outcomes the store refused, publishes them only once durable, and starts nothing meanwhile', async () => {
    const store = new MemoryStore();
    const { engine, changes } = await startEngine({ workers: 1 }, store);
    const [first, ...rest] = await engine.submit([
      { task: 'sleep', input: { ms: 100 } },
      { task: 'echo', input: 1 },
      { task: 'echo', input: 2 },
    ]);
    await until(async () => (await engine.get(first!.job.id)).state === 'running');
    store.setUnavailable(UNAVAILABLE);

    // The attempt ends, but its outcome cannot be written: nobody sees it.
    const seen = await engine.waitFor(first!.job.id, 600);
    expect(seen.state).toBe('running');
    expect(changes.some((j) => j.id === first!.job.id && j.state === 'succeeded')).toBe(false);
    // And nothing else started: its outcome could not be recorded either.
    for (const r of rest) expect((await engine.get(r.job.id)).state).toBe('queued');

    store.setUnavailable(null);
    for (const r of [first!, ...rest]) {
      expect((await engine.waitFor(r.job.id, 10_000)).state).toBe('succeeded');
    }
    // The records refused earlier were written once the store took writes again.
    for (const r of [first!, ...rest]) {
      await expect.poll(() => stateOf(store, r.job.id)).toBe('succeeded');
    }
  });

  it('an unserialisable input fails its own submission only', async () => {
    const store = new MemoryStore();
    const { engine } = await startEngine({}, store);
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    const results = await Promise.allSettled([
      engine.submit([{ task: 'echo', input: 'a' }]),
      engine.submit([{ task: 'echo', input: { big: 10n } as never }]),
      engine.submit([{ task: 'echo', input: cyclic as never }]),
      engine.submit([{ task: 'echo', input: 'b' }]),
    ]);
    expect(results.map((r) => r.status)).toEqual([
      'fulfilled',
      'rejected',
      'rejected',
      'fulfilled',
    ]);
    for (const r of results) {
      if (r.status === 'rejected') expect((r.reason as CadreError).code).toBe('ERR_VALIDATION');
      else expect((await engine.waitFor(r.value[0]!.job.id, 10_000)).state).toBe('succeeded');
    }
    expect((await store.load()).jobs).toHaveLength(2);
  });
});

describe('limits', () => {
  it('maxQueued holds against concurrent batches', async () => {
    const { engine } = await startEngine({
      categories: [category('default'), category('small', { maxQueued: 25 })],
    });
    await engine.patchCategory('small', { paused: true });
    const batch = Array.from({ length: 10 }, () => ({ task: 'echo', category: 'small' }));
    const results = await Promise.allSettled(Array.from({ length: 8 }, () => engine.submit(batch)));
    const accepted = results.filter((r) => r.status === 'fulfilled');
    expect(accepted).toHaveLength(2);
    for (const r of results) {
      if (r.status === 'rejected') expect((r.reason as CadreError).code).toBe('ERR_QUEUE_FULL');
    }
    expect((await engine.categories()).find((c) => c.name === 'small')!.queued).toBe(20);
  });

  it('maxQueuedTotal holds against concurrent batches', async () => {
    const { engine } = await startEngine({ maxQueuedTotal: 15 });
    await engine.patchCategory('default', { paused: true });
    const batch = Array.from({ length: 5 }, () => ({ task: 'echo' }));
    const results = await Promise.allSettled(Array.from({ length: 8 }, () => engine.submit(batch)));
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(3);
    expect((await engine.stats()).queued).toBe(15);
  });
});

describe('configuration never deletes jobs', () => {
  it('keeps the jobs of a category the config dropped, and runs them once it is back', async () => {
    const both = [category('default'), category('images')];
    let store = new MemoryStore();
    let h = await startEngine({ categories: both }, store);
    await h.engine.patchCategory('images', { paused: true });
    const submitted = await h.engine.submit(
      Array.from({ length: 100 }, (_, i) => ({ task: 'echo', category: 'images', input: i })),
    );
    const ids = submitted.map((r) => r.job.id).sort();
    await h.stop();

    // Started without `images`: its jobs are kept as orphans, listed, never run.
    store = new MemoryStore(await store.load());
    h = await startEngine({ categories: [category('default')] }, store);
    const orphan = (await h.engine.categories()).find((c) => c.name === 'images');
    expect(orphan).toMatchObject({ orphaned: true, queued: 100, allocated: 0 });
    expect((await h.engine.list({ category: 'images', limit: 1000 })).jobs).toHaveLength(100);
    expect((await rejection(h.engine.submit([{ task: 'echo', category: 'images' }]))).code).toBe(
      'ERR_UNKNOWN_CATEGORY',
    );
    expect((await rejection(h.engine.patchCategory('images', { paused: false }))).code).toBe(
      'ERR_UNKNOWN_CATEGORY',
    );
    await new Promise((r) => setTimeout(r, 200));
    expect(await h.engine.stats()).toMatchObject({ running: 0, succeeded: 0 });
    await h.stop();

    // Back in the config: all 100 are there, still paused as they were left.
    store = new MemoryStore(await store.load());
    expect((await store.load()).jobs.map((j) => j.id).sort()).toEqual(ids);
    h = await startEngine({ categories: both }, store);
    expect((await h.engine.categories()).find((c) => c.name === 'images')).toMatchObject({
      orphaned: false,
      paused: true,
      queued: 100,
    });
    await h.engine.patchCategory('images', { paused: false });
    for (const id of ids) expect((await h.engine.waitFor(id, 10_000)).state).toBe('succeeded');
  });
});

describe('stopping', () => {
  it('gives back the attempt of a job interrupted by a stop, however often', async () => {
    let store = new MemoryStore();
    let id = '';
    for (let round = 0; round < 3; round++) {
      const { engine, stop } = await startEngine({}, store);
      if (round === 0) {
        const [r] = await engine.submit([{ task: 'spin', maxRetries: 0 }]);
        id = r!.job.id;
      }
      await until(async () => (await engine.get(id)).state === 'running');
      await stop(0);
      const job: Job = await engine.get(id);
      expect(job).toMatchObject({
        state: 'queued',
        attempts: 0,
        lastError: { kind: 'interrupted' },
      });
      store = new MemoryStore(await store.load());
      expect(await stateOf(store, id)).toBe('queued');
    }
  });
});

describe('retention', () => {
  it('keeps failed jobs under their own limits: a flood of successes does not push them out', async () => {
    const { engine } = await startEngine(
      {
        balanceIntervalMs: 20,
        retention: { maxAgeMs: 0, maxCount: 5, failed: { maxAgeMs: 3_600_000, maxCount: 100 } },
      },
      new MemoryStore(),
      { pruneIntervalMs: 20 },
    );
    const failed = await engine.submit(Array.from({ length: 3 }, () => ({ task: 'permanent' })));
    for (const r of failed) expect((await engine.waitFor(r.job.id, 10_000)).state).toBe('failed');
    const ok = await engine.submit(
      Array.from({ length: 50 }, (_, i) => ({ task: 'echo', input: i })),
    );
    for (const r of ok) {
      // A success may be pruned (maxAgeMs 0) before it is read: gone means finished.
      await engine.waitFor(r.job.id, 10_000).catch((err: CadreError) => {
        if (err.code !== 'ERR_JOB_NOT_FOUND') throw err;
      });
    }
    // Successes beyond their count go at the next ticks; every failure stays.
    await until(
      async () => (await engine.list({ state: 'succeeded', limit: 1000 })).jobs.length <= 5,
    );
    const listed = (await engine.list({ state: 'failed', limit: 1000 })).jobs.map((j) => j.id);
    expect(listed.sort()).toEqual(failed.map((r) => r.job.id).sort());
    expect((await engine.list({ limit: 1000 })).jobs).toHaveLength(8);
  });

  it('prunes at the first tick it leads, then once per pruneIntervalMs, not every tick', async () => {
    const clock = { at: Date.now(), now: () => clock.at };
    const { engine } = await startEngine(
      { balanceIntervalMs: 20, retention: { maxAgeMs: 0, maxCount: 5, failed: RETAIN_5 } },
      new MemoryStore(),
      { clock, pruneIntervalMs: 60_000 },
    );
    const ok = await engine.submit(
      Array.from({ length: 12 }, (_, i) => ({ task: 'echo', input: i })),
    );
    for (const r of ok) expect((await engine.waitFor(r.job.id, 10_000)).state).toBe('succeeded');
    const succeeded = async () =>
      (await engine.list({ state: 'succeeded', limit: 1000 })).jobs.length;
    // Past their age: a prune now would keep 5. Some 15 ticks pass, none prunes.
    clock.at += 1;
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(await succeeded()).toBe(12);
    clock.at += 60_000;
    await until(async () => (await succeeded()) === 5);
  });
});

const RETAIN_5 = { maxAgeMs: 0, maxCount: 5 };
