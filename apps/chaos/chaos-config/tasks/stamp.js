// Waits `ms`, then returns which node, process (epoch) and attempt ran it: the
// cluster tests tell the result of a re-run from a stale one by it. Every
// execution is logged (exec-log.js), so executions can be counted per job.
import { setTimeout as delay } from 'node:timers/promises';
import { logOk, logStart } from './exec-log.js';

export default async function stamp(input, ctx) {
  logStart(ctx);
  await delay(input?.ms ?? 0, undefined, { signal: ctx.signal });
  logOk(ctx);
  return {
    node: process.env.CADRE_NODE ?? null,
    epoch: Number(process.env.CHAOS_EPOCH ?? 0),
    attempt: ctx.attempt,
  };
}
