/**
 * Flows on the engine, with real threads: callbacks, chains and chords pass
 * results, failures drop what comes after, and a flow can be cancelled.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { Flow, Job } from '@cadre/core';
import { config, rejection, startEngine, stopAll, until } from './test-support/harness.js';

afterEach(stopAll);

const finished = (f: Flow) => f.state !== 'running';

describe('callbacks', () => {
  it('runs the success callback with [result, ...args] and drops the error callback', async () => {
    const { engine } = await startEngine();
    const [parent] = await engine.submit([
      {
        task: 'echo',
        input: { n: 1 },
        onSuccess: [{ task: 'echo', input: ['extra'] }],
        onError: [{ task: 'echo' }],
      },
    ]);
    expect(parent!.job.parents).toEqual([]);
    const children = (await engine.list({})).jobs.filter((j) => j.parents[0] === parent!.job.id);
    expect(children.map((c) => c.state).sort()).toEqual(['waiting', 'waiting']);
    const [ok, ko] = children.sort((a, b) => (a.id < b.id ? -1 : 1)) as [Job, Job];
    expect((await engine.waitFor(ok.id, 10_000)).result).toEqual([{ n: 1 }, 'extra']);
    expect(await engine.waitFor(ko.id, 10_000)).toMatchObject({
      state: 'cancelled',
      lastError: { kind: 'upstream' },
    });
  });

  it('runs the error callback with [message, ...args] when the parent fails for good', async () => {
    const { engine } = await startEngine();
    await engine.submit([{ task: 'permanent', onError: [{ task: 'echo', input: [2] }] }]);
    await until(
      async () => (await engine.list({ state: 'succeeded' })).jobs.length === 1,
      10_000,
      'the error callback to run',
    );
    const [cb] = (await engine.list({ state: 'succeeded' })).jobs;
    expect(cb!.result).toEqual(['cannot ever work', 2]);
    expect(cb!.input).toEqual(['cannot ever work', 2]);
  });

  it('passes nothing from an immutable parent', async () => {
    const { engine } = await startEngine();
    const [p] = await engine.submit([
      { task: 'echo', input: 1, immutable: true, onSuccess: [{ task: 'echo', input: { own: 1 } }] },
    ]);
    await engine.waitFor(p!.job.id, 10_000);
    await until(
      async () => (await engine.list({ state: 'succeeded' })).jobs.length === 2,
      10_000,
      'the callback to run',
    );
    const cb = (await engine.list({ state: 'succeeded' })).jobs.find((j) => j.parents.length);
    expect(cb!.result).toEqual({ own: 1 });
  });

  it("checks a receiving callback's input only when it is its own: its task's schema is not applied at submit", async () => {
    const base = config();
    const objectsOnly = { type: 'object', required: ['n'] };
    const tasks = base.tasks.map((t) =>
      t.name === 'echo' ? { ...t, inputSchema: objectsOnly } : t,
    );
    const { engine } = await startEngine({ tasks });
    // The callback runs with [result]: an array its task's schema would refuse.
    const [p] = await engine.submit([
      { task: 'echo', input: { n: 1 }, onSuccess: [{ task: 'echo' }] },
    ]);
    await engine.waitFor(p!.job.id, 10_000);
    await until(
      async () => (await engine.list({ state: 'succeeded' })).jobs.length === 2,
      10_000,
      'the callback to run',
    );
    // A job of its own, or an immutable parent's callback, is still checked.
    const err = await rejection(
      engine.submit([
        {
          task: 'echo',
          input: { n: 1 },
          immutable: true,
          onSuccess: [{ task: 'echo', input: [] }],
        },
      ]),
    );
    expect(err.message).toMatch(/^jobs\[0\]\.onSuccess\[0\]\.input/);
  });

  it('refuses a callback input that is not an array, naming its path', async () => {
    const { engine } = await startEngine();
    const err = await rejection(
      engine.submit([{ task: 'echo' }, { task: 'echo', onSuccess: [{ task: 'echo', input: 5 }] }]),
    );
    expect(err.code).toBe('ERR_VALIDATION');
    expect(err.message).toMatch(/^jobs\[1\]\.onSuccess\[0\]\.input must be an array or absent/);
    expect(err.details).toEqual({ index: 1, field: 'onSuccess[0].input' });
    expect((await engine.list({})).jobs).toEqual([]);
  });
});

describe('chains', () => {
  it('passes each result to the next step and succeeds', async () => {
    const { engine } = await startEngine();
    const flow = await engine.submitChain({
      jobs: [{ task: 'echo', input: 1 }, { task: 'echo', input: ['b'] }, { task: 'echo' }],
    });
    expect(flow).toMatchObject({ kind: 'chain', state: 'running', callback: null });
    expect(flow.jobs.map((j) => j.state)).toEqual(['queued', 'waiting', 'waiting']);
    expect(flow.jobs.every((j) => j.flowId === flow.id)).toBe(true);
    await until(async () => finished(await engine.flow(flow.id)), 10_000, 'the chain to end');
    const done = await engine.flow(flow.id);
    expect(done.state).toBe('succeeded');
    expect(done.jobs.map((j) => j.result)).toEqual([1, [1, 'b'], [[1, 'b']]]);
  });

  it('drops the steps after a failed one, and the flow fails', async () => {
    const { engine } = await startEngine();
    const flow = await engine.submitChain({
      jobs: [{ task: 'echo' }, { task: 'permanent' }, { task: 'echo' }, { task: 'echo' }],
    });
    await until(async () => finished(await engine.flow(flow.id)), 10_000, 'the chain to end');
    const done = await engine.flow(flow.id);
    expect(done.state).toBe('failed');
    expect(done.jobs.map((j) => j.state)).toEqual([
      'succeeded',
      'failed',
      'cancelled',
      'cancelled',
    ]);
    expect(done.jobs[2]!.lastError).toEqual({
      kind: 'upstream',
      message: `job ${done.jobs[1]!.id} failed: cannot ever work`,
    });
  });

  it('refuses fewer than 2 steps', async () => {
    const { engine } = await startEngine();
    const err = await rejection(engine.submitChain({ jobs: [{ task: 'echo' }] }));
    expect(err.code).toBe('ERR_VALIDATION');
    expect(err.message).toBe('jobs must be an array of 2 to 100 job requests');
  });
});

describe('groups and chords', () => {
  it('runs the members in parallel and the chord once, with their results in order', async () => {
    const { engine } = await startEngine({ workers: 2 });
    const flow = await engine.submitGroup({
      jobs: [
        { task: 'sleep', input: { ms: 200 } },
        { task: 'echo', input: 'b' },
        { task: 'sleep', input: { ms: 50 } },
      ],
      callback: { task: 'echo', input: ['tail'] },
    });
    expect(flow.callback).toMatchObject({ state: 'waiting', flowRole: 'chord' });
    await until(async () => finished(await engine.flow(flow.id)), 10_000, 'the chord to end');
    const done = await engine.flow(flow.id);
    expect(done.state).toBe('succeeded');
    expect(done.callback!.result).toEqual([[{ slept: 200 }, 'b', { slept: 50 }], 'tail']);
  });

  it("drops the chord when a member fails, and runs the chord's error callback with that error", async () => {
    const { engine } = await startEngine();
    const flow = await engine.submitGroup({
      jobs: [{ task: 'echo' }, { task: 'permanent' }],
      callback: { task: 'echo', onError: [{ task: 'echo', input: ['report'] }] },
    });
    await until(async () => finished(await engine.flow(flow.id)), 10_000, 'the group to end');
    const done = await engine.flow(flow.id);
    expect(done.state).toBe('failed');
    expect(done.callback).toMatchObject({ state: 'cancelled', lastError: { kind: 'upstream' } });
    expect(done.callbacks).toHaveLength(1);
    expect(done.callbacks[0]).toMatchObject({
      state: 'succeeded',
      result: ['cannot ever work', 'report'],
    });
  });
});

describe('cancelling a flow', () => {
  it('cancels every job that has not finished, and the flow ends cancelled', async () => {
    const { engine } = await startEngine();
    await engine.patchCategory('default', { paused: true });
    const flow = await engine.submitChain({ jobs: [{ task: 'echo' }, { task: 'echo' }] });
    const done = await engine.cancelFlow(flow.id);
    expect(done.state).toBe('cancelled');
    expect(done.jobs.map((j) => j.state)).toEqual(['cancelled', 'cancelled']);
    expect((await rejection(engine.flow('nope'))).code).toBe('ERR_FLOW_NOT_FOUND');
  });

  it('lists a flow’s jobs, and counts waiting callbacks', async () => {
    const { engine } = await startEngine();
    await engine.patchCategory('default', { paused: true });
    const flow = await engine.submitGroup({ jobs: [{ task: 'echo' }], callback: { task: 'echo' } });
    await engine.submit([{ task: 'echo' }]);
    const listed = await engine.list({ flowId: flow.id });
    expect(listed.jobs.map((j) => j.id)).toEqual([flow.callback!.id, flow.jobs[0]!.id]);
    expect((await engine.stats()).waiting).toBe(1);
    expect((await engine.categories())[0]!.waiting).toBe(1);
  });
});
