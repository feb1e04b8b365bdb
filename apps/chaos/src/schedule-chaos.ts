/**
 * Schedules under kill -9 (issue 13): a schedule every `everyMs` with
 * catchUp 'all' runs while its server (local mode) or the cluster's leader
 * (PostgreSQL) is killed with SIGKILL again and again, and started again.
 * Afterwards every tick between the first and the last must have made
 * exactly one job: its key `schedule:<name>:<tick ISO>` once, no tick
 * missing (catchUp 'all' runs the ticks missed while nothing ran them), no
 * job of the schedule off the period, and the schedule's last run the last
 * tick.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Job } from '@cadre/client';
import { Cluster, type ClusterDatabase, type NodeSpec } from './cluster/cluster-nodes.js';
import { listAll } from './final-state.js';
import { createRng } from './rng.js';
import { chaosConfigPath } from './server-process.js';

export interface ScheduleChaosOptions {
  /** `null`: one server in local mode; else three nodes on this database. */
  database: ClusterDatabase | null;
  /** kill -9 rounds. @defaultValue 6 */
  rounds?: number;
  /** @defaultValue 1 */
  seed?: number;
  /** The schedule's period. @defaultValue 200 */
  everyMs?: number;
  /** How long a process lives before its kill, ms. @defaultValue [400, 1500] */
  upMs?: readonly [number, number];
  /** How long it stays down before it starts again, ms. @defaultValue [0, 600] */
  downMs?: readonly [number, number];
  /** Progress lines. @defaultValue none */
  log?: (line: string) => void;
}

export interface ScheduleChaosReport {
  rounds: number;
  /** Kills of the leader (in local mode, of the one server). */
  leaderKills: number;
  /** Ticks that made a job. */
  ticks: number;
  firstTick: string | null;
  lastTick: string | null;
  /** Keys held by more than one job. */
  duplicates: string[];
  /** Ticks between the first and the last without a job. */
  missing: string[];
  /** Jobs of the schedule whose key is not a tick of its period. */
  strays: string[];
  problems: string[];
  ok: boolean;
}

const SCHEDULE = 'chaos-tick';

export async function runScheduleChaos(
  options: ScheduleChaosOptions,
): Promise<ScheduleChaosReport> {
  const rounds = options.rounds ?? 6;
  const everyMs = options.everyMs ?? 200;
  const [upMin, upMax] = options.upMs ?? [400, 1500];
  const [downMin, downMax] = options.downMs ?? [0, 600];
  const log = options.log ?? (() => undefined);
  const rng = createRng(options.seed ?? 1);
  const dir = mkdtempSync(join(tmpdir(), 'cadre-schedule-chaos-'));
  const config = join(dir, 'cadre.config.json');
  writeFileSync(
    config,
    JSON.stringify({
      balanceIntervalMs: 100,
      cluster: { leaseMs: 400, nodeTimeoutMs: 1500 },
      categories: [{ name: 'default' }],
      tasks: [{ name: 'echo', module: chaosConfigPath('tasks/echo.js') }],
      schedules: [{ name: SCHEDULE, everyMs, catchUp: 'all', job: { task: 'echo' } }],
      retention: { maxAgeMs: 86_400_000, maxCount: 10_000_000 },
    }),
  );
  const nodes: NodeSpec[] =
    options.database === null ? [{ name: 'local' }] : ['a', 'b', 'c'].map((name) => ({ name }));
  const cluster = new Cluster({ database: options.database, config, nodes, log });
  const problems: string[] = [];
  let leaderKills = 0;
  let jobs: Job[] = [];
  let lastRunAt: string | null = null;
  try {
    await cluster.start();
    if (options.database !== null) await cluster.formed();
    for (let round = 0; round < rounds; round++) {
      await sleep(rng.int(upMin, upMax));
      const leader = (await cluster.leader()) ?? nodes[0]!.name;
      const victim = options.database === null ? 'local' : leader;
      if (victim === leader) leaderKills++;
      log(`round ${round + 1}: kill -9 ${victim}${victim === leader ? ' (the leader)' : ''}`);
      await cluster.kill(victim);
      await sleep(rng.int(downMin, downMax));
      // A killed node's name is held until the node timeout (1.5 s) declares it dead.
      await cluster.restartWhenFree(victim, 10, 300);
    }
    // Let the last start catch up, then stop the ticks before reading them.
    await sleep(1000);
    const client = cluster.client(cluster.runningNodes[0]!.name);
    await client.pauseSchedule(SCHEDULE, true);
    jobs = (await listAll(client)).filter((j) => j.schedule === SCHEDULE);
    lastRunAt = (await client.schedule(SCHEDULE)).lastRunAt;
  } catch (err) {
    problems.push(err instanceof Error ? err.message : String(err));
  } finally {
    await cluster.killAll();
    rmSync(dir, { recursive: true, force: true });
  }

  const prefix = `schedule:${SCHEDULE}:`;
  const byKey = new Map<string, number>();
  const strays: string[] = [];
  const ticks = new Set<number>();
  for (const job of jobs) {
    const key = job.key ?? '';
    byKey.set(key, (byKey.get(key) ?? 0) + 1);
    const tick = key.startsWith(prefix) ? Date.parse(key.slice(prefix.length)) : NaN;
    if (!Number.isFinite(tick) || tick % everyMs !== 0) strays.push(`${job.id} (${key})`);
    else ticks.add(tick);
  }
  const duplicates = [...byKey].filter(([, n]) => n > 1).map(([key]) => key);
  const sorted = [...ticks].sort((a, b) => a - b);
  const missing: string[] = [];
  const first = sorted[0];
  const last = sorted.at(-1);
  if (first !== undefined && last !== undefined) {
    for (let t = first; t <= last; t += everyMs) {
      if (!ticks.has(t)) missing.push(iso(t));
    }
  }
  if (sorted.length === 0 && problems.length === 0) problems.push('the schedule made no job');
  if (last !== undefined && lastRunAt !== iso(last)) {
    problems.push(`the schedule's last run is ${lastRunAt}, its last job's tick ${iso(last)}`);
  }
  return {
    rounds,
    leaderKills,
    ticks: sorted.length,
    firstTick: first === undefined ? null : iso(first),
    lastTick: last === undefined ? null : iso(last),
    duplicates,
    missing,
    strays,
    problems,
    ok:
      problems.length === 0 &&
      duplicates.length === 0 &&
      missing.length === 0 &&
      strays.length === 0,
  };
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
