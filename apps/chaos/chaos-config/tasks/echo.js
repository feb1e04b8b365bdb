// Returns its input: the fastest job there is.
import { logOk, logStart } from './exec-log.js';

export default function echo(input, ctx) {
  logStart(ctx);
  logOk(ctx);
  return input;
}
