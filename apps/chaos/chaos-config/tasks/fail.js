// Always fails retryably: ends failed with failure 'max_retries'.
import { logStart } from './exec-log.js';

export default function fail(_input, ctx) {
  logStart(ctx);
  throw new Error('fail: always');
}
