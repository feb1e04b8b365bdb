/**
 * Search (issue 14): `list({ q })` over retained jobs, through the backend,
 * on the local backend (over memory: the search reads only the in-memory
 * records) and on PostgreSQL (its trigram index, migration 6). The jobs are
 * submitted through the backend, each with an input of about 130 bytes of
 * JSON; one of them, in the middle, holds a unique word. Each batch is then
 * cancelled (a bulk action): retained jobs are finished ones, the jobs
 * PostgreSQL's index holds.
 *
 * Timed: a rare hit (that one job: every other job is read too), a miss
 * (every job read, none found), and a common hit (every job matches: the
 * first page of 100 comes at once). The local backend builds a job's
 * lowercased text the first time a search reads it; that first search is
 * timed apart ("cold").
 */
import type { Engine } from '@cadre/engine';
import type { JobSpec } from '@cadre/store';
import { PostgresBackend } from '@cadre/postgres';
import { MemoryStore, createLocalBackend, type Backend } from '@cadre/store';
import { KEEP_EVERYTHING } from './bench-node.js';
import { percentile } from './percentiles.js';

export const RARE_WORD = 'Quetzalcoatl-4711';

export interface SearchFigures {
  /** Jobs in the backend. */
  jobs: number;
  /** Seconds to submit them. */
  submitS: number;
  /** The first search after they were submitted (local: builds every job's text). */
  coldMs: number;
  rows: { label: string; q: string; found: number; p50Ms: number; p99Ms: number }[];
}

/** The queries timed. */
export function searchQueries(): { label: string; q: string }[] {
  return [
    { label: 'rare hit (1 job)', q: RARE_WORD.toLowerCase() },
    { label: 'miss', q: 'no~such~text' },
    { label: 'common hit (every job; first page of 100)', q: 'customer' },
  ];
}

/** Job `i` of `total`: a plausible order, the one in the middle with the rare word. */
function searchSpec(i: number, total: number): JobSpec {
  const word = i === Math.floor(total / 2) ? RARE_WORD : `note ${(i * 7919) % 100_003}`;
  return {
    key: null,
    category: ['default', 'emails', 'images', 'reports'][i % 4]!,
    task: 'echo',
    input: {
      customer: `customer-${i % 5000}`,
      order: (i * 2654435761).toString(36),
      items: [{ sku: `sku-${i % 997}`, qty: (i % 5) + 1 }],
      word,
    },
    maxRetries: 0,
    timeoutMs: null,
    runAtMs: null,
  };
}

async function fill(backend: Backend, total: number, log: (line: string) => void): Promise<number> {
  const t0 = performance.now();
  const chunk = 1000;
  for (let from = 0; from < total; from += chunk) {
    const specs: JobSpec[] = [];
    for (let i = from; i < Math.min(total, from + chunk); i++) specs.push(searchSpec(i, total));
    const made = await backend.submit(specs, Date.now());
    await backend.bulk(
      made.map((m) => m.job.id),
      'cancel',
      Date.now(),
    );
    if ((from + chunk) % 20_000 === 0) log(`${from + chunk} jobs submitted`);
  }
  return (performance.now() - t0) / 1000;
}

async function timeSearches(
  backend: Backend,
  total: number,
  submitS: number,
  samples: number,
): Promise<SearchFigures> {
  const t0 = performance.now();
  await backend.list({ q: 'no~such~text', limit: 100 });
  const coldMs = performance.now() - t0;
  const rows: SearchFigures['rows'] = [];
  for (const { label, q } of searchQueries()) {
    let found = 0;
    for (let i = 0; i < 3; i++) await backend.list({ q, limit: 100 });
    const ms: number[] = [];
    for (let i = 0; i < samples; i++) {
      const s0 = performance.now();
      found = (await backend.list({ q, limit: 100 })).jobs.length;
      ms.push(performance.now() - s0);
    }
    rows.push({ label, q, found, p50Ms: percentile(ms, 50), p99Ms: percentile(ms, 99) });
  }
  return { jobs: total, submitS, coldMs, rows };
}

/** The local backend over memory, `total` jobs. */
export async function localSearch(
  total: number,
  samples: number,
  log: (line: string) => void,
): Promise<SearchFigures> {
  const backend = createLocalBackend({ store: new MemoryStore() });
  await backend.open({ ...KEEP_EVERYTHING, now: Date.now() });
  try {
    const submitS = await fill(backend, total, log);
    return await timeSearches(backend, total, submitS, samples);
  } finally {
    await backend.close();
  }
}

/** PostgreSQL at `url`, schema `schema`, `total` jobs (then ANALYZE, as autovacuum would). */
export async function postgresSearch(
  url: string,
  total: number,
  samples: number,
  log: (line: string) => void,
): Promise<SearchFigures> {
  const backend = new PostgresBackend({ connectionString: url, schema: 'cadre' });
  await backend.open({ ...KEEP_EVERYTHING, now: Date.now() });
  try {
    const submitS = await fill(backend, total, log);
    const pg = await import('pg');
    const client = new pg.default.Client({ connectionString: url });
    await client.connect();
    await client.query('VACUUM ANALYZE cadre.jobs').finally(() => client.end());
    return await timeSearches(backend, total, submitS, samples);
  } finally {
    await backend.close();
  }
}

