/**
 * `npm run bench`: cadre's figures in one run, printed as tables.
 *
 *   npm run bench                     everything
 *   npm run bench -- engine store     only those sections (engine, priority, store, recovery, http, flows, fifo, list, index, observer, search, cluster, compare)
 *   npm run bench -- compare --quick  small sizes (BENCH_JOBS 10,000, and the cluster and compare sections'), to check that everything runs
 *   BENCH_JOBS=20000 npm run bench    fewer jobs per measurement (default 100,000)
 *
 * Also BENCH_FLOW_CHAINS (flows: two-step chains, against twice as many plain jobs; 10,000, or
 * 2,000 with --quick), BENCH_RECOVERY_JOBS (recovery, store; 1,000,000), BENCH_FIFO_JOBS (fifo;
 * 2,000,000), BENCH_LIST_JOBS and BENCH_LIST_SAMPLES (list; 1,000,000 and 200),
 * BENCH_INDEX_CATEGORIES (index; 4), BENCH_OBSERVER_JOBS and BENCH_OBSERVER_SAMPLES (observer; 1,000,000
 * and 20, on the local backend and on PostgreSQL at BENCH_DATABASE_URL), BENCH_SEARCH_JOBS and
 * BENCH_SEARCH_SAMPLES (search; 100,000 and 100, local and PostgreSQL); for cluster (on PostgreSQL, BENCH_DATABASE_URL, default
 * postgres://postgres@127.0.0.1:5432/postgres): BENCH_CLUSTER_JOBS (echo; 20,000), BENCH_PEER_JOBS
 * (graphile-worker and pg-boss; 50,000), BENCH_CLUSTER_WORKERS (threads per node for sleep jobs; 4);
 * for compare (BullMQ on the Redis at 127.0.0.1:6379 when it answers PING, else a `redis-server`
 * started for the run): BENCH_COMPARE_JOBS (echo, cadre and BullMQ; 50,000), BENCH_COMPARE_IO_JOBS
 * (sleep 100 ms; 2,000), BENCH_REDIS_DB (the db index BullMQ's keys go to; 14).
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { benchStore } from '@cadre/store';
import {
  CHECKED_INPUT,
  engineRate,
  piscinaCeiling,
  startBenchEngine,
  startLatency,
  submitRates,
  type Ceiling,
} from './engine-bench.js';
import { httpRate, httpStartLatency, startServer } from './http-bench.js';
import { CHAINS_IN_FLIGHT, callbackRate, chainRate, pairRate } from './flows-bench.js';
import { listLatency, writeListConfig, writeRetainedJobs } from './list-bench.js';
import { benchJobIndex } from './index-bench.js';
import { benchPriorities } from './priority-bench.js';
import { localObserverLatency, postgresObserverLatency } from './observer-bench.js';
import {
  bulkCancel,
  localSearch,
  postgresSearch,
  postgresWriteCost,
  type SearchFigures,
  type WriteRates,
} from './search-bench.js';
import { percentile } from './percentiles.js';
import { withDatabase } from './cluster/databases.js';
import { clusterSection } from './cluster/cluster-section.js';
import { compareSection } from './compare/compare-section.js';
import { fmt, table } from './table.js';

const threads = Number(process.env.BENCH_WORKERS ?? availableParallelism());
const args = process.argv.slice(2);
const quick = args.includes('--quick');
const jobs = Number(process.env.BENCH_JOBS ?? (quick ? 10_000 : 100_000));
const sections = new Set(args.filter((a) => !a.startsWith('--')));
const want = (s: string) => sections.size === 0 || sections.has(s);

let noopCeiling: Promise<Ceiling> | null = null;

/** Raw piscina at its best on no-ops: measured once per run, printed once, shared by every ratio. */
function ceiling(): Promise<Ceiling> {
  noopCeiling ??= (async () => {
    console.log(
      `\n## Raw piscina no-op, the ceiling (${threads} threads, ${jobs.toLocaleString('en-US')} tasks)\n`,
    );
    const c = await piscinaCeiling(threads, jobs);
    console.log(ceilingTable(c));
    return c;
  })();
  return noopCeiling;
}

