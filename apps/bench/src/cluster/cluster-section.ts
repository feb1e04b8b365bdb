/**
 * `npm run bench -- cluster`: cadre on PostgreSQL against its peers on the
 * same server, in one run, each measurement on a fresh database:
 *
 * 1. graphile-worker, pg-boss and one cadre node processing the same number
 *    of no-op jobs, each at its best (the best of three settings, each on a
 *    fresh database, the systems taking turns); cadre twice: keeping every
 *    finished job (its default), and keeping none, as graphile-worker, which
 *    deletes a job as it completes;
 * 2. one cadre node over HTTP, local backend against PostgreSQL: echo
 *    throughput, and submit→start latency at half that rate;
 * 3. 50 ms `sleep` jobs on 1, 2 and 3 nodes of one database;
 * 4. failover: kill -9 the leader of 3 busy nodes.
 *
 * A measurement that cannot run is printed as such, with its reason, and
 * makes the run exit 1; nothing is skipped silently.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { attempts, best, cell, ratio, type Cell } from '../cells.js';
import { CHECKED_INPUT } from '../engine-bench.js';
import { fmt, table } from '../table.js';
import { writeClusterConfig } from './cluster-config.js';
import { withNodes, type NodeBackend } from './cluster-nodes.js';
import { serverVersion, withDatabase } from './databases.js';
import { measureFailover, type FailoverResult } from './failover.js';
import { graphileWorkerRate, type GraphileVariant } from './graphile-worker-rate.js';
import {
  processingRate,
  spreadRate,
  startLatency,
  submitSpread,
  type BenchJob,
} from './node-load.js';
import { pgBossRate, type PgBossVariant } from './pg-boss-rate.js';

export interface ClusterSectionOptions {
  /** Worker threads of the node in the one-node (echo) runs. */
  threads: number;
  /** Small sizes, for a check that everything runs. */
  quick: boolean;
}

/** The short settings of every node: a failover should take one lease plus one balance. */
const BALANCE_MS = 250;
const LEASE_MS = 750;
const SLEEP_MS = 50;

const ECHO: BenchJob = { task: 'echo', input: CHECKED_INPUT };
/** What the peers are given: a no-op with an empty payload. */
const NOOP: BenchJob = { task: 'echo', input: {} };
const SLEEP: BenchJob = { task: 'sleep', input: { ms: SLEEP_MS } };

