/** Tasks declared with defineTask, run on real threads by the pool's tests. */
import { z } from 'zod';
import { defineTask } from '../define-task.js';

export const greet = defineTask({
  input: z.object({ name: z.string().min(1), times: z.number().int().min(1).default(1) }),
  run: (input, ctx) => ({
    greeting: Array(input.times).fill(`hello ${input.name}`).join(' '),
    attempt: ctx.attempt,
  }),
});

export const untyped = defineTask({
  run: (input: { n: number }) => input.n + 1,
});

// The JSON Schema describes what is submitted (a string), `run` gets the output.
export const transformed = defineTask({
  input: z.string().transform((s) => s.length),
  run: (length) => length * 2,
});

// No JSON Schema for this one: its input is checked in the worker only.
export const custom = defineTask({
  input: z.custom<`x${string}`>((v) => typeof v === 'string' && v.startsWith('x')),
  run: (input) => input.toUpperCase(),
});

// A Standard Schema from no library at all: no JSON Schema converter.
const even = {
  '~standard': {
    version: 1 as const,
    vendor: 'handmade',
    validate: (value: unknown) =>
      typeof value === 'number' && value % 2 === 0
        ? { value }
        : { issues: [{ message: 'must be an even number' }] },
  },
};
export const handmade = defineTask({ input: even, run: (n) => n });
