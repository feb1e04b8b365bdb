/**
 * graphile-worker 0.18 processing no-op jobs, with the batching its option
 * docs describe (index.d.ts, "performance#batching"): a local queue that
 * fetches and locks many jobs per query (`localQueue.size`, the successor of
 * `jobBatchSize`/`getJobBatchTime`), completions and failures batched
 * (`completeJobBatchDelay`, `failJobBatchDelay`), Node's clock
 * (`useNodeTime`), and a pool of `max(10, concurrentJobs + 2)` connections,
 * as its `maxPoolSize` doc recommends.
 */
import { Logger, makeWorkerUtils, run } from 'graphile-worker';
import pg from 'pg';
import { pollUntil } from './poll-until.js';

export interface GraphileVariant {
  concurrentJobs: number;
  localQueueSize: number;
  /** completeJobBatchDelay and failJobBatchDelay, ms; -1 turns batching off. */
  batchDelayMs: number;
}

const LIMIT_MS = 300_000;

/** Errors only: its default logger writes a line per job. */
const quiet = new Logger(() => (level, message) => {
  if (level === 'error') console.error(`  graphile-worker: ${message}`);
});

/**
 * Adds `n` no-op jobs in bulk (`addJobs`, batches of 10,000), then times a
 * runner from its start until every job is gone from the table (completed
 * jobs are deleted); jobs/s.
 */
export async function graphileWorkerRate(
  url: string,
  n: number,
  v: GraphileVariant,
): Promise<number> {
  const pool = new pg.Pool({ connectionString: url, max: Math.max(10, v.concurrentJobs + 2) });
  // Errors of idle and of checked-out clients must not crash the process, as its docs warn.
  const report = (err: Error) => console.error(`  graphile-worker pool: ${err.message}`);
  pool.on('error', report);
  pool.on('connect', (client) => client.on('error', report));
  try {
    const utils = await makeWorkerUtils({ pgPool: pool, logger: quiet });
    try {
      await utils.migrate();
      for (let i = 0; i < n; i += 10_000) {
        const size = Math.min(10_000, n - i);
        await utils.addJobs(
          Array.from({ length: size }, () => ({ identifier: 'noop', payload: {} })),
        );
      }
    } finally {
      await utils.release();
    }
    let ran = 0;
    const t0 = performance.now();
    const runner = await run({
      pgPool: pool,
      noHandleSignals: true,
      taskList: {
        noop: async () => {
          ran++;
        },
      },
      preset: {
        worker: {
          concurrentJobs: v.concurrentJobs,
          useNodeTime: true,
          logger: quiet,
          localQueue: { size: v.localQueueSize },
          completeJobBatchDelay: v.batchDelayMs,
          failJobBatchDelay: v.batchDelayMs,
        },
      },
    });
    try {
      await pollUntil(LIMIT_MS, async () => ran >= n, 5);
      // Batched completions are written after the tasks return: wait for the table.
      await pollUntil(LIMIT_MS, async () => {
        const r = await pool.query<{ n: string }>(
          'SELECT count(*) AS n FROM graphile_worker._private_jobs',
        );
        return Number(r.rows[0]!.n) === 0;
      });
      return n / ((performance.now() - t0) / 1000);
    } finally {
      await runner.stop();
      // Its clients are back in the pool only once the runner's promise settles.
      await runner.promise;
    }
  } finally {
    await pool.end();
  }
}
