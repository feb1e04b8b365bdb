// Waits `ms` (a slow job that holds a worker without using the CPU).
import { setTimeout as delay } from 'node:timers/promises';
import { logOk, logStart } from './exec-log.js';
import { ownInput } from './own-input.js';

export default async function sleep(input, ctx) {
  logStart(ctx);
  const ms = ownInput(input)?.ms ?? 100;
  await delay(ms, undefined, { signal: ctx.signal });
  logOk(ctx);
  return { slept: ms };
}
