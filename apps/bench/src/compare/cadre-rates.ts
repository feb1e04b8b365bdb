/**
 * cadre's side of the comparison, over HTTP against the real server process
 * on the durable (lowdb) store: echo end to end, and the processing of
 * I/O-bound `sleep` jobs in a category that may run many at once per thread.
 */
import { fileURLToPath } from 'node:url';
import { processingRate } from '../cluster/node-load.js';
import { httpRate, startServer, type BenchServer } from '../http-bench.js';

/** One category, `io`, with `"concurrency": 50`, and the bench's `sleep` task in it. */
const IO_CONFIG = fileURLToPath(new URL('../../http-config/cadre.io.config.json', import.meta.url));

/** 4 clients post batches of 1,000 `echo` jobs until `n` have succeeded, after a warm-up; jobs/s. */
export async function cadreHttpRate(threads: number, n: number): Promise<number> {
  const server = await startServer(threads);
  try {
    await httpRate(server.client, Math.min(5000, n));
    return await httpRate(server.client, n);
  } finally {
    await server.close();
  }
}

/** How long `n` sleep jobs took (s), or why the server would not run them. */
export type IoOutcome = { seconds: number } | { unavailable: string };

/**
 * `n` jobs of `sleep` `ms` submitted into the paused `io` category, then
 * timed from its resume until none is queued or running. A server that
 * refuses the config (one without `categories[].concurrency`) makes the
 * outcome `unavailable`, with the server's own reason.
 */
export async function cadreIoRun(
  threads: number,
  n: number,
  ms: number,
  limitMs: number,
): Promise<IoOutcome> {
  let server: BenchServer;
  try {
    server = await startServer(threads, { configFile: IO_CONFIG });
  } catch (err) {
    return { unavailable: err instanceof Error ? err.message : String(err) };
  }
  try {
    const rate = await processingRate([server.client], n, { task: 'sleep', input: { ms } }, 'io', {
      limitMs,
    });
    return { seconds: n / rate };
  } finally {
    await server.close();
  }
}
