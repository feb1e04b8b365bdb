/**
 * Observer queries (issue 13) over 1,000,000 retained jobs: what one
 * evaluation costs (the count and the first 1,000 ids), through the
 * backend's `observe`, on the local backend (opened on a data directory the
 * list bench's writer fills) and on PostgreSQL (the same jobs inserted into a
 * schema of their own). A scan of every job in memory, which is what an
 * evaluation without the indexes would do, is timed beside them.
 */
import pg from 'pg';
import { createJob, transition, type Job, type ObserverQuery } from '@cadre/core';
import { PostgresBackend } from '@cadre/postgres';
import { createLocalBackend, openLowdbStore, type Backend } from '@cadre/store';
import { LIST_CATEGORIES } from './list-bench.js';
import { KEEP_EVERYTHING } from './bench-node.js';
import { percentile } from './percentiles.js';

export interface ObserverFigures {
  label: string;
  count: number;
  p50Ms: number;
  p99Ms: number;
}

/** The queries timed, with a label; `ago` is how old (ms) the newest matching job may be. */
export function observerQueries(): { label: string; query: ObserverQuery }[] {
  return [
    { label: 'state=failed', query: { state: 'failed' } },
    { label: 'state=succeeded (about 1,000,000)', query: { state: 'succeeded' } },
    {
      label: 'category=emails, state=succeeded, older than 10 min',
      query: { category: 'emails', state: 'succeeded', olderThanMs: 600_000 },
    },
    { label: 'category=images (every state)', query: { category: 'images' } },
    { label: 'every job, older than 5 min', query: { olderThanMs: 300_000 } },
    {
      label: 'state=failed, task=echo (task filters what the index selects)',
      query: { state: 'failed', task: 'echo' },
    },
  ];
}

/** Times `samples` evaluations of each query through `backend.observe`, after two to warm up. */
async function timeQueries(backend: Backend, samples: number): Promise<ObserverFigures[]> {
  const figures: ObserverFigures[] = [];
  for (const { label, query } of observerQueries()) {
    let count = 0;
    for (let i = 0; i < 2; i++) await backend.observe(query, Date.now());
    const ms: number[] = [];
    for (let i = 0; i < samples; i++) {
      const t0 = performance.now();
      count = (await backend.observe(query, Date.now())).count;
      ms.push(performance.now() - t0);
    }
    figures.push({ label, count, p50Ms: percentile(ms, 50), p99Ms: percentile(ms, 99) });
  }
  return figures;
}

/**
 * The local backend on `dataDir` (written by writeRetainedJobs): each query,
 * and one scan of every job for the first query, as the yardstick.
 */
export async function localObserverLatency(
  dataDir: string,
  samples: number,
): Promise<{ figures: ObserverFigures[]; scanMs: number; openS: number }> {
  const t0 = performance.now();
  const backend = createLocalBackend({ store: await openLowdbStore({ dir: dataDir }) });
  await backend.open({ ...KEEP_EVERYTHING, now: Date.now() });
  const openS = (performance.now() - t0) / 1000;
  try {
    const figures = await timeQueries(backend, samples);
    // The yardstick: every job read once (pages of 1,000), as an evaluation without indexes would.
    const page = await backend.list({ limit: 1 });
    const scanStart = performance.now();
    let matched = 0;
    for (let cursor: string | null | undefined = undefined; ;) {
      const next = await backend.list({ limit: 1000, ...(cursor ? { cursor } : {}) });
      for (const job of next.jobs) if (job.state === 'failed') matched++;
      cursor = next.nextCursor;
      if (cursor === null) break;
    }
    const scanMs = performance.now() - scanStart;
    if (page.jobs.length === 0 || matched !== figures[0]!.count) {
      throw new Error(`the scan found ${matched} failed jobs, observe ${figures[0]!.count}`);
    }
    return { figures, scanMs, openS };
  } finally {
    await backend.close();
  }
}

/**
 * PostgreSQL: `total` finished jobs like writeRetainedJobs' (same share of
 * failures, 2 ms apart up to now) inserted into schema `schema`, then each query.
 */
export async function postgresObserverLatency(
  url: string,
  schema: string,
  total: number,
  samples: number,
  log: (line: string) => void,
): Promise<{ figures: ObserverFigures[]; insertS: number }> {
  const backend = new PostgresBackend({ connectionString: url, schema });
  await backend.open({ ...KEEP_EVERYTHING, now: Date.now() });
  try {
    const t0 = performance.now();
    await insertFinished(url, schema, total, log);
    const insertS = (performance.now() - t0) / 1000;
    return { figures: await timeQueries(backend, samples), insertS };
  } finally {
    await backend.close();
  }
}

/** Finished jobs straight into the table, 50,000 a statement, then ANALYZE (as autovacuum would). */
async function insertFinished(
  url: string,
  schema: string,
  total: number,
  log: (line: string) => void,
): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const random = mulberry32(1);
    const start = Date.now() - total * 2;
    const chunk = 50_000;
    for (let from = 0; from < total; from += chunk) {
      const rows: Job[] = [];
      for (let i = from; i < Math.min(total, from + chunk); i++) {
        const at = start + i * 2;
        const category = LIST_CATEGORIES[Math.floor(random() * LIST_CATEGORIES.length)]!;
        const queued = createJob(
          {
            id: `${at.toString(36).padStart(9, '0')}0000aaaa`,
            key: null,
            category,
            task: 'echo',
            input: null,
            maxRetries: 0,
            timeoutMs: null,
            runAtMs: null,
          },
          at,
        );
        const running = transition(queued, { type: 'start', node: 'bench' }, at);
        const failed = random() < 0.004;
        rows.push(
          transition(
            running,
            {
              type: 'settle',
              outcome: failed
                ? { kind: 'error', message: 'bench failure', retryable: false }
                : { kind: 'ok', value: null },
              retryDelayMs: 0,
            },
            at + 1,
          ),
        );
      }
      await client.query(
        `INSERT INTO "${schema}".jobs (id, category, task, input, state, attempts, max_retries,
           created_at, started_at, finished_at, duration_ms, result, last_error, node)
         SELECT r.id, r.category, r.task, 'null'::json, r.state, 1, 0, r.created_at, r.started_at,
           r.finished_at, 1, 'null'::json, r.last_error::json, 'bench'
         FROM json_to_recordset($1::json) AS r(id text, category text, task text, state text,
           created_at timestamptz, started_at timestamptz, finished_at timestamptz, last_error text)`,
        [
          JSON.stringify(
            rows.map((j) => ({
              id: j.id,
              category: j.category,
              task: j.task,
              state: j.state,
              created_at: j.createdAt,
              started_at: j.startedAt,
              finished_at: j.finishedAt,
              last_error: j.lastError === null ? null : JSON.stringify(j.lastError),
            })),
          ),
        ],
      );
      if ((from + chunk) % 200_000 === 0) log(`${from + chunk} jobs inserted`);
    }
    await client.query(`VACUUM ANALYZE "${schema}".jobs`);
  } finally {
    await client.end();
  }
}

function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
