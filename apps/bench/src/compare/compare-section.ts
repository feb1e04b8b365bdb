/**
 * `npm run bench -- compare`: cadre against raw piscina and BullMQ, all in
 * one run on this machine (issue 11's targets are ratios of these):
 *
 * 1. the ceiling, raw piscina no-op with bounded in-flight (main.ts's `ceiling()`);
 * 2. cadre over HTTP, server process on the durable store: 4 clients post
 *    batches of 1,000 `echo` jobs until all have succeeded;
 * 3. BullMQ on a local Redis (local-redis.ts): echo processing in process
 *    (concurrency 50) and sandboxed on worker threads, each with the jobs
 *    added in bulk first; and end to end, 4 producers adding batches of
 *    1,000 while the in-process worker runs;
 * 4. I/O-bound: `sleep` 100 ms jobs, cadre with 2 threads in a category of
 *    `"concurrency": 50` (not available until the server accepts that key)
 *    and BullMQ in process with concurrency 50.
 *
 * A measurement that cannot run is printed as such, with its reason, and
 * makes the run exit 1; cadre's I/O measure on a server that refuses its
 * config is only "not available".
 */
import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import { attempts } from '../cells.js';
import { CHECKED_INPUT, type Ceiling } from '../engine-bench.js';
import { table } from '../table.js';
import { bullEndToEndRate, bullProcessingRate, type BullTarget } from './bullmq-rates.js';
import { cadreHttpRate, cadreIoRun, type IoOutcome } from './cadre-rates.js';
import { compareRows, ioRows } from './compare-table.js';
import { openLocalRedis } from './local-redis.js';

export interface CompareSectionOptions {
  /** Worker threads of the cadre server in the echo run. */
  threads: number;
  /** Small sizes, for a check that everything runs. */
  quick: boolean;
  /** Raw piscina no-op at its best, measured once per run and shared. */
  ceiling: () => Promise<Ceiling>;
}

/** BullMQ's concurrency in process, for echo and for sleep: the figure its docs use. */
const CONCURRENCY = 50;
const PRODUCERS = 4;
const SLEEP_MS = 100;
/** cadre's I/O measure as issue 11 states it: 2 threads, 50 jobs at once on each. */
const IO_THREADS = 2;
const IO_CONCURRENCY = 50;
const IO_LIMIT_MS = 60_000;

export async function compareSection(options: CompareSectionOptions): Promise<void> {
  const { threads, quick } = options;
  const envInt = (name: string, full: number, small: number) =>
    Number(process.env[name] ?? (quick ? small : full));
  const n = envInt('BENCH_COMPARE_JOBS', 50_000, 5000);
  const ioJobs = envInt('BENCH_COMPARE_IO_JOBS', 2000, 500);
  const db = envInt('BENCH_REDIS_DB', 14, 14);
  // Sandboxed: one thread per core, and four per core (the processor waits on messages).
  const cores = availableParallelism();
  const threadCounts = [cores, 4 * cores];
  // Each rate after a warm-up run of its own, discarded.
  const warmed = async (measure: (jobs: number) => Promise<number>) => {
    await measure(Math.min(2000, n));
    return measure(n);
  };

  const { failures, attempt } = attempts();

  const raw = (await options.ceiling()).best.rate;
  const bullmq = (createRequire(import.meta.url)('bullmq/package.json') as { version: string })
    .version;
  console.log(
    `\n## Compare: cadre against raw piscina and BullMQ ${bullmq}, in this run ` +
      `(${n.toLocaleString('en-US')} echo jobs each; the cadre server on ${threads} worker threads` +
      `${quick ? '; quick sizes' : ''})\n`,
  );

  const cadreHttp = await attempt('cadre echo over HTTP', () => cadreHttpRate(threads, n));
  const cadreIo: IoOutcome | null = await attempt('cadre sleep', () =>
    cadreIoRun(IO_THREADS, ioJobs, SLEEP_MS, IO_LIMIT_MS),
  );

  let bullInProcess: number | null = null;
  const bullThreads: { threads: number; rate: number | null }[] = [];
  let bullEndToEnd: number | null = null;
  let bullSleep: number | null = null;
  const redis = await attempt('Redis for BullMQ', openLocalRedis);
  if (redis) {
    const target: BullTarget = {
      host: redis.host,
      port: redis.port,
      db,
      prefix: `cadre-bench-${process.pid}-${Date.now().toString(36)}`,
    };
    console.log(
      `BullMQ on Redis ${redis.host}:${redis.port} (${redis.origin === 'shared' ? "the machine's own" : 'started for this run'}), ` +
        `db ${db}, keys under ${target.prefix}:, jobs added with removeOnComplete: true, ` +
        `a fresh queue per run, obliterated after it\n`,
    );
    try {
      bullInProcess = await attempt('BullMQ in process', () =>
        warmed((jobs) =>
          bullProcessingRate(target, jobs, CHECKED_INPUT, {
            kind: 'echo',
            concurrency: CONCURRENCY,
          }),
        ),
      );
      for (const count of threadCounts) {
        bullThreads.push({
          threads: count,
          rate: await attempt(`BullMQ sandboxed on ${count} worker threads`, () =>
            warmed((jobs) =>
              bullProcessingRate(target, jobs, CHECKED_INPUT, { kind: 'threads', threads: count }),
            ),
          ),
        });
      }
      bullEndToEnd = await attempt('BullMQ end to end', () =>
        warmed((jobs) =>
          bullEndToEndRate(target, jobs, CHECKED_INPUT, {
            producers: PRODUCERS,
            concurrency: CONCURRENCY,
          }),
        ),
      );
      bullSleep = await attempt('BullMQ sleep', () =>
        bullProcessingRate(target, ioJobs, null, {
          kind: 'sleep',
          ms: SLEEP_MS,
          concurrency: CONCURRENCY,
        }),
      );
    } finally {
      await redis.close();
    }
  }

  console.log(
    table(
      compareRows({
        raw,
        cadreHttp,
        bullInProcess,
        bullThreads,
        bullEndToEnd,
        concurrency: CONCURRENCY,
      }),
    ),
  );
  console.log(`\nI/O-bound, processing alone (jobs enqueued first, timed until all are done):\n`);
  console.log(
    table(
      ioRows({
        jobs: ioJobs,
        ms: SLEEP_MS,
        threads: IO_THREADS,
        concurrency: IO_CONCURRENCY,
        cadre: cadreIo,
        bullSeconds: bullSleep === null ? null : ioJobs / bullSleep,
      }),
    ),
  );
  if (cadreIo && 'unavailable' in cadreIo) {
    console.log(`\ncadre sleep: not available: ${cadreIo.unavailable}`);
  }
  if (failures.length > 0) {
    console.log(`\n${failures.length} measurement(s) could not run:`);
    for (const f of failures) console.log(`  - ${f}`);
    process.exitCode = 1;
  }
}
