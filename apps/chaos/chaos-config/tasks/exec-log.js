// Appends one line per execution event to $CHAOS_EXEC_LOG, so that the chaos
// checker can count how often each job really ran. Worker threads inherit the
// server's environment; appendFileSync opens with O_APPEND, so each short line
// lands whole even with several threads writing, and a kill -9 cannot tear a
// line that write(2) already returned from.
import { appendFileSync } from 'node:fs';

const file = process.env.CHAOS_EXEC_LOG;
const epoch = process.env.CHAOS_EPOCH ?? '0';

/** `jobId attempt epoch` at the start of an execution. */
export function logStart(ctx) {
  if (file) appendFileSync(file, `${ctx.jobId} ${ctx.attempt} ${epoch}\n`);
}

/** `jobId attempt epoch ok` just before a handler returns successfully. */
export function logOk(ctx) {
  if (file) appendFileSync(file, `${ctx.jobId} ${ctx.attempt} ${epoch} ok\n`);
}

/** Recognized by the worker by its brand (Symbol.for), like @cadre/pool's PermanentFailure. */
export function permanentFailure(message) {
  const err = new Error(message);
  err.name = 'PermanentFailure';
  err[Symbol.for('cadre.permanent')] = true;
  return err;
}
