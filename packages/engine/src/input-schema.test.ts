// Inputs are checked against their task's JSON Schema at submission and on a
// retry with a new input, by the engine itself, so embedders get it too.
import { CadreError, type TaskConfig } from '@cadre/core';
import { MemoryStore } from '@cadre/store';
import { afterEach, describe, expect, it } from 'vitest';
import { createEngine } from './engine.js';
import { config, startEngine, stopAll } from './test-support/harness.js';

afterEach(stopAll);

const greetSchema = {
  type: 'object',
  properties: { to: { type: 'string' } },
  required: ['to'],
};
const flakySchema = {
  type: 'object',
  properties: { failTimes: { type: 'integer', minimum: 0 } },
  required: ['failTimes'],
};

/** The harness's tasks, plus `greet` (echo with a schema); `flaky` gets a schema too. */
function tasks(): TaskConfig[] {
  const base = config().tasks;
  const echo = base.find((t) => t.name === 'echo')!;
  return [
    ...base.map((t) => (t.name === 'flaky' ? { ...t, inputSchema: flakySchema } : t)),
    { ...echo, name: 'greet', inputSchema: greetSchema },
  ];
}

async function rejection(p: Promise<unknown>): Promise<CadreError> {
  try {
    await p;
  } catch (err) {
    if (err instanceof CadreError) return err;
    throw err;
  }
  throw new Error('expected a CadreError');
}

describe('input schemas at submission', () => {
  it('refuses a job whose input does not match, with the path inside the input', async () => {
    const { engine, changes } = await startEngine({ tasks: tasks() });
    const err = await rejection(engine.submit([{ task: 'greet', input: { to: 1 } }]));
    expect(err.code).toBe('ERR_VALIDATION');
    expect(err.message).toBe('jobs[0].input/to must be string');
    expect(err.details).toEqual({
      index: 0,
      field: 'input',
      path: '/to',
      issues: [{ path: '/to', message: 'must be string' }],
    });
    expect(changes).toEqual([]);
    expect((await engine.list({})).jobs).toEqual([]);
  });

  it('checks a missing input as null', async () => {
    const { engine } = await startEngine({ tasks: tasks() });
    const err = await rejection(engine.submit([{ task: 'greet' }]));
    expect(err.message).toBe('jobs[0].input must be object');
  });

  it('refuses a whole batch, naming the element, and nothing runs', async () => {
    const store = new MemoryStore();
    const { engine, changes } = await startEngine({ tasks: tasks() }, store);
    const err = await rejection(
      engine.submit([
        { task: 'greet', input: { to: 'ada' } },
        { task: 'echo', input: 'anything' },
        { task: 'greet', input: {} },
      ]),
    );
    expect(err.message).toBe('jobs[2].input/to is required');
    expect(err.details).toMatchObject({ index: 2, field: 'input', path: '/to' });
    expect(changes).toEqual([]);
    expect((await store.load()).jobs).toEqual([]);
  });

  it('runs a job whose input matches', async () => {
    const { engine } = await startEngine({ tasks: tasks() });
    const [r] = await engine.submit([{ task: 'greet', input: { to: 'ada', extra: true } }]);
    expect(await engine.waitFor(r!.job.id, 10_000)).toMatchObject({
      state: 'succeeded',
      result: { to: 'ada', extra: true },
    });
  });

  it('shows each task its schema, and none to a task without one', async () => {
    const { engine } = await startEngine({ tasks: tasks() });
    const views = new Map(engine.tasks().map((t) => [t.name, t]));
    expect(views.get('greet')).toEqual({ name: 'greet', category: null, inputSchema: greetSchema });
    expect(views.get('echo')).toEqual({ name: 'echo', category: null });
  });

  it('refuses to build on a schema that does not compile, naming the task', () => {
    const bad = [...tasks(), { ...tasks()[0]!, name: 'broken', inputSchema: { type: 'text' } }];
    expect(() =>
      createEngine({ config: config({ tasks: bad }), store: new MemoryStore() }),
    ).toThrow(/^task 'broken': inputSchema is not a valid JSON Schema/);
  });
});

describe('retry with a new input', () => {
  async function failedFlaky() {
    const h = await startEngine({ tasks: tasks() });
    const [r] = await h.engine.submit([{ task: 'flaky', input: { failTimes: 5 }, maxRetries: 0 }]);
    expect((await h.engine.waitFor(r!.job.id, 10_000)).state).toBe('failed');
    return { ...h, id: r!.job.id };
  }

  it('runs the job again with the new input', async () => {
    const { engine, id } = await failedFlaky();
    const retried = await engine.retry(id, { input: { failTimes: 0 } });
    expect(retried.input).toEqual({ failTimes: 0 });
    expect(await engine.waitFor(id, 10_000)).toMatchObject({
      state: 'succeeded',
      input: { failTimes: 0 },
      result: { attempt: 1 },
    });
  });

  it('refuses a new input that does not match, and leaves the job as it was', async () => {
    const { engine, id } = await failedFlaky();
    const err = await rejection(engine.retry(id, { input: { failTimes: -1 } }));
    expect(err.code).toBe('ERR_VALIDATION');
    expect(err.message).toBe('input/failTimes must be >= 0');
    expect(err.details).toMatchObject({ field: 'input', path: '/failTimes' });
    expect(await engine.get(id)).toMatchObject({ state: 'failed', input: { failTimes: 5 } });
  });

  it('keeps the input when the retry brings none', async () => {
    const { engine, id } = await failedFlaky();
    expect((await engine.retry(id)).input).toEqual({ failTimes: 5 });
  });

  it('answers a job that cannot be retried with 409 first, whatever the input', async () => {
    const { engine } = await startEngine({ tasks: tasks() });
    const [r] = await engine.submit([{ task: 'flaky', input: { failTimes: 0 }, delayMs: 60_000 }]);
    const err = await rejection(engine.retry(r!.job.id, { input: { failTimes: 'x' } }));
    expect(err.code).toBe('ERR_INVALID_TRANSITION');
  });
});
