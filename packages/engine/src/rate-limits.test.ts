import { rateLimitedThreads } from '@cadre/core';
import { MemoryStore } from '@cadre/store';
import { afterEach, describe, expect, it } from 'vitest';
import { category, rejection, startEngine, stopAll, until } from './test-support/harness.js';

afterEach(stopAll);

/** The start times of the jobs' (single) attempts, sorted. */
const startTimes = (jobs: { startedAt: string | null }[]) =>
  jobs.map((j) => Date.parse(j.startedAt!)).sort((a, b) => a - b);

/** The most starts in any window of `perMs` ms (a window opens at each start). */
const mostInAWindow = (starts: number[], perMs: number) =>
  Math.max(...starts.map((t) => starts.filter((s) => s >= t && s < t + perMs).length));

describe('rate limits', () => {
  it('starts at most max per sliding window over several windows; nothing fails, no attempt is spent', async () => {
    const rateLimit = { max: 5, perMs: 500 };
    const { engine } = await startEngine({
      workers: 4,
      categories: [category('default', { rateLimit })],
    });
    const submitted = await engine.submit(
      Array.from({ length: 20 }, (_, i) => ({ task: 'echo', input: i })),
    );
    await until(
      async () => (await engine.categories())[0]!.rateLimited,
      5000,
      'the category held by its limit',
    );
    const view = (await engine.categories())[0]!;
    expect(view).toMatchObject({ rateLimit, rateLimited: true });
    expect(view.queued).toBeGreaterThan(0);
    const done = await Promise.all(submitted.map((r) => engine.waitFor(r.job.id, 10_000)));
    expect(done.every((j) => j.state === 'succeeded' && j.attempts === 1)).toBe(true);
    const starts = startTimes(done);
    expect(mostInAWindow(starts, 500)).toBe(5);
    // Four windows' worth: the last five cannot start before three windows have passed.
    expect(starts[19]! - starts[0]!).toBeGreaterThanOrEqual(1500);
    await until(async () => !(await engine.categories())[0]!.rateLimited, 5000, 'released');
  });

  it('is set, changed and lifted with patchCategory, and persists across a restart', async () => {
    const store = new MemoryStore();
    const first = await startEngine({ workers: 2 }, store);
    const view = await first.engine.patchCategory('default', {
      rateLimit: { max: 2, perMs: 60_000 },
    });
    expect(view).toMatchObject({ rateLimit: { max: 2, perMs: 60_000 }, rateLimited: false });
    const held = await first.engine.submit(Array.from({ length: 4 }, () => ({ task: 'echo' })));
    await until(
      async () => (await first.engine.categories())[0]!.succeeded === 2,
      5000,
      'two started',
    );
    const [category0] = await first.engine.categories();
    expect(category0).toMatchObject({ queued: 2, rateLimited: true });
    await first.stop();

    const again = await startEngine({ workers: 2 }, new MemoryStore(await store.load()));
    expect((await again.engine.categories())[0]!.rateLimit).toEqual({ max: 2, perMs: 60_000 });
    // Lifted: what waited runs at once.
    const lifted = await again.engine.patchCategory('default', { rateLimit: null });
    expect(lifted.rateLimit).toBeNull();
    for (const r of held) {
      expect((await again.engine.waitFor(r.job.id, 5000)).state).toBe('succeeded');
    }
  });

  it.each([
    [{ max: 0, perMs: 100 }, 'rateLimit.max'],
    [{ max: 1.5, perMs: 100 }, 'rateLimit.max'],
    [{ max: 5, perMs: 0 }, 'rateLimit.perMs'],
    [{ max: 5 }, 'rateLimit.perMs'],
    [5, 'rateLimit'],
  ])('refuses the rateLimit %j, naming %s', async (rateLimit, field) => {
    const { engine } = await startEngine();
    const err = await rejection(
      engine.patchCategory('default', { rateLimit: rateLimit as { max: number; perMs: number } }),
    );
    expect(err.code).toBe('ERR_VALIDATION');
    expect(err.details).toEqual({ field });
  });

  it('gives a rate-limited category no more threads than its rate can use: the rest go to others', async () => {
    const rateLimit = { max: 4, perMs: 1000 };
    const { engine, stop } = await startEngine({
      workers: 4,
      categories: [category('limited', { rateLimit, weight: 10 }), category('other')],
    });
    await engine.submit([
      ...Array.from({ length: 40 }, () => ({
        task: 'sleep',
        category: 'limited',
        input: { ms: 50 },
      })),
      ...Array.from({ length: 200 }, () => ({
        task: 'sleep',
        category: 'other',
        input: { ms: 50 },
      })),
    ]);
    // 4 starts a second of 50 ms jobs keep a fifth of a thread busy: 1 thread, though its weight
    // would give it all but one.
    expect(rateLimitedThreads(rateLimit, 50)).toBe(1);
    await until(
      async () => {
        const a = Object.fromEntries((await engine.categories()).map((c) => [c.name, c.allocated]));
        return a.limited === 1 && a.other === 3;
      },
      5000,
      'limited 1, other 3',
    );
    await stop(0);
  });
});