export async function clusterSection(options: ClusterSectionOptions): Promise<void> {
  const { threads, quick } = options;
  const cores = availableParallelism();
  const envInt = (name: string, full: number, small: number) =>
    Number(process.env[name] ?? (quick ? small : full));
  const echoJobs = envInt('BENCH_CLUSTER_JOBS', 20_000, 3000);
  const peerJobs = envInt('BENCH_PEER_JOBS', 50_000, 5000);
  const nodeWorkers = envInt('BENCH_CLUSTER_WORKERS', 4, 4);
  const latencySeconds = quick ? 2 : 5;
  // Each scaling run lasts about this long at the ideal rate, whatever the node count.
  const sleepSeconds = quick ? 2 : 8;
  const idealPerNode = nodeWorkers * (1000 / SLEEP_MS);

  const { failures, attempt } = attempts();

  const version = await serverVersion();
  console.log(
    `\n## Cluster mode on PostgreSQL ${version}, against its peers (a fresh database per measurement${quick ? '; quick sizes' : ''})\n`,
  );
  const dir = await mkdtemp(join(tmpdir(), 'cadre-bench-cluster-'));
  const configFile = join(dir, 'cadre.config.json');
  // The peers' comparison runs cadre with its defaults (a balance every second).
  const defaultsFile = join(dir, 'cadre.defaults.json');
  // And with the retention of graphile-worker's semantics: no finished job kept.
  const keepNoneFile = join(dir, 'cadre.keep-none.json');
  try {
    await writeClusterConfig(configFile, { balanceIntervalMs: BALANCE_MS });
    await writeClusterConfig(defaultsFile);
    await writeClusterConfig(keepNoneFile, { keepFinished: false });

    // 1. Peers.
    console.log(
      `### Peers processing ${peerJobs.toLocaleString('en-US')} no-op jobs, enqueued in bulk first, ` +
        `timed from the worker's start until all are done; cadre the same: one node with its default settings, the jobs ` +
        `submitted over HTTP while paused, timed from the resume until none is queued or running; ` +
        `then again with a retention of 0 (no finished job kept, as graphile-worker deletes a completed job)\n`,
    );
    const graphileVariants: GraphileVariant[] = [
      { concurrentJobs: 2 * cores, localQueueSize: 500, batchDelayMs: 0 },
      { concurrentJobs: 2 * cores, localQueueSize: 500, batchDelayMs: 250 },
      { concurrentJobs: 24, localQueueSize: 500, batchDelayMs: 0 },
    ];
    const pgBossVariants: PgBossVariant[] = [
      { batchSize: 100, localConcurrency: 2 * cores },
      { batchSize: 1000, localConcurrency: 2 },
      { batchSize: 1000, localConcurrency: 2 * cores },
    ];
    const peerRows: (string | number)[][] = [['peer and settings', 'jobs/s', '']];
    // cadre's settings: worker threads (the node's main thread claims, completes and serves HTTP).
    const cadreVariants = [...new Set([1, 2, 2 * cores])];
    const cadreRun = (what: string, configFile: string, workers: number) =>
      attempt(`cadre no-op ${what}, ${workers} worker threads`, () =>
        withDatabase('noop', (db) =>
          withNodes(
            { backend: { kind: 'postgres', url: db.url }, count: 1, workers, configFile },
            ([node]) => processingRate([node!.client], peerJobs, NOOP),
          ),
        ),
      );
    // In rounds, each system's i-th setting in turn: a machine that slows down
    // or speeds up for a while then weighs on all of them alike.
    const graphile: Cell[] = [];
    const pgBoss: Cell[] = [];
    const cadre: Cell[] = [];
    const cadreKeepNone: Cell[] = [];
    const rounds = Math.max(graphileVariants.length, pgBossVariants.length, cadreVariants.length);
    for (let i = 0; i < rounds; i++) {
      const g = graphileVariants[i];
      if (g) {
        graphile.push(
          await attempt(`graphile-worker ${JSON.stringify(g)}`, () =>
            withDatabase('graphile', (db) => graphileWorkerRate(db.url, peerJobs, g)),
          ),
        );
      }
      const b = pgBossVariants[i];
      if (b) {
        pgBoss.push(
          await attempt(`pg-boss ${JSON.stringify(b)}`, () =>
            withDatabase('pgboss', (db) => pgBossRate(db.url, peerJobs, b)),
          ),
        );
      }
      const workers = cadreVariants[i];
      if (workers !== undefined) {
        cadre.push(await cadreRun('keeping finished jobs', defaultsFile, workers));
        cadreKeepNone.push(await cadreRun('keeping none', keepNoneFile, workers));
      }
    }
    const graphileBest = best(graphile);
    const pgBossBest = best(pgBoss);
    const cadreBest = best(cadre);
    const cadreKeepNoneBest = best(cadreKeepNone);
    graphileVariants.forEach((v, i) =>
      peerRows.push([
        `graphile-worker: concurrentJobs ${v.concurrentJobs}, localQueue.size ${v.localQueueSize}, ` +
          `complete/failJobBatchDelay ${v.batchDelayMs} ms, useNodeTime`,
        cell(graphile[i]!),
        graphile[i] === graphileBest && graphileBest !== null ? '← best' : '',
      ]),
    );
    pgBossVariants.forEach((v, i) =>
      peerRows.push([
        `pg-boss: batchSize ${v.batchSize}, localConcurrency ${v.localConcurrency}, ` +
          `pollingIntervalSeconds 0.5, burstWhenBatchFull`,
        cell(pgBoss[i]!),
        pgBoss[i] === pgBossBest && pgBossBest !== null ? '← best' : '',
      ]),
    );
    const cadreRows = (what: string, cells: Cell[], top: Cell) =>
      cadreVariants.forEach((workers, i) =>
        peerRows.push([
          `cadre, one node on PostgreSQL, ${what}: ${workers} worker thread${workers === 1 ? '' : 's'}`,
          cell(cells[i]!),
          cells[i] === top && top !== null ? '← best' : '',
        ]),
      );
    cadreRows('default settings (finished jobs kept)', cadre, cadreBest);
    cadreRows('retention 0 (none kept)', cadreKeepNone, cadreKeepNoneBest);
    console.log(`${table(peerRows)}\n`);

    // 2. One node, local backend against PostgreSQL.
    console.log(
      `### One cadre node over HTTP (${threads} worker threads): echo, ` +
        `${echoJobs.toLocaleString('en-US')} jobs, 4 clients × batches of 1,000, best of 2; ` +
        `then submit→start (createdAt → startedAt) at half that rate for ${latencySeconds} s; ` +
        `then processing alone: the same number submitted while paused, timed from the resume\n`,
    );
    const oneNode = async (backend: NodeBackend) =>
      withNodes({ backend, count: 1, workers: threads, configFile }, async ([node]) => {
        const clients = [node!.client];
        await spreadRate(clients, Math.min(2000, echoJobs), ECHO);
        let rate = 0;
        for (let round = 0; round < 2; round++) {
          rate = Math.max(rate, await spreadRate(clients, echoJobs, ECHO));
        }
        const lat = await startLatency(clients, rate / 2, latencySeconds, {
          task: 'echo',
          input: null,
        });
        const processing = await processingRate(clients, echoJobs, ECHO);
        return { rate, processing, ...lat };
      });
    const local = await attempt('cadre, one node, local backend', () => oneNode({ kind: 'local' }));
    const onPg = await attempt('cadre, one node, PostgreSQL', () =>
      withDatabase('node', (db) => oneNode({ kind: 'postgres', url: db.url })),
    );

    // 3. Scaling with I/O-bound jobs.
    console.log(
      `### ${SLEEP_MS} ms sleep jobs on 1, 2 and 3 nodes of one database ` +
        `(${nodeWorkers} worker threads each, ${Math.round(idealPerNode * sleepSeconds)} jobs per node)\n`,
    );
    const scaling: Cell[] = [];
    for (const count of [1, 2, 3]) {
      scaling.push(
        await attempt(`cadre, ${count} node(s) on PostgreSQL, sleep`, () =>
          withDatabase(`scale${count}`, (db) =>
            withNodes(
              {
                backend: { kind: 'postgres', url: db.url },
                count,
                workers: nodeWorkers,
                configFile,
              },
              async (nodes) => {
                const clients = nodes.map((n) => n.client);
                await spreadRate(clients, count * nodeWorkers * 2, SLEEP);
                return spreadRate(clients, Math.round(count * idealPerNode * sleepSeconds), SLEEP);
              },
            ),
          ),
        ),
      );
    }

    // 4. Failover.
    console.log(
      `### Failover: kill -9 the leader of 3 busy nodes (balanceIntervalMs ${BALANCE_MS} in the config, ` +
        `CADRE_LEASE_MS=${LEASE_MS}); read GET /api/nodes on a survivor every 10 ms\n`,
    );
    const failover: FailoverResult | null = await attempt('cadre failover on PostgreSQL', () =>
      withDatabase('failover', (db) =>
        withNodes(
          {
            backend: { kind: 'postgres', url: db.url },
            count: 3,
            workers: nodeWorkers,
            configFile,
            env: { CADRE_LEASE_MS: String(LEASE_MS) },
          },
          async (nodes) => {
            // Work for about 30 s, longer than the failover may take.
            await submitSpread(
              nodes.map((n) => n.client),
              Math.round(3 * idealPerNode * 30),
              SLEEP,
            );
            return measureFailover(nodes, 20 * (LEASE_MS + BALANCE_MS));
          },
        ),
      ),
    );

    // The figures, and ratios within this run.
    const target = LEASE_MS + BALANCE_MS;
    const [one, two, three] = scaling;
    const rows: (string | number)[][] = [['measure', 'local backend', 'PostgreSQL', 'target']];
    rows.push([
      `graphile-worker no-op, best of ${graphile.length}, jobs/s`,
      '',
      cell(graphileBest),
      '',
    ]);
    rows.push([`pg-boss no-op, best of ${pgBoss.length}, jobs/s`, '', cell(pgBossBest), '']);
    rows.push([`cadre no-op, best of ${cadre.length}, jobs/s`, '', cell(cadreBest), '']);
    rows.push([
      `cadre no-op keeping none, best of ${cadreKeepNone.length}, jobs/s`,
      '',
      cell(cadreKeepNoneBest),
      '',
    ]);
    // Like for like: graphile-worker deletes a job as it completes; pg-boss keeps it.
    rows.push([
      'cadre no-op keeping none / graphile-worker no-op',
      '',
      cell(ratio(cadreKeepNoneBest, graphileBest)),
      '≥ 1',
    ]);
    rows.push([
      'cadre no-op / graphile-worker no-op',
      '',
      cell(ratio(cadreBest, graphileBest)),
      '',
    ]);
    rows.push(['cadre no-op / pg-boss no-op', '', cell(ratio(cadreBest, pgBossBest)), '']);
    rows.push(['cadre echo over HTTP, one node, jobs/s', cell(local?.rate), cell(onPg?.rate), '']);
    rows.push(['cadre PostgreSQL / local backend', '', cell(ratio(onPg?.rate, local?.rate)), '']);
    rows.push([
      'cadre echo processing alone (enqueued first), jobs/s',
      cell(local?.processing),
      cell(onPg?.processing),
      '',
    ]);
    rows.push([
      'cadre echo processing alone / graphile-worker no-op',
      cell(ratio(local?.processing, graphileBest)),
      cell(ratio(onPg?.processing, graphileBest)),
      '',
    ]);
    rows.push([
      'cadre echo processing alone / pg-boss no-op',
      cell(ratio(local?.processing, pgBossBest)),
      cell(ratio(onPg?.processing, pgBossBest)),
      '',
    ]);
    rows.push([
      'cadre echo / graphile-worker no-op',
      cell(ratio(local?.rate, graphileBest)),
      cell(ratio(onPg?.rate, graphileBest)),
      '',
    ]);
    rows.push([
      'cadre echo / pg-boss no-op',
      cell(ratio(local?.rate, pgBossBest)),
      cell(ratio(onPg?.rate, pgBossBest)),
      '',
    ]);
    rows.push(['submit→start p50 at half load, ms', cell(local?.p50), cell(onPg?.p50), '']);
    rows.push(['submit→start p99 at half load, ms', cell(local?.p99), cell(onPg?.p99), '']);
    scaling.forEach((rate, i) =>
      rows.push([
        `sleep ${SLEEP_MS} ms, ${i + 1} node(s), jobs/s (ideal ${fmt((i + 1) * idealPerNode)})`,
        '',
        cell(rate),
        '',
      ]),
    );
    rows.push(['sleep, 2 nodes / 1 node', '', cell(ratio(two, one)), '']);
    rows.push(['sleep, 3 nodes / 1 node', '', cell(ratio(three, one)), '≥ 2.7']);
    rows.push(['sleep, 3 nodes / ideal', '', cell(ratio(three, 3 * idealPerNode)), '']);
    // A failover that ran but was not seen within the limit is not the same as one that could not run.
    const seen = (ms: number | null | undefined) =>
      failover && ms === null ? 'not seen' : cell(ms);
    rows.push(['failover: a survivor leads, ms after kill -9', '', seen(failover?.leaderMs), '']);
    rows.push([
      'failover: a new placement published, ms after kill -9',
      '',
      seen(failover?.allocationMs),
      `≤ ${fmt(target)} (lease + balance)`,
    ]);
    rows.push([
      'failover / (lease + balance interval)',
      '',
      seen(ratio(failover?.allocationMs, target)),
      '≤ 1',
    ]);
    console.log(`${table(rows)}\n`);
    if (failover && failover.allocationMs === null) {
      console.log(
        `failover: ${failover.leaderMs === null ? 'no new leader' : 'no new placement'} seen within ` +
          `${fmt((20 * target) / 1000)} s of killing ${failover.killed}`,
      );
    }
    if (failures.length > 0) {
      console.log(`${failures.length} measurement(s) could not run:`);
      for (const f of failures) console.log(`  - ${f}`);
      process.exitCode = 1;
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
