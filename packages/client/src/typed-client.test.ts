// The typed client: `createClient<typeof tasks>()` knows each task's input
// type from the project's own definitions. The `@ts-expect-error` lines are the
// proof: `npm run typecheck` (tsc --noEmit over src) fails if any of them compiles.
import type { Json } from '@cadre/core';
import { describe, expect, expectTypeOf, it } from 'vitest';
import { z } from 'zod';
import { createClient } from './http-client.js';
import type { TaskInputOf } from './typed-tasks.js';

/**
 * The shape @cadre/pool's `defineTask` returns (a Standard Schema as `input`,
 * `run` taking the parsed input), written out here so that this test depends
 * on the shape, not on the pool.
 */
function defineTask<S extends z.ZodType, R>(options: {
  input: S;
  run: (input: z.output<S>, ctx: { attempt: number }) => R;
}) {
  return { '~cadre': 'task' as const, input: options.input as S | null, run: options.run };
}

/** A definition without a schema: the input type comes from `run`. */
function defineUntyped<I, R>(run: (input: I, ctx: { attempt: number }) => R) {
  return { '~cadre': 'task' as const, input: null, run };
}

const tasks = {
  hello: defineTask({ input: z.object({ to: z.string() }), run: ({ to }) => `hello ${to}` }),
  resize: defineTask({
    input: z.object({ width: z.int().min(1), fit: z.enum(['cover', 'contain']).default('cover') }),
    run: (input) => input.fit,
  }),
  ping: defineTask({ input: z.null(), run: () => 'pong' }),
  sleep: (input: { ms: number }) => input.ms,
  legacy: defineUntyped((input: { n: number }) => input.n),
  anything: { description: 'neither a definition nor a function' },
  // Callbacks: they run with what they receive first (a result, an error, a
  // chord's results), then their own input.
  report: defineTask({
    input: z.tuple([z.array(z.number()), z.string()]),
    run: ([values, title]) => `${title}: ${values.length}`,
  }),
  log: (input: [message: string, ...tags: string[]]) => input.join(' '),
};

/** A fetch that records what it was asked and answers 200 `{}`. */
function recorder() {
  const calls: { url: string; method: string; body: unknown }[] = [];
  const fetch = (async (url: string, init: RequestInit) => {
    const body = typeof init.body === 'string' ? JSON.parse(init.body) : init.body;
    calls.push({ url, method: init.method ?? 'GET', body });
    return new Response('{}', { status: 200 });
  }) as unknown as typeof globalThis.fetch;
  return { calls, fetch };
}

