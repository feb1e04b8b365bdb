import { fileURLToPath } from 'node:url';
import type { InferTaskInput, InferTaskOutput, Json, TaskContext } from '@cadre/core';
import { ok } from './test-fixtures/harness.js';
import { afterEach, describe, expect, expectTypeOf, it } from 'vitest';
import { z } from 'zod';
import { createPool } from './create-pool.js';
import { defineTask, describeIssues, isTaskDefinition } from './define-task.js';
import type { TaskPool } from './task-pool.js';

const DEFINED = fileURLToPath(new URL('./test-fixtures/defined.ts', import.meta.url));

describe('defineTask', () => {
  it('returns a frozen, branded definition', () => {
    const schema = z.object({ to: z.string() });
    const run = (input: { to: string }) => input.to;
    const task = defineTask({ input: schema, run });
    expect(task).toEqual({ '~cadre': 'task', input: schema, run });
    expect(Object.isFrozen(task)).toBe(true);
    expect(isTaskDefinition(task)).toBe(true);
    expect(isTaskDefinition(defineTask({ run: () => 1 }))).toBe(true);
  });

  it('refuses what is not a run function or a Standard Schema, naming it', () => {
    expect(() => defineTask({ run: 42 } as never)).toThrow('defineTask: run must be a function');
    expect(() => defineTask({ input: { type: 'object' }, run: () => 1 } as never)).toThrow(
      'defineTask: input must be a Standard Schema',
    );
    expect(() => defineTask(null as never)).toThrow('defineTask: expected { input?, run }');
  });

  it('recognizes definitions by their brand, not by identity', () => {
    const foreign = { '~cadre': 'task', input: null, run: () => 1 };
    expect(isTaskDefinition(foreign)).toBe(true);
    expect(isTaskDefinition({ '~cadre': 'task', input: { type: 'string' }, run: () => 1 })).toBe(
      false,
    );
    expect(isTaskDefinition({ '~cadre': 'task', input: null })).toBe(false);
    expect(isTaskDefinition(() => 1)).toBe(false);
    expect(isTaskDefinition(null)).toBe(false);
  });

  it('infers run’s input from the schema and exposes input and output types', () => {
    const task = defineTask({
      input: z.object({ to: z.string(), retries: z.number().default(3) }),
      run: async (input, ctx) => {
        expectTypeOf(input).toEqualTypeOf<{ to: string; retries: number }>();
        expectTypeOf(ctx).toEqualTypeOf<TaskContext>();
        return { sent: input.to };
      },
    });
    expectTypeOf<InferTaskInput<typeof task>>().toEqualTypeOf<{ to: string; retries?: number }>();
    expectTypeOf<InferTaskOutput<typeof task>>().toEqualTypeOf<{ sent: string }>();

    const untyped = defineTask({ run: (input: { n: number }) => input.n });
    expectTypeOf<InferTaskInput<typeof untyped>>().toEqualTypeOf<{ n: number }>();
    expectTypeOf<InferTaskOutput<typeof untyped>>().toEqualTypeOf<number>();

    const plain = (input: { id: string }) => Promise.resolve(input.id.length);
    expectTypeOf<InferTaskInput<typeof plain>>().toEqualTypeOf<{ id: string }>();
    expectTypeOf<InferTaskOutput<typeof plain>>().toEqualTypeOf<number>();
    expectTypeOf<InferTaskInput<unknown>>().toEqualTypeOf<Json>();
    expect([task, untyped].every(isTaskDefinition) && !isTaskDefinition(plain)).toBe(true);
  });

  it('describes issues with their path inside input', () => {
    expect(
      describeIssues([
        { message: 'Required', path: ['to'] },
        { message: 'Too small', path: ['items', 0, { key: 'qty' }] },
        { message: 'Expected object' },
      ]),
    ).toBe('input.to: Required; input.items[0].qty: Too small; input: Expected object');
  });
});

describe('a defineTask export in the pool', () => {
  const pools: TaskPool[] = [];
  afterEach(async () => {
    await Promise.all(pools.splice(0).map((pool) => pool.destroy()));
  });

  function start(): TaskPool {
    const names = ['greet', 'untyped', 'transformed', 'custom', 'handmade'];
    const pool = createPool({
      workers: 1,
      tasks: names.map((name) => ({ name, module: DEFINED, export: name })),
    });
    pools.push(pool);
    return pool;
  }
  let id = 0;
  const run = (pool: TaskPool, task: string, input: Json) =>
    pool.run({ jobId: `j${id++}`, task, input, attempt: 1, timeoutMs: null });

  it('runs with the parsed input: defaults filled in, transforms applied', async () => {
    const pool = start();
    expect(await run(pool, 'greet', { name: 'ada' })).toEqual(
      ok({ greeting: 'hello ada', attempt: 1 }),
    );
    expect(await run(pool, 'greet', { name: 'ada', times: 2 })).toEqual(
      ok({ greeting: 'hello ada hello ada', attempt: 1 }),
    );
    expect(await run(pool, 'transformed', 'abcd')).toEqual(ok(8));
    expect(await run(pool, 'untyped', { n: 1 })).toEqual(ok(2));
    expect(await run(pool, 'handmade', 4)).toEqual(ok(4));
  });

  it('fails a job whose input the schema refuses, permanently, naming the path', async () => {
    const pool = start();
    expect(await run(pool, 'greet', { name: '', times: 'x' })).toEqual({
      kind: 'error',
      retryable: false,
      message: expect.stringMatching(/^input\.name: .+; input\.times: .+$/) as unknown,
    });
    expect(await run(pool, 'handmade', 3)).toEqual({
      kind: 'error',
      retryable: false,
      message: 'input: must be an even number',
    });
  });
});
