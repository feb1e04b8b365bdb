// Computes fib(n) the slow way, to keep a CPU busy.
import { PermanentFailure } from '@cadre/pool';

// fib(40) already takes a second or so; beyond that a demo only wastes CPU (fib.schema.json
// says the same, so the server refuses more at submission).
const MAX_N = 40;

export default function fib(input) {
  const n = input?.n;
  if (!Number.isInteger(n) || n < 0 || n > MAX_N) {
    throw new PermanentFailure(`fib expects { "n": integer from 0 to ${MAX_N} }`);
  }
  return slowFib(n);
}

function slowFib(n) {
  return n < 2 ? n : slowFib(n - 1) + slowFib(n - 2);
}
