// A task's own settings ({ failTimes }, { ms }). A callback runs with what its
// parent passed first and its own arguments after it, so its settings are
// the last element of an array input. The checker (job-mix.ts) reads them
// the same way.
export function ownInput(input) {
  return Array.isArray(input) ? input.at(-1) : input;
}
