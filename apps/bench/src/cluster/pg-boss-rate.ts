/**
 * pg-boss 12 processing no-op jobs, tuned as its option docs (types.d.ts)
 * describe for throughput: `work` fetching `batchSize` jobs per query and
 * completing them in one statement, `localConcurrency` fetch loops, the
 * shortest polling interval it allows (0.5 s) and `burstWhenBatchFull`, which
 * fetches again at once while batches come back full.
 */
import { PgBoss } from 'pg-boss';
import pg from 'pg';
import { pollUntil } from './poll-until.js';

export interface PgBossVariant {
  batchSize: number;
  localConcurrency: number;
}

const QUEUE = 'noop';
const LIMIT_MS = 300_000;

/**
 * Inserts `n` no-op jobs in bulk (`insert`, batches of 10,000), then times
 * `work` from its start until every job is `completed`; jobs/s.
 */
export async function pgBossRate(url: string, n: number, v: PgBossVariant): Promise<number> {
  const boss = new PgBoss({ connectionString: url, max: Math.max(10, v.localConcurrency + 4) });
  // pg-boss retries what fails (a fetch, its maintenance); show it, and let the deadline judge.
  boss.on('error', (err: Error) => console.error(`  pg-boss: ${err.message}`));
  await boss.start();
  const check = new pg.Client({ connectionString: url });
  try {
    await check.connect();
    await boss.createQueue(QUEUE);
    for (let i = 0; i < n; i += 10_000) {
      const size = Math.min(10_000, n - i);
      await boss.insert(
        QUEUE,
        Array.from({ length: size }, () => ({ data: {} })),
      );
    }
    let ran = 0;
    const t0 = performance.now();
    await boss.work(
      QUEUE,
      {
        batchSize: v.batchSize,
        localConcurrency: v.localConcurrency,
        pollingIntervalSeconds: 0.5,
        burstWhenBatchFull: true,
      },
      async (jobs) => {
        ran += jobs.length;
      },
    );
    await pollUntil(LIMIT_MS, async () => ran >= n, 5);
    // A batch is completed after its handler returns: wait for the table.
    await pollUntil(LIMIT_MS, async () => {
      const r = await check.query<{ n: string }>(
        `SELECT count(*) AS n FROM pgboss.job WHERE name = $1 AND state <> 'completed'`,
        [QUEUE],
      );
      return Number(r.rows[0]!.n) === 0;
    });
    return n / ((performance.now() - t0) / 1000);
  } finally {
    await check.end();
    await boss.stop({ graceful: false, close: true });
  }
}