function ceilingTable(c: Ceiling): string {
  const rows: (string | number)[][] = [['tasks in flight at most', 'task queue', 'tasks/s', '']];
  for (const r of c.runs) {
    rows.push([
      Number.isFinite(r.inFlight) ? r.inFlight.toLocaleString('en-US') : 'all at once',
      r.queue === 'fixed' ? 'FixedQueue' : 'default (array)',
      r.rate,
      r === c.best ? '← ceiling' : '',
    ]);
  }
  return table(rows);
}

async function engineSection(): Promise<void> {
  const raw = (await ceiling()).best.rate;
  console.log(`\n## Engine (${threads} worker threads, ${jobs.toLocaleString('en-US')} jobs)\n`);
  const rows: (string | number)[][] = [['measure', 'memory store', 'lowdb store', 'target']];
  const echo: Record<string, number> = {};
  const checked: Record<string, number> = {};
  const cpu: Record<string, number> = {};
  const lat: Record<string, { p50: number; p99: number }> = {};
  for (const kind of ['memory', 'lowdb'] as const) {
    const e = await startBenchEngine(threads, kind);
    await engineRate(e.engine, 2000, { task: 'echo', input: { n: 1 } });
    echo[kind] = await engineRate(e.engine, jobs, { task: 'echo', input: CHECKED_INPUT });
    checked[kind] = await engineRate(e.engine, jobs, { task: 'checked', input: CHECKED_INPUT });
    const cpuJobs = threads * 2000;
    cpu[kind] = await engineRate(e.engine, cpuJobs, { task: 'cpu', input: { ms: 1 } }, 500);
    lat[kind] = await startLatency(e.engine, echo[kind] / 2, 3, { task: 'echo', input: null });
    await e.close();
  }
  const submit = await submitRates(threads, Math.min(jobs, 20_000), {
    echo: { task: 'echo', input: CHECKED_INPUT },
    checked: { task: 'checked', input: CHECKED_INPUT },
  });
  const ideal = threads * 1000;
  console.log(`(raw piscina 1 ms CPU task, ${(threads * 2000).toLocaleString('en-US')} tasks:)`);
  const rawCpuCeiling = await piscinaCeiling(threads, threads * 2000, 'cpu', { ms: 1 });
  console.log(`${ceilingTable(rawCpuCeiling)}\n`);
  const rawCpu = rawCpuCeiling.best.rate;
  rows.push(['raw piscina no-op at its best (the ceiling), jobs/s', raw, raw, '']);
  rows.push(['engine echo, jobs/s', echo.memory!, echo.lowdb!, '']);
  rows.push(['engine echo behind an input schema, jobs/s', checked.memory!, checked.lowdb!, '']);
  rows.push([
    'with schema / without',
    checked.memory! / echo.memory!,
    checked.lowdb! / echo.lowdb!,
    '≥ 0.95',
  ]);
  rows.push(['submit path alone (paused category), jobs/s', submit.echo!, '', '']);
  rows.push(['submit path alone, behind an input schema, jobs/s', submit.checked!, '', '']);
  rows.push(['submit path with schema / without', submit.checked! / submit.echo!, '', '≥ 0.90']);
  rows.push(['echo / ceiling', echo.memory! / raw, echo.lowdb! / raw, '≥ 0.60 (memory)']);
  rows.push(['lowdb / memory echo', 1, echo.lowdb! / echo.memory!, '≥ 0.85']);
  rows.push(['submit→start p50 at half load, ms', lat.memory!.p50, lat.lowdb!.p50, '']);
  rows.push(['submit→start p99 at half load, ms', lat.memory!.p99, lat.lowdb!.p99, '']);
  rows.push([`1 ms CPU task, jobs/s (ideal ${ideal})`, cpu.memory!, cpu.lowdb!, '']);
  rows.push(['1 ms CPU / ideal', cpu.memory! / ideal, cpu.lowdb! / ideal, '≥ 0.90']);
  rows.push(['raw piscina 1 ms CPU at its best, jobs/s', rawCpu, rawCpu, '']);
  rows.push(['1 ms CPU / raw piscina at its best', cpu.memory! / rawCpu, cpu.lowdb! / rawCpu, '']);
  rows.push(['raw piscina 1 ms CPU / ideal', rawCpu / ideal, rawCpu / ideal, '']);
  console.log(table(rows));
}

