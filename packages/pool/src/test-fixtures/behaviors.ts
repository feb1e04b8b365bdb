/** Tiny tasks with one behaviour each, run on real worker threads by the pool's tests. */
import { setTimeout as sleep } from 'node:timers/promises';
import { threadId } from 'node:worker_threads';
import { PermanentFailure, RetryLater } from '../task-errors.js';
import type { TaskContext } from '@cadre/core';

export const fail = () => {
  throw new Error('boom');
};

export const failWithString = () => {
  throw 'plain string';
};

export const permanent = () => {
  throw new PermanentFailure('bad input');
};

/** What a PermanentFailure from another copy of @cadre/pool looks like. */
export const foreignPermanent = () => {
  throw Object.assign(new Error('bad input, elsewhere'), { [Symbol.for('cadre.permanent')]: true });
};

export const retryLater = () => {
  throw new RetryLater(5000, 'rate limited');
};

export const bigint = () => ({ n: 1n });

export const fn = () => ({ callback() {} });

export const cycle = () => {
  const node: Record<string, unknown> = { name: 'a' };
  node.self = node;
  return node;
};

export const sized = (input: { bytes: number }) => 'x'.repeat(input.bytes - 2);

export const whoami = () => threadId;

export const sleepThenWhoami = async (input: { ms: number }) => {
  await sleep(input.ms);
  return threadId;
};

/** Reports 0% first, so that a test knows it runs. */
export const spin = (_input: unknown, ctx: TaskContext) => {
  ctx.progress(0);
  for (;;);
};

export const waitForever = (_input: unknown, ctx: TaskContext) => {
  ctx.progress(0);
  return new Promise(() => {});
};

export const cooperative = (_input: unknown, ctx: TaskContext) =>
  new Promise((resolve) => {
    ctx.signal.addEventListener('abort', () =>
      resolve({ stoppedBecause: (ctx.signal.reason as DOMException).name }),
    );
  });

export const exit = () => {
  process.exit(3);
};

export const throwInTimer = () => {
  setTimeout(() => {
    throw new Error('late boom');
  }, 5);
  return new Promise(() => {});
};

export const exhaustMemory = () => {
  const hoard: number[][] = [];
  for (;;) hoard.push(new Array(1_000_000).fill(hoard.length));
};

export const progress = async (_input: unknown, ctx: TaskContext) => {
  ctx.progress(10);
  ctx.progress(20);
  await sleep(30);
  ctx.progress(150);
  await sleep(30);
  return 'done';
};

export const context = (input: unknown, ctx: TaskContext) => ({
  jobId: ctx.jobId,
  attempt: ctx.attempt,
  input: input as null,
});

export const throttledProgress = async (_input: unknown, ctx: TaskContext) => {
  for (let percent = 1; percent <= 100; percent++) ctx.progress(percent);
  await sleep(250);
  return 'done';
};

let inFlight = 0;
let peak = 0;

/** Sleeps `ms`; answers its thread and the most jobs of this kind its thread has run at once. */
export const overlap = async (input: { ms: number }) => {
  inFlight += 1;
  peak = Math.max(peak, inFlight);
  await sleep(input.ms);
  inFlight -= 1;
  return { thread: threadId, peak };
};
