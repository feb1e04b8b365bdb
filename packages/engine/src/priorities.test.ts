import type { Job } from '@cadre/core';
import { MemoryStore } from '@cadre/store';
import { afterEach, describe, expect, it } from 'vitest';
import { category, rejection, startEngine, stopAll, until } from './test-support/harness.js';

afterEach(stopAll);

/** Inputs in the order their first attempts started. */
const startOrder = (changes: Job[]) =>
  changes.filter((j) => j.state === 'running' && j.attempts === 1).map((j) => j.input);

describe('priorities', () => {
  it('starts the highest priority first, FIFO among equals', async () => {
    const { engine, changes } = await startEngine({ workers: 1 });
    await engine.patchCategory('default', { paused: true });
    const priorities = [0, 3, -2, 3, 0, 100, -100, 1, 0];
    const submitted = await engine.submit(
      priorities.map((priority, i) => ({ task: 'echo', input: i, priority })),
    );
    expect(submitted.map((r) => r.job.priority)).toEqual(priorities);
    await engine.patchCategory('default', { paused: false });
    await Promise.all(submitted.map((r) => engine.waitFor(r.job.id, 10_000)));
    expect(startOrder(changes)).toEqual([5, 1, 3, 7, 0, 4, 8, 2, 6]);
  });

  it('lowers the priority by 1 on each retry after a retryable failure', async () => {
    const { engine } = await startEngine();
    const [r] = await engine.submit([{ task: 'flaky', input: { failTimes: 2 }, priority: 5 }]);
    const done = await engine.waitFor(r!.job.id, 10_000);
    expect(done).toMatchObject({ state: 'succeeded', attempts: 3, priority: 3 });
  });

  it('keeps the priority of retried jobs where the category says lowerPriorityOnRetry: false', async () => {
    const { engine } = await startEngine({
      categories: [category('default', { lowerPriorityOnRetry: false })],
    });
    const [r] = await engine.submit([{ task: 'flaky', input: { failTimes: 2 }, priority: 5 }]);
    const done = await engine.waitFor(r!.job.id, 10_000);
    expect(done).toMatchObject({ state: 'succeeded', attempts: 3, priority: 5 });
  });

  it('keeps priorities and their order across a restart', async () => {
    const store = new MemoryStore();
    const first = await startEngine({ workers: 1 }, store);
    await first.engine.patchCategory('default', { paused: true });
    await first.engine.submit(
      [0, 7, -1].map((priority, i) => ({ task: 'echo', input: i, priority })),
    );
    await first.stop();
    const { engine, changes } = await startEngine(
      { workers: 1 },
      new MemoryStore(await store.load()),
    );
    await engine.patchCategory('default', { paused: false });
    await until(
      async () => (await engine.categories())[0]!.succeeded === 3,
      10_000,
      'three jobs done',
    );
    expect(startOrder(changes)).toEqual([1, 0, 2]);
  });

  it.each([101, -101, 1.5, '1'])('refuses a priority of %j, naming its path', async (priority) => {
    const { engine } = await startEngine();
    const err = await rejection(() =>
      engine.submit([
        { task: 'echo' },
        { task: 'echo', onSuccess: [{ task: 'echo', priority: priority as number }] },
      ]),
    );
    expect(err.code).toBe('ERR_VALIDATION');
    expect(err.message).toMatch(
      /^jobs\[1\]\.onSuccess\[0\]\.priority must be an integer from -100 to 100/,
    );
    expect(err.details).toEqual({ index: 1, field: 'onSuccess[0].priority' });
  });

  it('gives callbacks, chain steps and group members their own priorities', async () => {
    const { engine } = await startEngine();
    const flow = await engine.submitChain({
      jobs: [
        { task: 'echo', input: 1, priority: 9 },
        { task: 'echo', priority: -9 },
      ],
    });
    expect(flow.jobs.map((j) => j.priority)).toEqual([9, -9]);
    const err = await rejection(() =>
      engine.submitGroup({ jobs: [{ task: 'echo' }], callback: { task: 'echo', priority: 200 } }),
    );
    expect(err.message).toMatch(/^callback\.priority must be/);
  });
});
