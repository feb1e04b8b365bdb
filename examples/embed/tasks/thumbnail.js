// A task with a declared input: the worker checks each job's input against it
// before `run`, so `run` never sees a width that is not a positive integer.
import { defineTask, PermanentFailure } from '@cadre/pool';
import { z } from 'zod';

export default defineTask({
  input: z.object({ url: z.url(), width: z.number().int().positive() }),
  run(input, ctx) {
    if (input.url.endsWith('.gif')) throw new PermanentFailure('animated images are not supported');
    ctx.progress(50);
    return { thumbnail: `${input.url}?w=${input.width}`, attempt: ctx.attempt };
  },
});
