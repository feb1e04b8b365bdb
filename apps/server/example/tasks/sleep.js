// Waits `ms` milliseconds, reporting progress along the way; stops early when
// the job is cancelled or times out (ctx.signal).
import { PermanentFailure } from '@cadre/pool';

const MAX_MS = 24 * 60 * 60 * 1000;

export default async function sleep(input, ctx) {
  const ms = input?.ms;
  if (typeof ms !== 'number' || !Number.isFinite(ms) || ms < 0 || ms > MAX_MS) {
    throw new PermanentFailure(`sleep expects { "ms": number from 0 to ${MAX_MS} }`);
  }
  const started = Date.now();
  // Ten progress reports at most, so a long sleep does not flood the engine.
  const step = Math.max(ms / 10, 50);
  while (Date.now() - started < ms) {
    ctx.signal.throwIfAborted();
    const left = ms - (Date.now() - started);
    await wait(Math.min(step, left), ctx.signal);
    ctx.progress(Math.min(100, Math.round(((Date.now() - started) / ms) * 100)));
  }
  return { slept: ms };
}

function wait(ms, signal) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(done, ms);
    function done() {
      signal.removeEventListener('abort', aborted);
      resolve();
    }
    function aborted() {
      clearTimeout(timer);
      reject(signal.reason);
    }
    signal.addEventListener('abort', aborted, { once: true });
  });
}
