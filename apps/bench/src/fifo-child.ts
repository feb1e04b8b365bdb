/**
 * Run in a fresh process (with --expose-gc) by the benchmark, so that its RSS
 * is its own: pushes TOTAL echo jobs through one category of the real engine
 * (memory store) while keeping at least BACKLOG jobs waiting, so the
 * category's queue never empties, and prints one JSON line per sample:
 *   { jobs, rssMb, heapMb, seconds }   every EVERY finished jobs (and at 0)
 *
 *   fifo-child TOTAL BACKLOG EVERY THREADS
 */
import type { EngineConfig } from '@cadre/core';
import { startBenchEngine } from './engine-bench.js';

const [total, backlog, every, threads] = process.argv.slice(2).map(Number);
if (!total || !backlog || !every || !threads) {
  console.error('usage: fifo-child TOTAL BACKLOG EVERY THREADS');
  process.exit(2);
}

// Finished jobs are forgotten at every balancer tick, so that only the queue
// itself could make memory grow.
const forgetFinished = (c: EngineConfig): EngineConfig => ({
  ...c,
  retention: { maxAgeMs: 0, maxCount: 1000, failed: { maxAgeMs: 0, maxCount: 1000 } },
});
const { engine, close } = await startBenchEngine(threads, 'memory', forgetFinished);

let succeeded = 0;
let target = Infinity;
let reached: (() => void) | null = null;
engine.on('job:changed', (job) => {
  if (job.state !== 'succeeded') return;
  succeeded += 1;
  if (succeeded >= target && reached) {
    reached();
    reached = null;
  }
});
const until = (n: number) =>
  succeeded >= n
    ? Promise.resolve()
    : new Promise<void>((resolve) => {
        target = n;
        reached = resolve;
      });

const t0 = performance.now();
const sample = (jobs: number) => {
  global.gc?.();
  const mem = process.memoryUsage();
  console.log(
    JSON.stringify({
      jobs,
      rssMb: mem.rss / 2 ** 20,
      heapMb: mem.heapUsed / 2 ** 20,
      seconds: (performance.now() - t0) / 1000,
    }),
  );
};

sample(0);
const batch = 1000;
let submitted = 0;
let nextSample = every;
const request = { task: 'echo', input: { n: 1 } };
// Between BACKLOG and BACKLOG + batch jobs are waiting or running at every
// moment, until TOTAL have finished: the queue is never empty when sampled.
while (nextSample <= total) {
  await engine.submit(Array.from({ length: batch }, () => request));
  submitted += batch;
  await until(submitted - backlog);
  if (succeeded >= nextSample) {
    sample(nextSample);
    nextSample += every;
  }
}
await close();
