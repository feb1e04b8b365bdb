// Fails on its first `failTimes` attempts, then succeeds: a flaky mail server.
import { PermanentFailure } from '@cadre/pool';

export default function flaky(input, ctx) {
  const failTimes = input?.failTimes ?? 1;
  if (!Number.isInteger(failTimes) || failTimes < 0) {
    throw new PermanentFailure('flaky expects { "failTimes": integer ≥ 0 }');
  }
  if (ctx.attempt <= failTimes) {
    throw new Error(`flaky: attempt ${ctx.attempt} of ${failTimes} planned failures`);
  }
  return { attempt: ctx.attempt };
}
