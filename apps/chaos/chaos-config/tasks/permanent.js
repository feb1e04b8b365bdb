// Fails permanently on its first attempt: never retried.
import { logStart, permanentFailure } from './exec-log.js';

export default function permanent(_input, ctx) {
  logStart(ctx);
  throw permanentFailure('permanent: never succeeds');
}
