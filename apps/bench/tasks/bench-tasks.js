// Tasks the benchmark runs, through the engine and on raw piscina alike.
import { setTimeout } from 'node:timers/promises';

export const echo = (input) => input;

export const noop = () => null;

/** echo behind an input schema (bench-tasks.checked.schema.json): the cost of the check. */
export const checked = echo;

/** Busy for `ms` of CPU time: the "1 ms task" of the benchmark. */
export function cpu(input) {
  const end = performance.now() + (input?.ms ?? 1);
  let x = 0;
  while (performance.now() < end) x += 1;
  return x > 0 ? null : x;
}

/**
 * Waits `ms` (default 100) without holding the CPU: the I/O-bound job of the
 * compare section. Unlike the server example's `sleep`, it reports no
 * progress, so that it costs what BullMQ's `await setTimeout(ms)` costs.
 */
export async function sleep(input, ctx) {
  await setTimeout(input?.ms ?? 100, undefined, { signal: ctx?.signal });
  return null;
}
