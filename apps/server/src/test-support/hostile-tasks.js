// Task handlers that misbehave on purpose, for hostile-tasks.test.ts. Plain
// JavaScript: worker threads load task modules without a TypeScript loader.

/** Allocates without end; only the thread's resourceLimits stop it. */
export function hog() {
  const kept = [];
  for (;;) kept.push(new Array(100_000).fill(kept.length));
}

/** Awaits forever without using the CPU; only a timeout (or cancel) stops it. */
export function hang() {
  return new Promise(() => undefined);
}

/** Recurses until the stack overflows. */
export function overflow() {
  const down = (n) => down(n + 1) + 1;
  return down(0);
}

/** Returns `input.bytes` characters: over maxResultBytes when asked to be. */
export function huge(input) {
  return 'x'.repeat(input.bytes);
}

/** Ends its thread the way a careless library would. */
export function quit() {
  process.exit(3);
}
