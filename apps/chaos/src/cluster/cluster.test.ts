/**
 * Cluster mode with real node processes (`node apps/server/dist/main.js`) on
 * a real PostgreSQL: this file's own database, one fresh schema (one cluster)
 * per test, every node killed after each test. The nodes run
 * chaos-config/cluster.config.json (balance every 200 ms, lease 600 ms, a
 * node dead after 2 s of silence) and its `stamp` task, which logs every
 * execution and returns the node, process (epoch) and attempt that ran it.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Job, JobRequest } from '@cadre/client';
import { startThrowawayPostgres } from '@cadre/postgres';
import { createTestDatabase, type TestDatabase } from '@cadre/postgres/test-support';
import pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { readExecLog, type Execution } from '../exec-log.js';
import { listAll } from '../final-state.js';
import { chaosConfigPath } from '../server-process.js';
import { Cluster, type NodeSpec } from './cluster-nodes.js';
import { restartPostgres } from './test-support/restart-postgres.js';
import { steadyLoad } from './test-support/steady-load.js';

/** As in chaos-config/cluster.config.json. */
const INTERVAL_MS = 200;
const LEASE_MS = 600;
const NODE_TIMEOUT_MS = 2000;

interface Stamp {
  node: string;
  epoch: number;
  attempt: number;
}

let db: TestDatabase;
let cluster: Cluster | undefined;
let dir: string | undefined;
let execLog = '';

beforeAll(async () => {
  db = await createTestDatabase();
}, 30_000);
afterAll(async () => {
  await db?.drop();
});
afterEach(async () => {
  await cluster?.killAll();
  cluster = undefined;
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = undefined;
});

/** A cluster of `nodes` on a fresh schema of this file's database; started unless told not to. */
async function startCluster(
  nodes: readonly NodeSpec[],
  options: { databaseUrl?: string; form?: boolean; env?: Record<string, string> } = {},
): Promise<{ cluster: Cluster; schema: string }> {
  dir = mkdtempSync(join(tmpdir(), 'cadre-ctest-'));
  execLog = join(dir, 'executions.log');
  const schema = db.schemaName();
  cluster = new Cluster({
    database: { url: options.databaseUrl ?? db.url, schema },
    config: chaosConfigPath('cluster.config.json'),
    nodes,
    execLog,
    ...(options.env ? { env: options.env } : {}),
  });
  await cluster.start();
  if (options.form !== false) await cluster.formed();
  return { cluster, schema };
}

/** The long jobs of the failover test: still running when their node dies. */
const LONG_MS = 1200;
const isLong = (job: Job): boolean => (job.input as { ms?: unknown }).ms === LONG_MS;

const three: NodeSpec[] = [{ name: 'n1' }, { name: 'n2' }, { name: 'n3' }];

function stamp(ms: number, key: string): JobRequest {
  return { task: 'stamp', input: { ms }, key };
}

/** Polls any running node until every job of `ids` is finished; returns them by id. */
async function finished(
  c: Cluster,
  ids: readonly string[],
  timeoutMs = 30_000,
): Promise<Map<string, Job>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const node = c.runningNodes[0];
    if (node === undefined) throw new Error('no node runs');
    const jobs = new Map((await listAll(c.client(node.name))).map((j) => [j.id, j]));
    const open = ids.filter((id) => {
      const state = jobs.get(id)?.state;
      return state !== 'succeeded' && state !== 'failed' && state !== 'cancelled';
    });
    if (open.length === 0) return jobs;
    if (Date.now() > deadline) {
      const sample = open.slice(0, 5).map((id) => `${id}: ${jobs.get(id)?.state ?? 'missing'}`);
      throw new Error(`${open.length} jobs not finished within ${timeoutMs} ms, e.g. ${sample}`);
    }
    await sleep(200);
  }
}

/** Executions of the log started by epoch `epoch` that never returned ok there. */
function cutShort(executions: readonly Execution[], epoch: number): Execution[] {
  const ok = new Set(
    executions.filter((e) => e.ok && e.epoch === epoch).map((e) => `${e.jobId}/${e.attempt}`),
  );
  return executions.filter((e) => !e.ok && e.epoch === epoch && !ok.has(`${e.jobId}/${e.attempt}`));
}