async function prioritySection(): Promise<void> {
  console.log(
    `\n## Priorities: all at 0 against mixed (-5..5), one run (${threads} worker threads, ${jobs.toLocaleString('en-US')} jobs, medians of 5 rounds)\n`,
  );
  const r = await benchPriorities(threads, jobs);
  console.log(
    table([
      ['measure', 'all at priority 0', 'priorities -5..5', 'mixed / all 0'],
      [
        'engine echo, submitted while running, jobs/s',
        r.run.flat,
        r.run.mixed,
        r.run.mixed / r.run.flat,
      ],
      [
        'engine echo, backlog drained, jobs/s',
        r.drain.flat,
        r.drain.mixed,
        r.drain.mixed / r.drain.flat,
      ],
      [
        'queue alone, push + take, CPU ns per job',
        r.queueNs.flat,
        r.queueNs.mixed,
        r.queueNs.mixed / r.queueNs.flat,
      ],
      ['yardstick: FifoQueue (before priorities), CPU ns per job', r.queueNs.fifo, '', ''],
      ['PriorityQueue all at 0 / FifoQueue', r.queueNs.flat / r.queueNs.fifo, '', ''],
    ]),
  );
}

async function storeSection(): Promise<void> {
  const recoveryJobs = Number(process.env.BENCH_RECOVERY_JOBS ?? 1_000_000);
  console.log(`\n## Durable store (lowdb: snapshot + journal, group commit)\n`);
  const r = await benchStore({ recoveryJobs, log: (line) => console.error(`  … ${line}`) });
  const rows: (string | number)[][] = [
    ['live jobs stored', 'commits/s', 'p50 ms', 'p99 ms', 'max ms', 'commits per fsync'],
  ];
  for (const c of r.commit) {
    rows.push([
      c.liveJobs.toLocaleString('en-US'),
      c.commitsPerSec,
      c.p50Ms,
      c.p99Ms,
      c.maxMs,
      c.commitsPerFlush,
    ]);
  }
  console.log(table(rows));
  const [small, large] = r.commit;
  if (small && large) {
    console.log(
      `\ncommit throughput 100k vs 1k live jobs: ${fmt(large.commitsPerSec / small.commitsPerSec)} (target ≥ 0.80)`,
    );
  }
  console.log(
    `compaction of ${r.compaction.liveJobs.toLocaleString('en-US')} jobs: ${fmt(r.compaction.compactionMs)} ms, ` +
      `snapshot ${fmt(r.compaction.snapshotBytes / 1e6)} MB, longest event-loop stall ${fmt(r.compaction.longestStallMs)} ms (target < 50)`,
  );
  console.log(
    `recovery of ${r.recovery.jobs.toLocaleString('en-US')} queued jobs: from the journal ${fmt(r.recovery.fromJournalMs / 1000)} s, ` +
      `from the snapshot ${fmt(r.recovery.fromSnapshotMs / 1000)} s (target < 15 s)`,
  );
}