/** What the search index costs the write path of one round, jobs/s. */
export interface WriteRates {
  /** Submissions of 100 jobs, 4 at a time. */
  submit: number;
  /** Claims of 100 and the completion of each job (the outcome writes the result). */
  finish: number;
}

/**
 * The write path of PostgreSQL with the search index and without it (the
 * index dropped right after migration 6 made it), each on a fresh database,
 * in turns (with, without, with, without…) so that drift of the machine
 * falls on both: `total` jobs submitted in batches of 100, four at a time,
 * then claimed 100 at a time and each completed with a small result.
 */
export async function postgresWriteCost(
  withDb: <T>(label: string, fn: (url: string) => Promise<T>) => Promise<T>,
  total: number,
  rounds: number,
): Promise<{ withIndex: WriteRates[]; withoutIndex: WriteRates[] }> {
  const withIndex: WriteRates[] = [];
  const withoutIndex: WriteRates[] = [];
  for (let r = 0; r < rounds; r++) {
    for (const indexed of [true, false]) {
      const rates = await withDb(indexed ? 'search_idx' : 'search_noidx', (url) =>
        writeRound(url, total, indexed),
      );
      (indexed ? withIndex : withoutIndex).push(rates);
    }
  }
  return { withIndex, withoutIndex };
}

async function writeRound(url: string, total: number, indexed: boolean): Promise<WriteRates> {
  const backend = new PostgresBackend({ connectionString: url, schema: 'cadre' });
  await backend.open({ ...KEEP_EVERYTHING, now: Date.now() });
  try {
    if (!indexed) {
      const pg = await import('pg');
      const client = new pg.default.Client({ connectionString: url });
      await client.connect();
      await client.query('DROP INDEX cadre.jobs_search').finally(() => client.end());
    }
    const batches: JobSpec[][] = [];
    for (let from = 0; from < total; from += 100) {
      const specs: JobSpec[] = [];
      for (let i = from; i < Math.min(total, from + 100); i++) specs.push(searchSpec(i, total));
      batches.push(specs);
    }
    const t0 = performance.now();
    let next = 0;
    const submitter = async () => {
      while (next < batches.length) await backend.submit(batches[next++]!, Date.now());
    };
    await Promise.all([submitter(), submitter(), submitter(), submitter()]);
    const submitS = (performance.now() - t0) / 1000;
    const t1 = performance.now();
    let finished = 0;
    while (finished < total) {
      const claimed = await backend.claim('default', 100, Date.now());
      const more = await Promise.all(
        ['emails', 'images', 'reports'].map((c) => backend.claim(c, 100, Date.now())),
      );
      const jobs = [...claimed, ...more.flat()];
      if (jobs.length === 0) throw new Error(`only ${finished} of ${total} jobs were claimed`);
      await Promise.all(
        jobs.map((job) =>
          backend.complete(
            {
              id: job.id,
              attempt: job.attempts,
              outcome: { kind: 'ok', value: { done: job.id } },
              retryDelayMs: 0,
            },
            Date.now(),
          ),
        ),
      );
      finished += jobs.length;
    }
    const finishS = (performance.now() - t1) / 1000;
    return { submit: total / submitS, finish: total / finishS };
  } finally {
    await backend.close();
  }
}

/** A bulk action over many matches: how long, and the longest the event loop was held. */
export interface BulkFigures {
  jobs: number;
  matched: number;
  changed: number;
  seconds: number;
  /** The longest gap between two turns of a 1 ms interval timer while it ran. */
  maxBlockMs: number;
}

/**
 * The engine's bulk cancel of `total` delayed jobs on the lowdb store
 * (durable: a journal line per page of 500), timed, while a 1 ms timer
 * measures how long the event loop is held at a time.
 */
export async function bulkCancel(engine: Engine, total: number): Promise<BulkFigures> {
  for (let from = 0; from < total; from += 10_000) {
    const n = Math.min(10_000, total - from);
    await engine.submit(
      Array.from({ length: n }, (_, i) => ({
        task: 'echo',
        input: { i: from + i },
        delayMs: 3_600_000,
      })),
    );
  }
  let last = performance.now();
  let maxBlockMs = 0;
  const timer = setInterval(() => {
    const now = performance.now();
    maxBlockMs = Math.max(maxBlockMs, now - last);
    last = now;
  }, 1);
  const t0 = performance.now();
  try {
    const { matched, changed } = await engine.bulk({ state: 'delayed' }, 'cancel');
    return { jobs: total, matched, changed, seconds: (performance.now() - t0) / 1000, maxBlockMs };
  } finally {
    clearInterval(timer);
  }
}
