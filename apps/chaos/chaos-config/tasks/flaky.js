// Fails (retryably) on its first `failTimes` attempts, then succeeds. The
// checker relies on this being a pure function of ctx.attempt (and its input).
import { logOk, logStart } from './exec-log.js';
import { ownInput } from './own-input.js';

export default function flaky(input, ctx) {
  logStart(ctx);
  if (ctx.attempt <= (ownInput(input)?.failTimes ?? 1))
    throw new Error(`flaky: attempt ${ctx.attempt}`);
  logOk(ctx);
  return { attempt: ctx.attempt };
}
