// Fixture tasks for the engine's tests, written as a task author would.
import { PermanentFailure } from '@cadre/pool';

export const echo = (input) => input;

export async function sleep(input, ctx) {
  const ms = input?.ms ?? 10;
  ctx.progress(50);
  await new Promise((resolve) => setTimeout(resolve, ms));
  return { slept: ms };
}

export function fail() {
  throw new Error('always fails');
}

export function flaky(input, ctx) {
  if (ctx.attempt <= (input?.failTimes ?? 1)) throw new Error(`attempt ${ctx.attempt} fails`);
  return { attempt: ctx.attempt };
}

export function permanent() {
  throw new PermanentFailure('cannot ever work');
}

export function spin() {
  for (;;);
}

export function exit() {
  process.exit(3);
}
