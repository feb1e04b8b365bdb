// Computes fib(n) naively: keeps a CPU busy for a few milliseconds.
import { logOk, logStart } from './exec-log.js';

export default function cpu(input, ctx) {
  logStart(ctx);
  const value = fib(Math.min(input?.n ?? 20, 30));
  logOk(ctx);
  return value;
}

function fib(n) {
  return n < 2 ? n : fib(n - 1) + fib(n - 2);
}