describe('input types from task definitions', () => {
  it('reads the input type of a schema, a handler and a run function', () => {
    // The definitions are the project's real code; only their types reach the client.
    expect(tasks.hello.run({ to: 'ada' }, { attempt: 1 })).toBe('hello ada');
    expectTypeOf<TaskInputOf<typeof tasks.hello>>().toEqualTypeOf<{ to: string }>();
    // The schema's input, not its output: a field with a default may be left out.
    expectTypeOf<TaskInputOf<typeof tasks.resize>>().toEqualTypeOf<{
      width: number;
      fit?: 'cover' | 'contain' | undefined;
    }>();
    expectTypeOf<TaskInputOf<typeof tasks.sleep>>().toEqualTypeOf<{ ms: number }>();
    expectTypeOf<TaskInputOf<typeof tasks.legacy>>().toEqualTypeOf<{ n: number }>();
    expectTypeOf<TaskInputOf<typeof tasks.anything>>().toEqualTypeOf<Json>();
  });

  it('reads a definition typed by its interface, as @cadre/pool declares it', () => {
    interface Definition<Input, Output, Parsed> {
      readonly '~cadre': 'task';
      readonly input: {
        readonly '~standard': {
          readonly types?: { readonly input: Input; readonly output: Parsed };
        };
      } | null;
      run(input: Parsed, ctx: unknown): Output | Promise<Output>;
    }
    expectTypeOf<
      TaskInputOf<Definition<{ to: string }, void, { to: string; at: Date }>>
    >().toEqualTypeOf<{ to: string }>();
  });

  it('refuses, at compile time, a wrong input, a missing one and an unknown task', async () => {
    const { calls, fetch } = recorder();
    const client = createClient<typeof tasks>({ url: 'http://cadre.test', fetch });

    await client.submit({ task: 'hello', input: { to: 'ada' } });
    await client.submit({ task: 'resize', input: { width: 10 }, category: 'images' });
    await client.submit({ task: 'ping' });
    await client.submit({ task: 'sleep', input: { ms: 5 }, delayMs: 10 });
    await client.submit({ task: 'anything', input: [1, 'two'] });
    await client.submit([
      { task: 'hello', input: { to: 'a' } },
      { task: 'legacy', input: { n: 1 } },
    ]);

    // @ts-expect-error: `to` must be a string
    await client.submit({ task: 'hello', input: { to: 1 } });
    // @ts-expect-error: hello needs its input
    await client.submit({ task: 'hello' });
    // @ts-expect-error: not one of the enum's values
    await client.submit({ task: 'resize', input: { width: 1, fit: 'stretch' } });
    // @ts-expect-error: no such task in the project
    await client.submit({ task: 'nope', input: null });
    // @ts-expect-error: each batch element is checked against its own task (sleep takes { ms })
    await client.submit([
      { task: 'hello', input: { to: 'a' } },
      { task: 'sleep', input: { to: 'a' } },
    ]);

    // Types only: what is sent is what was written.
    expect(calls[0]).toEqual({
      url: 'http://cadre.test/api/jobs',
      method: 'POST',
      body: { task: 'hello', input: { to: 'ada' } },
    });
  });

  it('types callbacks by what they receive, and refuses what a callback may not have', async () => {
    const { calls, fetch } = recorder();
    const client = createClient<typeof tasks>({ url: 'http://cadre.test', fetch });

    // A callback's input is what follows what it receives: log gets [message, ...tags].
    await client.submit({
      task: 'hello',
      input: { to: 'ada' },
      onSuccess: [{ task: 'log', input: ['sent'] }],
      onError: [{ task: 'log', onError: [{ task: 'anything', input: [1] }] }],
    });
    // An immutable parent passes nothing: its callbacks take their own input.
    await client.submit({
      task: 'ping',
      immutable: true,
      onSuccess: [{ task: 'hello', input: { to: 'bob' } }],
    });

    // @ts-expect-error: hello takes an object, so it cannot receive ping's result first
    await client.submit({ task: 'ping', onSuccess: [{ task: 'hello', input: { to: 'bob' } }] });
    // @ts-expect-error: log's tags are strings
    await client.submit({ task: 'ping', onSuccess: [{ task: 'log', input: [1] }] });
    // @ts-expect-error: a callback has no idempotency key
    await client.submit({ task: 'ping', onError: [{ task: 'log', key: 'k' }] });
    // @ts-expect-error: a callback runs when it fires, never later
    await client.submit({ task: 'ping', onError: [{ task: 'log', delayMs: 10 }] });

    expect(calls[1]!.body).toEqual({
      task: 'ping',
      immutable: true,
      onSuccess: [{ task: 'hello', input: { to: 'bob' } }],
    });
  });

  it('types chains and groups: members take their own input, the chord the results', async () => {
    const { calls, fetch } = recorder();
    const client = createClient<typeof tasks>({ url: 'http://cadre.test', fetch });

    await client.submitChain({
      jobs: [
        { task: 'hello', input: { to: 'ada' }, delayMs: 5 },
        { task: 'log', input: ['then'] },
      ],
    });
    await client.submitGroup({
      jobs: [
        { task: 'sleep', input: { ms: 1 } },
        { task: 'resize', input: { width: 2 } },
      ],
      callback: { task: 'report', input: ['sizes'] },
    });

    // @ts-expect-error: the first step takes its own input, and hello needs one
    await client.submitChain({ jobs: [{ task: 'hello' }, { task: 'log' }] });
    // @ts-expect-error: no idempotency key in a flow
    await client.submitGroup({ jobs: [{ task: 'ping', key: 'k' }] });
    await client.submitGroup({
      jobs: [{ task: 'ping' }],
      // @ts-expect-error: the chord gets [results, title]: its own input is [title]
      callback: { task: 'report', input: [5] },
    });
    // @ts-expect-error: hello cannot take the members' results
    await client.submitGroup({ jobs: [{ task: 'ping' }], callback: { task: 'hello' } });

    expect(calls.slice(0, 2).map((c) => [c.method, c.url])).toEqual([
      ['POST', 'http://cadre.test/api/chains'],
      ['POST', 'http://cadre.test/api/groups'],
    ]);
  });

  it('takes any task and any JSON input when untyped', async () => {
    const { calls, fetch } = recorder();
    const client = createClient({ url: 'http://cadre.test', fetch });
    await client.submit({ task: 'whatever', input: { deep: [1, { x: null }] } });
    await client.submit([{ task: 'a' }, { task: 'b', input: 2 }]);
    expect(calls.map((c) => c.body)).toEqual([
      { task: 'whatever', input: { deep: [1, { x: null }] } },
      [{ task: 'a' }, { task: 'b', input: 2 }],
    ]);
  });
});

describe('retry', () => {
  it('sends a new input in the body, and no body without one', async () => {
    const { calls, fetch } = recorder();
    const client = createClient({ url: 'http://cadre.test', fetch });
    await client.retry('j/1', { input: { to: 'bob' } });
    await client.retry('j2');
    expect(calls).toEqual([
      {
        url: 'http://cadre.test/api/jobs/j%2F1/retry',
        method: 'POST',
        body: { input: { to: 'bob' } },
      },
      { url: 'http://cadre.test/api/jobs/j2/retry', method: 'POST', body: undefined },
    ]);
  });
});
