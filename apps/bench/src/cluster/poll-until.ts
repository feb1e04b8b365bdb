/** Polls `done` every `everyMs` until it answers true; throws after `limitMs`. */
export async function pollUntil(
  limitMs: number,
  done: () => Promise<boolean>,
  everyMs = 10,
): Promise<void> {
  const end = performance.now() + limitMs;
  while (!(await done())) {
    if (performance.now() > end) throw new Error(`not done within ${limitMs / 1000} s`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