/** The job's result is the one of its last attempt, on the node the job names, and it ran that often. */
function expectConsistent(job: Job, executions: readonly Execution[]): void {
  const result = job.result as unknown as Stamp | null;
  const label = `${job.id} (${JSON.stringify({ node: job.node, attempts: job.attempts, result })})`;
  expect(job.state, label).toBe('succeeded');
  expect(result?.attempt, label).toBe(job.attempts);
  expect(result?.node, label).toBe(job.node);
  const starts = executions.filter((e) => !e.ok && e.jobId === job.id).length;
  expect(starts, `executions of ${label}`).toBe(job.attempts);
}

async function until<T>(
  read: () => Promise<T>,
  done: (value: T) => boolean,
  timeoutMs: number,
  what: string,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    if (Date.now() > deadline) {
      throw new Error(`${what}: not within ${timeoutMs} ms; last ${JSON.stringify(value)}`);
    }
    await sleep(50);
  }
}

/** Waits until `via` sees the node `name` in `state`. */
async function untilState(
  c: Cluster,
  via: string,
  name: string,
  state: 'live' | 'dead',
): Promise<void> {
  await until(
    () => c.view(via),
    (view) => view.some((v) => v.name === name && v.state === state),
    NODE_TIMEOUT_MS + 13_000,
    `${name} ${state} as ${via} sees it`,
  );
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

describe('cluster mode, real node processes', () => {
  it('three nodes share the work: every node runs some', async () => {
    const { cluster: c } = await startCluster(three);
    const jobs = await c
      .client('n1')
      .submit(Array.from({ length: 60 }, (_, i) => stamp(150, `share-${i}`)));
    const done = await finished(
      c,
      jobs.map((j) => j.id),
    );
    const { executions } = readExecLog(execLog);
    const byNode = new Map<string, number>();
    for (const { id } of jobs) {
      const job = done.get(id)!;
      expectConsistent(job, executions);
      byNode.set(job.node!, (byNode.get(job.node!) ?? 0) + 1);
    }
    expect([...byNode.keys()].sort(), JSON.stringify([...byNode])).toEqual(['n1', 'n2', 'n3']);
  }, 60_000);

  it('work submitted to the leader runs on every node at once, not at the next balance', async () => {
    // A balance a minute: after the first, nothing is placed by a tick within the test.
    const minute = {
      CADRE_BALANCE_MS: '60000',
      CADRE_LEASE_MS: '180000',
      CADRE_NODE_TIMEOUT_MS: '360000',
    };
    const { cluster: c } = await startCluster(three, { env: minute });
    const leader = (await c.view('n1')).find((v) => v.leader)!.name;
    // The leader places the work as it arrives (its dispatcher starved), and
    // every node takes the slots it is given as they are published.
    const jobs = await c
      .client(leader)
      .submit(Array.from({ length: 60 }, (_, i) => stamp(150, `placed-${i}`)));
    const done = await finished(
      c,
      jobs.map((j) => j.id),
    );
    const ran = new Set(jobs.map((j) => done.get(j.id)!.node));
    expect([...ran].sort()).toEqual(['n1', 'n2', 'n3']);
  }, 60_000);

  it('kill -9 of the leader under load: nothing acknowledged is lost, another node leads within the lease, its jobs run again once it is declared dead', async () => {
    const { cluster: c } = await startCluster(three);
    const leader = (await c.leader())!;
    const victim = c.node(leader);
    const load = steadyLoad({
      targets: () => c.runningNodes.map((n) => c.client(n.name)),
      // A long job in four: the leader is soon running one.
      request: (n) => ({ task: 'stamp', input: { ms: n % 4 === 0 ? LONG_MS : 100 } }),
      rate: 10,
      keyPrefix: 'failover',
    });
    try {
      await until(
        async () => {
          const long = new Set(load.acknowledged.filter((j) => isLong(j)).map((j) => j.id));
          return cutShort(readExecLog(execLog).executions, victim.epoch).filter((e) =>
            long.has(e.jobId),
          ).length;
        },
        (running) => running >= 1,
        15_000,
        `the leader ${leader} running a long job`,
      );
      const killedAt = Date.now();
      const t0 = performance.now();
      await c.kill(leader);

      // The dead leader's lease runs out at most LEASE_MS after the kill; a
      // survivor tries to take it every interval; one interval more of slack
      // for timers on a loaded machine. `lastMiss` is when the last request
      // that still saw no new leader was sent: the takeover came after it.
      const survivor = c.runningNodes[0]!.name;
      let lastMiss = 0;
      let newLeader: string | undefined;
      while (newLeader === undefined) {
        const sent = performance.now() - t0;
        const view = await c.view(survivor);
        newLeader = view.find((v) => v.leader && v.state === 'live' && v.name !== leader)?.name;
        if (newLeader !== undefined) break;
        lastMiss = sent;
        if (sent > 15_000)
          throw new Error(`no new leader 15 s after the kill: ${JSON.stringify(view)}`);
        await sleep(10);
      }
      expect(
        lastMiss,
        `${newLeader} leads; last seen without a leader at ${lastMiss} ms`,
      ).toBeLessThanOrEqual(LEASE_MS + 2 * INTERVAL_MS);

      await until(
        () => c.view(survivor),
        (view) => view.some((v) => v.name === leader && v.state === 'dead'),
        NODE_TIMEOUT_MS + 10_000,
        `${leader} declared dead`,
      );
      await sleep(1000);
      const acknowledged = await load.stop();
      const done = await finished(
        c,
        acknowledged.map((j) => j.id),
      );
      const { executions } = readExecLog(execLog);
      for (const { id } of acknowledged) expectConsistent(done.get(id)!, executions);

      const interrupted = cutShort(executions, victim.epoch);
      expect(interrupted.length).toBeGreaterThan(0);
      for (const e of interrupted) {
        const job = done.get(e.jobId)!;
        const label = `${job.id}: ${JSON.stringify(job)}`;
        expect(job.attempts, label).toBeGreaterThan(e.attempt);
        expect(job.lastError?.kind, label).toBe('lost');
        expect(job.node, label).not.toBe(leader);
        // Declared dead after NODE_TIMEOUT_MS of silence; its last heartbeat was at most a lease before the kill.
        expect(Date.parse(job.startedAt!) - killedAt, label).toBeGreaterThanOrEqual(
          NODE_TIMEOUT_MS - LEASE_MS,
        );
      }
      expect(c.runningNodes.map((n) => n.name).sort()).toEqual(
        three.map((n) => n.name).filter((n) => n !== leader),
      );
    } finally {
      await load.stop().catch(() => undefined);
    }
  }, 90_000);

  it('a node stalled beyond nodeTimeoutMs cannot complete the jobs run again meanwhile, and rejoins', async () => {
    const { cluster: c } = await startCluster(three);
    const leader = await c.leader();
    const stalled = c.nodes.find((n) => n.name !== leader)!;
    // Six threads, six jobs: each node gets some. They end while `stalled`
    // is stopped, so its completions go out the moment it resumes, while the
    // runs that replaced them are still going.
    const jobs = await c
      .client(leader!)
      .submit(Array.from({ length: 6 }, (_, i) => stamp(2500, `stall-${i}`)));
    // Stopped only once every job it holds has started there: an attempt it
    // claimed but had not begun when stopped is counted (at the claim) with
    // no execution, which this test would take for a stale one.
    const ids = new Set(jobs.map((j) => j.id));
    await until(
      async () => {
        const ours = (await listAll(c.client(leader!))).filter((j) => ids.has(j.id));
        const started = new Set(
          cutShort(readExecLog(execLog).executions, stalled.epoch).map((e) => e.jobId),
        );
        const held = ours.filter((j) => j.state === 'running' && j.node === stalled.name);
        return {
          queued: ours.filter((j) => j.state === 'queued').length,
          held: held.length,
          notStarted: held.filter((j) => !started.has(j.id)).length,
        };
      },
      (s) => s.queued === 0 && s.held >= 1 && s.notStarted === 0,
      15_000,
      `${stalled.name} running the jobs it holds, none left queued`,
    );
    c.pause(stalled.name);
    await sleep(NODE_TIMEOUT_MS + 1500);
    // The leader has declared it dead by now, unless this machine is slow:
    // it stays stopped until then.
    const survivor = leader!;
    await untilState(c, survivor, stalled.name, 'dead');
    const stale = cutShort(readExecLog(execLog).executions, stalled.epoch);
    c.resume(stalled.name);

    await untilState(c, survivor, stalled.name, 'live');
    // Back in the cluster: it takes its share of new work.
    const more = await c
      .client(survivor)
      .submit(Array.from({ length: 60 }, (_, i) => stamp(150, `rejoin-${i}`)));
    const all = [...jobs, ...more].map((j) => j.id);
    const done = await finished(c, all);
    const { executions } = readExecLog(execLog);
    for (const id of all) expectConsistent(done.get(id)!, executions);

    expect(stale.length).toBeGreaterThan(0);
    // Their sleeps ended during the stall: once resumed, the stalled node
    // had outcomes for attempts the cluster had already given to others.
    const staleOk = executions.filter(
      (e) => e.ok && e.epoch === stalled.epoch && stale.some((s) => s.jobId === e.jobId),
    );
    expect(staleOk.length).toBeGreaterThan(0);
    for (const e of stale) {
      const job = done.get(e.jobId)!;
      const label = JSON.stringify(job);
      expect((job.result as unknown as Stamp).epoch, label).not.toBe(stalled.epoch);
      expect(job.attempts, label).toBe(e.attempt + 1);
      expect(job.lastError?.kind, label).toBe('lost');
    }
    expect(more.some((j) => done.get(j.id)!.node === stalled.name)).toBe(true);
    expect(c.running(stalled.name)).toBe(true);
  }, 90_000);

  it('a node stopped in the middle of a transaction is still declared dead: PostgreSQL ends its session, and its locks with it', async () => {
    // `render` jobs run on gpu-1 alone: the job's row is the one its completion writes.
    const { cluster: c, schema } = await startCluster([
      { name: 'n1' },
      { name: 'n2' },
      { name: 'gpu-1', tags: ['gpu'], workers: 1 },
    ]);
    const frozen = 'gpu-1';
    const job = await c.client('n1').submit({ task: 'render', input: { ms: 1500 }, key: 'held' });
    await until(
      async () => readExecLog(execLog).executions.filter((e) => e.jobId === job.id).length,
      (starts) => starts > 0,
      15_000,
      `${frozen} running ${job.id}`,
    );
    const admin = new pg.Client({ connectionString: db.url });
    // pg_stat_activity is read outside `admin`'s transaction, which would see it as of its start.
    const watch = new pg.Client({ connectionString: db.url });
    await Promise.all([admin.connect(), watch.connect()]);
    try {
      // Hold the job's row, so that the node's completion waits inside its
      // transaction; stop the node; let the completion's statement through.
      // The node's transaction now holds the row, idle, and nothing of the
      // node's will end it: as if the node froze between two statements.
      await admin.query('BEGIN');
      await admin.query(
        `SELECT 1 FROM ${pg.escapeIdentifier(schema)}.jobs WHERE id = $1 FOR UPDATE`,
        [job.id],
      );
      const sessions = (state: string, waiting: boolean) =>
        watch.query<{ n: number }>(
          `SELECT count(*)::int AS n FROM pg_stat_activity
           WHERE application_name = $1 AND state = $2 AND (wait_event_type = 'Lock') = $3`,
          [`cadre ${frozen}`, state, waiting],
        );
      await until(
        () => sessions('active', true),
        (r) => r.rows[0]!.n > 0,
        10_000,
        `the completion of ${job.id} waiting for its row`,
      );
      c.pause(frozen);
      await admin.query('COMMIT');
      await until(
        () => sessions('idle in transaction', false),
        (r) => r.rows[0]!.n > 0,
        5_000,
        `${frozen}'s transaction holding the row`,
      );
      // The reap locks the running jobs of the node it declares dead: it gets
      // this one once PostgreSQL has ended the session.
      await untilState(c, 'n1', frozen, 'dead');
      expect((await sessions('idle in transaction', false)).rows[0]!.n).toBe(0);
    } finally {
      await Promise.all([admin.end(), watch.end()]);
    }
    c.resume(frozen);
    await untilState(c, 'n1', frozen, 'live');
    // Its completion was rolled back with the session: the job ran again, once more, there.
    const done = (await finished(c, [job.id])).get(job.id)!;
    expectConsistent(done, readExecLog(execLog).executions);
    expect([done.state, done.attempts, done.lastError?.kind]).toEqual(['succeeded', 2, 'lost']);
    expect(c.running(frozen)).toBe(true);
  }, 60_000);

  it('PostgreSQL restarts under load: the nodes reconnect by themselves, nothing acknowledged is lost, no node exits', async () => {
    // A server of this test's own: restarting the shared one would cut every other test.
    const server = await startThrowawayPostgres();
    try {
      const { cluster: c } = await startCluster(three, { databaseUrl: server.url });
      const load = steadyLoad({
        targets: () => c.runningNodes.map((n) => c.client(n.name)),
        request: () => ({ task: 'stamp', input: { ms: 100 } }),
        rate: 20,
        keyPrefix: 'restart',
      });
      try {
        await until(
          async () => load.acknowledged.length,
          (n) => n >= 20,
          15_000,
          'load running',
        );
        await restartPostgres(server.url);
        const after = load.acknowledged.length;
        await until(
          async () => load.acknowledged.length,
          (n) => n >= after + 40,
          30_000,
          'jobs acknowledged after the restart',
        );
        const acknowledged = await load.stop();
        const done = await finished(
          c,
          acknowledged.map((j) => j.id),
          60_000,
        );
        const { executions } = readExecLog(execLog);
        for (const { id } of acknowledged) expectConsistent(done.get(id)!, executions);
        // The restart was felt, as the API promises: 503 with Retry-After, nothing else.
        expect([...load.failures.keys()]).toEqual(['503 ERR_STORE_UNAVAILABLE with Retry-After']);
        expect(c.runningNodes.map((n) => n.name)).toEqual(three.map((n) => n.name));
        await c.formed();
      } finally {
        await load.stop().catch(() => undefined);
        await c.killAll();
      }
    } finally {
      await server.stop();
    }
  }, 120_000);

  it('a category with tags runs only on the nodes that offer them', async () => {
    const { cluster: c } = await startCluster([
      { name: 'gpu-1', tags: ['gpu'], workers: 1 },
      { name: 'n2' },
      { name: 'n3' },
    ]);
    const requests = [
      ...Array.from({ length: 10 }, (_, i): JobRequest => ({
        task: 'render',
        input: { ms: 50 },
        key: `render-${i}`,
      })),
      ...Array.from({ length: 30 }, (_, i) => stamp(100, `plain-${i}`)),
    ];
    const jobs = await c.client('n2').submit(requests);
    const done = await finished(
      c,
      jobs.map((j) => j.id),
    );
    const { executions } = readExecLog(execLog);
    for (const { id } of jobs) expectConsistent(done.get(id)!, executions);
    const rendered = jobs.filter((j) => j.task === 'render').map((j) => done.get(j.id)!.node);
    expect(new Set(rendered)).toEqual(new Set(['gpu-1']));
    for (const view of await c.view('n3')) {
      if (view.name !== 'gpu-1') expect(view.allocation.gpu ?? 0, view.name).toBe(0);
    }
  }, 60_000);

  it('three nodes starting at once on a fresh schema migrate it once, and all join', async () => {
    const { cluster: c, schema } = await startCluster(three);
    const client = new pg.Client({ connectionString: db.url });
    await client.connect();
    try {
      const { rows } = await client.query<{ version: number; times: number }>(
        `SELECT version, count(*)::int AS times FROM ${pg.escapeIdentifier(schema)}.migrations
         GROUP BY version ORDER BY version`,
      );
      expect(rows.length).toBeGreaterThan(0);
      expect(rows).toEqual(rows.map((_, i) => ({ version: i + 1, times: 1 })));
    } finally {
      await client.end();
    }
    const view = await c.view('n2');
    expect(view.map((v) => [v.name, v.state])).toEqual(three.map((n) => [n.name, 'live']));
    expect(c.runningNodes).toHaveLength(3);
  }, 60_000);
});
