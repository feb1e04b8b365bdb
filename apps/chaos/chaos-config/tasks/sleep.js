// Waits `ms` (a slow job that holds a worker without using the CPU).
import { setTimeout as delay } from 'node:timers/promises';
import { logOk, logStart } from './exec-log.js';

export default async function sleep(input, ctx) {
  logStart(ctx);
  await delay(input?.ms ?? 100, undefined, { signal: ctx.signal });
  logOk(ctx);
  return { slept: input?.ms ?? 100 };
}
