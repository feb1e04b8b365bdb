/**
 * The engine with batches and lanes, on real threads: an I/O category runs
 * many jobs per thread beside a CPU category, and the balancer's shares hold
 * while short jobs travel in batches.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { category, startEngine, stopAll, until } from './test-support/harness.js';

afterEach(stopAll);

describe('concurrency', () => {
  it('runs many jobs of an I/O category per thread, beside a CPU category', async () => {
    const cats = [category('email', { concurrency: 10 }), category('reports')];
    const { engine } = await startEngine({ workers: 2, categories: cats });
    const email = await engine.submit(
      Array.from({ length: 40 }, () => ({ task: 'sleep', category: 'email', input: { ms: 300 } })),
    );
    const reports = await engine.submit(
      Array.from({ length: 20 }, (_, i) => ({ task: 'echo', category: 'reports', input: i })),
    );
    // More email jobs at once than there are threads.
    await until(
      async () => (await engine.categories()).find((c) => c.name === 'email')!.running > 2,
      10_000,
      'email jobs sharing threads',
    );
    for (const r of [...email, ...reports]) {
      expect((await engine.waitFor(r.job.id, 20_000)).state).toBe('succeeded');
    }
  });

  it('takes a new concurrency at run time', async () => {
    const { engine } = await startEngine({ workers: 1, categories: [category('email')] });
    expect((await engine.patchCategory('email', { concurrency: 8 })).concurrency).toBe(8);
    const jobs = await engine.submit(
      Array.from({ length: 16 }, () => ({ task: 'sleep', category: 'email', input: { ms: 300 } })),
    );
    await until(
      async () => (await engine.categories())[0]!.running > 1,
      10_000,
      'one thread running several jobs',
    );
    for (const r of jobs) expect((await engine.waitFor(r.job.id, 20_000)).state).toBe('succeeded');
  });
});

describe('batches and the balancer', () => {
  it('keeps the shares by weight while short jobs travel in batches', async () => {
    const cats = [category('a', { weight: 1 }), category('b', { weight: 3 })];
    const { engine } = await startEngine({ workers: 4, categories: cats });
    await engine.submit(
      cats.flatMap((c) =>
        Array.from({ length: 4000 }, () => ({ task: 'sleep', category: c.name, input: { ms: 2 } })),
      ),
    );
    await until(
      async () => {
        const { allocation } = await engine.stats();
        return allocation.a === 1 && allocation.b === 3;
      },
      5000,
      'a 1:3 allocation',
    );
    const done = async () => {
      const views = await engine.categories();
      return Object.fromEntries(views.map((c) => [c.name, c.succeeded]));
    };
    const before = await done();
    await until(async () => (await done()).a! - before.a! >= 300, 20_000, '300 more of a');
    const after = await done();
    const ratio = (after.b! - before.b!) / (after.a! - before.a!);
    // Same jobs, threads 1:3: b finishes about three times as many.
    expect(ratio).toBeGreaterThan(1.8);
    expect(ratio).toBeLessThan(4.5);
    // Both queues still deep: the shares were measured under load.
    const views = await engine.categories();
    expect(views.every((c) => c.queued > 0)).toBe(true);
  });

  it("fails only the job that killed its batch's thread: the others run again, their attempt not counted", async () => {
    const { engine, changes } = await startEngine({ workers: 1 });
    // Warm up: the category's job time is known, so its jobs travel in batches.
    const warm = await engine.submit(
      Array.from({ length: 50 }, (_, i) => ({ task: 'echo', input: i })),
    );
    for (const r of warm) await engine.waitFor(r.job.id, 10_000);
    await engine.patchCategory('default', { paused: true });
    const tasks = ['echo', 'echo', 'exit', 'echo', 'echo'];
    const batch = await engine.submit(tasks.map((task, i) => ({ task, input: i, maxRetries: 0 })));
    await engine.patchCategory('default', { paused: false });
    const ends = await Promise.all(batch.map((r) => engine.waitFor(r.job.id, 20_000)));
    expect(ends.map((j) => j.state)).toEqual([
      'succeeded',
      'succeeded',
      'failed',
      'succeeded',
      'succeeded',
    ]);
    expect(ends[2]!.lastError?.kind).toBe('crash');
    // Every job spent one attempt: the echoes' interrupted attempts were given back.
    expect(ends.map((j) => j.attempts)).toEqual([1, 1, 1, 1, 1]);
    // The echoes that shared the crashing job's batch were interrupted, then ran again.
    const interrupted = changes.filter((j) => j.lastError?.kind === 'interrupted').map((j) => j.id);
    const echoes = new Set([0, 1, 3, 4].map((i) => batch[i]!.job.id));
    expect(interrupted.length).toBeGreaterThan(0);
    for (const id of interrupted) expect(echoes.has(id)).toBe(true);
  });
});