async function recoverySection(): Promise<void> {
  const n = Number(process.env.BENCH_RECOVERY_JOBS ?? 1_000_000);
  console.log(`\n## Engine on the durable store with ${n.toLocaleString('en-US')} queued jobs\n`);
  const dir = await mkdtemp(join(tmpdir(), 'cadre-bench-recovery-'));
  const child = fileURLToPath(new URL('./recovery-child.js', import.meta.url));
  const run = async (...args: string[]) => {
    const { stdout } = await promisify(execFile)(
      process.execPath,
      ['--expose-gc', child, ...args],
      {
        maxBuffer: 1 << 20,
      },
    );
    return JSON.parse(stdout.trim().split('\n').at(-1)!) as {
      startMs: number;
      rssMb: number;
      heapMb: number;
      queued: number;
    };
  };
  try {
    const filled = await run('fill', dir, String(n));
    const opened = await run('open', dir);
    console.log(
      table([
        ['measure', 'value', 'target'],
        ['RSS with the jobs queued (after submitting them), MB', filled.rssMb, '< 1,500'],
        ['start (recovery) time, s', opened.startMs / 1000, '< 15'],
        ['RSS after recovery, MB', opened.rssMb, '< 1,500'],
        ['jobs queued after recovery', opened.queued, n],
      ]),
    );
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

async function fifoSection(): Promise<void> {
  const total = Number(process.env.BENCH_FIFO_JOBS ?? 2_000_000);
  const backlog = 10_000;
  const every = Math.min(250_000, total);
  console.log(
    `\n## RSS through a category whose queue never empties (engine, memory store, ` +
      `${total.toLocaleString('en-US')} jobs, ${backlog.toLocaleString('en-US')} always waiting)\n`,
  );
  const child = fileURLToPath(new URL('./fifo-child.js', import.meta.url));
  const { stdout } = await promisify(execFile)(
    process.execPath,
    ['--expose-gc', child, String(total), String(backlog), String(every), String(threads)],
    { maxBuffer: 1 << 20 },
  );
  const samples = stdout
    .trim()
    .split('\n')
    .map(
      (line) =>
        JSON.parse(line) as { jobs: number; rssMb: number; heapMb: number; seconds: number },
    );
  const rows: (string | number)[][] = [
    ['jobs finished', 'RSS MiB (after gc)', 'heap used MiB', 's'],
  ];
  for (const s of samples) {
    rows.push([s.jobs.toLocaleString('en-US'), s.rssMb, s.heapMb, s.seconds]);
  }
  console.log(table(rows));
  const first = samples[1];
  const last = samples.at(-1);
  if (first && last && last !== first) {
    console.log(
      `\nRSS growth from ${first.jobs.toLocaleString('en-US')} to ${last.jobs.toLocaleString('en-US')} jobs: ` +
        `${fmt(last.rssMb - first.rssMb)} MiB; ${fmt((last.jobs - first.jobs) / (last.seconds - first.seconds))} jobs/s`,
    );
  }
}

async function httpSection(): Promise<void> {
  const raw = (await ceiling()).best.rate;
  console.log(`\n## HTTP end to end (server process, durable store, ${threads} worker threads)\n`);
  const server = await startServer(threads);
  try {
    await httpRate(server.client, 5000);
    // Alternated, two rounds each, the better kept: the machine's load moves between runs.
    let rate = 0;
    let checkedRate = 0;
    for (let round = 0; round < 2; round++) {
      rate = Math.max(rate, await httpRate(server.client, jobs));
      checkedRate = Math.max(checkedRate, await httpRate(server.client, jobs, 4, 1000, 'checked'));
    }
    const lat = await httpStartLatency(server.client, rate / 2, 3);
    console.log(
      table([
        ['measure', 'value', 'target'],
        ['raw piscina no-op at its best (the ceiling), jobs/s', raw, ''],
        [`echo over HTTP, 4 clients × batches of 1,000, jobs/s`, rate, ''],
        ['HTTP echo / ceiling', rate / raw, '≥ 0.40'],
        ['echo behind an input schema over HTTP, jobs/s', checkedRate, ''],
        ['with schema / without, over HTTP', checkedRate / rate, '≥ 0.95'],
        [`single-job submit→start p50 at half load (${fmt(rate / 2)}/s), ms`, lat.p50, ''],
        ['single-job submit→start p99 at half load, ms', lat.p99, ''],
      ]),
    );
  } finally {
    await server.close();
  }
}

async function flowsSection(): Promise<void> {
  const chains = Number(process.env.BENCH_FLOW_CHAINS ?? (quick ? 2_000 : 10_000));
  const n = chains * 2;
  const count = (x: number) => x.toLocaleString('en-US');
  console.log(
    `\n## Flows over HTTP: ${count(chains)} two-step chains of echo against ${count(n)} plain echo jobs ` +
      `(server process, durable store, ${threads} worker threads)\n`,
  );
  const server = await startServer(threads);
  try {
    await httpRate(server.client, 5000);
    await chainRate(server.client, Math.min(2000, chains));
    // Alternated, two rounds each, the better kept: the machine's load moves between runs.
    let plain = 0;
    let pairs = 0;
    let chained = 0;
    let callbacks = 0;
    for (let round = 0; round < 2; round++) {
      plain = Math.max(plain, await httpRate(server.client, n));
      chained = Math.max(chained, await chainRate(server.client, chains));
      pairs = Math.max(pairs, await pairRate(server.client, chains));
      callbacks = Math.max(callbacks, await callbackRate(server.client, chains));
    }
    console.log(
      table([
        ['measure', `jobs/s (${count(n)} jobs)`],
        ['plain echo, 4 clients × batches of 1,000', plain],
        [
          `two-step chains, one POST /api/chains each, ${CHAINS_IN_FLIGHT} in flight, until every second step succeeded`,
          chained,
        ],
        ['chains / plain echo', chained / plain],
        [
          `plain echo, 2 jobs a request, ${CHAINS_IN_FLIGHT} in flight (as many requests as chains)`,
          pairs,
        ],
        ['chains / plain echo 2 a request', chained / pairs],
        ['echo + onSuccess echo, POST /api/jobs, 4 clients × batches of 500 pairs', callbacks],
        ['batched callbacks / plain echo', callbacks / plain],
      ]),
    );
  } finally {
    await server.close();
  }
}

async function listSection(): Promise<void> {
  const total = Number(process.env.BENCH_LIST_JOBS ?? 1_000_000);
  const samples = Number(process.env.BENCH_LIST_SAMPLES ?? 200);
  console.log(
    `\n## Listing over HTTP with ${total.toLocaleString('en-US')} retained jobs (server process, durable store)\n`,
  );
  const root = await mkdtemp(join(tmpdir(), 'cadre-bench-list-'));
  try {
    const dataDir = join(root, 'data');
    const configFile = join(root, 'cadre.config.json');
    const t0 = performance.now();
    const jobsWritten = await writeRetainedJobs(dataDir, {
      total,
      failedShare: 0.004,
      cancelled: 100,
      log: (line) => console.error(`  … ${line}`),
    });
    const writeS = (performance.now() - t0) / 1000;
    await writeListConfig(configFile, total + 1);
    const t1 = performance.now();
    const server = await startServer(threads, { dataDir, configFile });
    const startS = (performance.now() - t1) / 1000;
    const category = Object.entries(jobsWritten.failedIn).sort((a, b) => a[1] - b[1])[0]![0];
    console.log(
      `${jobsWritten.failed.toLocaleString('en-US')} failed (${jobsWritten.failedIn[category]} in '${category}'), ` +
        `${jobsWritten.cancelled} cancelled (all in the oldest tenth), the rest succeeded; ` +
        `written in ${fmt(writeS)} s, server ready in ${fmt(startS)} s; ${samples} requests each, one at a time\n`,
    );
    try {
      const rows: (string | number)[][] = [
        ['GET', 'jobs answered', 'p50 ms', 'p99 ms', 'max ms', 'target p99'],
      ];
      for (const [path, target] of [
        ['/api/jobs?state=failed&limit=100', '< 20 ms'],
        [`/api/jobs?category=${category}&state=failed&limit=100`, '< 20 ms'],
        ['/api/jobs?limit=100', ''],
        ['/api/jobs?state=cancelled&limit=100', ''],
      ] as const) {
        const l = await listLatency(server.url, path, samples);
        rows.push([path, l.returned, l.p50, l.p99, l.max, target]);
      }
      console.log(table(rows));
    } finally {
      await server.close();
    }
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}

function indexSection(): void {
  const n = Number(process.env.BENCH_INDEX_JOBS ?? 1_000_000);
  const categories = Number(process.env.BENCH_INDEX_CATEGORIES ?? 4);
  const r = benchJobIndex({ jobs: n, categories });
  console.log(
    `\n## Job index (${r.jobs.toLocaleString('en-US')} jobs retained in ${categories} categories, ${r.failed.toLocaleString('en-US')} failed)\n`,
  );
  console.log(
    table([
      ['hot path, per operation', 'CPU ns'],
      ['add (submitted, queued)', r.addNs],
      ['move (queued → running, running → succeeded), each', r.moveNs],
      ['remove (retention)', r.removeNs],
      ['yardstick: Map.set of a job record', r.mapSetNs],
      ['heap per id, bytes', r.bytesPerId],
    ]),
  );
  console.log('');
  const rows: (string | number)[][] = [
    ['page (wall time)', 'index p50 µs', 'index p99 µs', 'scan p50 µs', 'scan p99 µs'],
  ];
  for (const p of r.pages)
    rows.push([p.label, p.indexP50Us, p.indexP99Us, p.scanP50Us, p.scanP99Us]);
  console.log(table(rows));
}

async function observerSection(): Promise<void> {
  const total = Number(process.env.BENCH_OBSERVER_JOBS ?? (quick ? 100_000 : 1_000_000));
  const samples = Number(process.env.BENCH_OBSERVER_SAMPLES ?? 20);
  console.log(
    `\n## Observer queries over ${total.toLocaleString('en-US')} retained jobs (one evaluation: the count and the first 1,000 ids)\n`,
  );
  const root = await mkdtemp(join(tmpdir(), 'cadre-bench-observer-'));
  try {
    const dataDir = join(root, 'data');
    const written = await writeRetainedJobs(dataDir, {
      total,
      failedShare: 0.004,
      cancelled: 100,
      log: (line) => console.error(`  … ${line}`),
    });
    const local = await localObserverLatency(dataDir, samples);
    const pgRun = await withDatabase('observer', (db) =>
      postgresObserverLatency(db.url, 'cadre', total, samples, (line) =>
        console.error(`  … ${line}`),
      ),
    ).catch((err: unknown) => {
      console.error(`  … PostgreSQL skipped: ${err instanceof Error ? err.message : String(err)}`);
      return null;
    });
    console.log(
      `${written.failed.toLocaleString('en-US')} failed, ${written.cancelled} cancelled, the rest succeeded, ` +
        `in 4 categories; local backend opened in ${fmt(local.openS)} s` +
        (pgRun ? `, PostgreSQL rows inserted in ${fmt(pgRun.insertS)} s` : '') +
        `; ${samples} evaluations each, one at a time\n`,
    );
    const rows: (string | number)[][] = [
      [
        'query',
        'matches',
        'local p50 ms',
        'local p99 ms',
        'PostgreSQL p50 ms',
        'PostgreSQL p99 ms',
      ],
    ];
    local.figures.forEach((f, i) => {
      const p = pgRun?.figures[i];
      rows.push([f.label, f.count, f.p50Ms, f.p99Ms, p?.p50Ms ?? '–', p?.p99Ms ?? '–']);
    });
    rows.push([
      'yardstick: a walk of every job (list pages of 1,000), local',
      total,
      local.scanMs,
      '',
      '',
      '',
    ]);
    console.log(table(rows));
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}

async function searchSection(): Promise<void> {
  const total = Number(process.env.BENCH_SEARCH_JOBS ?? (quick ? 10_000 : 100_000));
  const samples = Number(process.env.BENCH_SEARCH_SAMPLES ?? 100);
  console.log(
    `\n## Search: list({ q }) over ${total.toLocaleString('en-US')} retained jobs (a page of at most 100)\n`,
  );
  const log = (line: string) => console.error(`  … ${line}`);
  const local = await localSearch(total, samples, log);
  const pgRun: SearchFigures | null = await withDatabase('search', (db) =>
    postgresSearch(db.url, total, samples, log),
  ).catch((err: unknown) => {
    console.error(`  … PostgreSQL skipped: ${err instanceof Error ? err.message : String(err)}`);
    return null;
  });
  console.log(
    `local backend: ${fmt(local.submitS)} s to submit, first search (builds each job's text) ${fmt(local.coldMs)} ms` +
      (pgRun
        ? `; PostgreSQL: ${fmt(pgRun.submitS)} s to submit, first search ${fmt(pgRun.coldMs)} ms`
        : '') +
      `; ${samples} searches each, one at a time\n`,
  );
  const rows: (string | number)[][] = [
    [
      'query',
      'found',
      'local p50 ms',
      'local p99 ms',
      'PostgreSQL p50 ms',
      'PostgreSQL p99 ms',
      'target',
    ],
  ];
  local.rows.forEach((r, i) => {
    const p = pgRun?.rows[i];
    rows.push([
      r.label,
      r.found,
      r.p50Ms,
      r.p99Ms,
      p?.p50Ms ?? '–',
      p?.p99Ms ?? '–',
      'local p99 < 100',
    ]);
  });
  console.log(table(rows));

  const bulkJobs = Number(process.env.BENCH_BULK_JOBS ?? (quick ? 20_000 : 200_000));
  const e = await startBenchEngine(threads, 'lowdb');
  try {
    const b = await bulkCancel(e.engine, bulkJobs);
    console.log(
      `\n### Bulk cancel of ${b.jobs.toLocaleString('en-US')} delayed jobs (engine, lowdb store, pages of 500)\n`,
    );
    console.log(
      table([
        ['matched', 'changed', 'seconds', 'jobs/s', 'longest event-loop hold, ms', 'target'],
        [b.matched, b.changed, b.seconds, b.changed / b.seconds, b.maxBlockMs, '< 50'],
      ]),
    );
  } finally {
    await e.close();
  }

  const writeJobs = Number(process.env.BENCH_SEARCH_WRITE_JOBS ?? (quick ? 5000 : 20_000));
  const rounds = Number(process.env.BENCH_SEARCH_WRITE_ROUNDS ?? (quick ? 1 : 3));
  console.log(
    `\n### What the search index costs PostgreSQL's write path (${writeJobs.toLocaleString('en-US')} jobs, ${rounds} rounds each, in turns; median)\n`,
  );
  const cost = await postgresWriteCost(
    (label, fn) => withDatabase(label, (db) => fn(db.url)),
    writeJobs,
    rounds,
  ).catch((err: unknown) => {
    console.error(`  … PostgreSQL skipped: ${err instanceof Error ? err.message : String(err)}`);
    return null;
  });
  if (cost) {
    const median = (runs: WriteRates[], key: keyof WriteRates) =>
      percentile(
        runs.map((r) => r[key]),
        50,
      );
    const costRows: (string | number)[][] = [
      ['jobs/s', 'with the index', 'without', 'with / without', 'runs with', 'runs without'],
    ];
    for (const [label, key] of [
      ['submit (batches of 100, 4 at once)', 'submit'],
      ['claim 100 + complete each', 'finish'],
    ] as const) {
      const a = median(cost.withIndex, key);
      const b = median(cost.withoutIndex, key);
      costRows.push([
        label,
        a,
        b,
        a / b,
        cost.withIndex.map((r) => fmt(r[key])).join(' '),
        cost.withoutIndex.map((r) => fmt(r[key])).join(' '),
      ]);
    }
    console.log(table(costRows));
  }
}

async function main(): Promise<void> {
  console.log(`cadre benchmark: node ${process.version}, ${availableParallelism()} cores`);
  if (want('engine')) await engineSection();
  if (want('priority')) await prioritySection();
  if (want('store')) await storeSection();
  if (want('recovery')) await recoverySection();
  if (want('http')) await httpSection();
  if (want('flows')) await flowsSection();
  if (want('fifo')) await fifoSection();
  if (want('list')) await listSection();
  if (want('index')) indexSection();
  if (want('observer')) await observerSection();
  if (want('search')) await searchSection();
  if (want('cluster')) await clusterSection({ threads, quick });
  if (want('compare')) await compareSection({ threads, quick, ceiling });
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
