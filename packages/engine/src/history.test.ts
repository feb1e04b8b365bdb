// Metrics history on the engine (issue 14): attempts are counted per minute
// and category, flushed to the backend behind the jobs (periodically and at a
// graceful stop), read back after a restart; categories show their last
// minute's waits and their wait target.
import type { HistoryPoint } from '@cadre/core';
import { MemoryStore } from '@cadre/store';
import { afterEach, describe, expect, it } from 'vitest';
import { category, rejection, startEngine, stopAll, until } from './test-support/harness.js';

afterEach(stopAll);

/**
 * Successes and failures over all the points: a test that runs across the
 * turn of a minute has its attempts in two rows (a claim's wait counted in
 * one minute, its end in the next).
 */
function totals(points: readonly HistoryPoint[]): { succeeded: number; failed: number } {
  return {
    succeeded: points.reduce((n, p) => n + p.succeeded, 0),
    failed: points.reduce((n, p) => n + p.failed, 0),
  };
}

describe('metrics history', () => {
  it('counts successes and failures per category, flushes them at stop, and reads them after a restart', async () => {
    const store = new MemoryStore();
    // No periodic flush within the test: only the stop writes.
    const first = await startEngine({}, store, { historyFlushMs: 3_600_000 });
    const ok = await first.engine.submit([
      { task: 'echo', input: 1 },
      { task: 'echo', input: 2 },
      { task: 'sleep', input: { ms: 30 } },
    ]);
    const [bad] = await first.engine.submit([{ task: 'permanent' }]);
    for (const r of [...ok, bad!]) await first.engine.waitFor(r.job.id, 10_000);
    expect((await first.engine.history('5m')).points).toEqual([]);
    await first.stop();

    const second = await startEngine({}, new MemoryStore(await store.load()));
    const { points, range, from, stepMs } = await second.engine.history('1h');
    expect({ range, stepMs }).toEqual({ range: '1h', stepMs: 60_000 });
    expect(points.length).toBeGreaterThanOrEqual(1);
    expect(points.length).toBeLessThanOrEqual(2);
    expect(totals(points)).toEqual({ succeeded: 3, failed: 1 });
    for (const point of points) {
      expect(point.category).toBe('default');
      expect(Date.parse(point.minute)).toBeGreaterThanOrEqual(Date.parse(from));
      expect(point.minute).toMatch(/:00\.000Z$/);
    }
    const waited = points.filter((p) => p.waitP95Ms !== null);
    expect(waited.length).toBeGreaterThan(0);
    for (const p of waited) expect(p.waitP95Ms).toBeGreaterThanOrEqual(0);
    const ran = points.filter((p) => p.runP95Ms !== null);
    for (const p of ran) expect(p.runP95Ms).toBeGreaterThanOrEqual(p.runP50Ms!);
    // The 30 ms sleep's run is in one of them.
    expect(Math.max(...ran.map((p) => p.runP95Ms!))).toBeGreaterThanOrEqual(20);
  });

  it('flushes every interval while it runs', async () => {
    const { engine } = await startEngine({}, new MemoryStore(), { historyFlushMs: 50 });
    const [r] = await engine.submit([{ task: 'echo', input: 1 }]);
    await engine.waitFor(r!.job.id, 10_000);
    const flushed = async () => totals((await engine.history('5m')).points).succeeded === 1;
    await until(flushed, 5000, 'a flush');
    expect(totals((await engine.history('5m')).points)).toEqual({ succeeded: 1, failed: 0 });
  });

  it('keeps the rows of a flush the store refused, and writes them once with the next', async () => {
    const store = new MemoryStore();
    const { engine } = await startEngine({}, store, { historyFlushMs: 100 });
    const [r] = await engine.submit([{ task: 'echo', input: 1 }]);
    await engine.waitFor(r!.job.id, 10_000);
    store.setUnavailable('ENOSPC: injected');
    const refused = store.commits;
    // Several flushes are refused meanwhile.
    await new Promise((resolve) => setTimeout(resolve, 350));
    expect(store.commits).toBe(refused);
    store.setUnavailable(null);
    const flushed = async () => totals((await engine.history('5m')).points).succeeded > 0;
    await until(flushed, 5000, 'a flush');
    await new Promise((resolve) => setTimeout(resolve, 250));
    // Once: the rows the refused flushes put back were not written twice.
    expect(totals((await engine.history('5m')).points)).toEqual({ succeeded: 1, failed: 0 });
  });
});

describe('wait of the last minute, and wait targets', () => {
  it('shows each category its waits over the last minute, and its target', async () => {
    const { engine } = await startEngine({
      categories: [category('default', { targetWaitMs: 250 }), category('email')],
    });
    const before = await engine.categories();
    expect(before.find((c) => c.name === 'default')).toMatchObject({
      targetWaitMs: 250,
      waitP50Ms: null,
      waitP95Ms: null,
    });
    const jobs = await engine.submit([{ task: 'echo' }, { task: 'echo', delayMs: 100 }]);
    for (const r of jobs) await engine.waitFor(r.job.id, 10_000);
    const after = (await engine.categories()).find((c) => c.name === 'default')!;
    expect(after.waitP50Ms).not.toBeNull();
    expect(after.waitP95Ms!).toBeGreaterThanOrEqual(after.waitP50Ms!);
    expect((await engine.categories()).find((c) => c.name === 'email')!.waitP95Ms).toBeNull();
  });

  it('sets and clears a target by PATCH, kept like the other overrides', async () => {
    const store = new MemoryStore();
    const first = await startEngine({}, store);
    expect((await first.engine.patchCategory('default', { targetWaitMs: 1500 })).targetWaitMs).toBe(
      1500,
    );
    await first.stop();
    const second = await startEngine({}, new MemoryStore(await store.load()));
    const cat = (await second.engine.categories()).find((c) => c.name === 'default')!;
    expect(cat.targetWaitMs).toBe(1500);
    expect(
      (await second.engine.patchCategory('default', { targetWaitMs: null })).targetWaitMs,
    ).toBe(null);
  });

  it.each([0, -1, Number.NaN, 86_400_001])('refuses a target of %s, naming it', async (bad) => {
    const { engine } = await startEngine();
    const err = await rejection(engine.patchCategory('default', { targetWaitMs: bad }));
    expect(err.code).toBe('ERR_VALIDATION');
    expect(err.message).toContain('targetWaitMs');
    expect(err.details).toMatchObject({ field: 'targetWaitMs' });
  });
});
