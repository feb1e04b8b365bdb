/**
 * The chaos run of cluster mode: three nodes on one PostgreSQL database take
 * load through all of their APIs; every round, one of them (the leader in
 * about a third of the rounds) gets kill -9, stays down until its name is
 * free again (nodeTimeoutMs after its last heartbeat), and is started again
 * under the same name. At the end every node is up, the cluster drains, and
 * the checker of the single-server run (check-invariants.ts) judges what the
 * clients were told, what the cluster holds (read through one node: each
 * answers for all) and what the tasks logged, epochs being node processes.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkInvariants, type ChaosVerdict } from './check-invariants.js';
import { Cluster } from './cluster/cluster-nodes.js';
import { readExecLog } from './exec-log.js';
import { drain, readFinalState } from './final-state.js';
import { createLedger, driveLoad, type Ledger } from './load-driver.js';
import { createRng, type Rng } from './rng.js';
import type { ChaosReport } from './run-chaos.js';
import { chaosConfigPath, stopWithin } from './server-process.js';

export interface ClusterChaosOptions {
  /** The database the nodes share; the run creates its schema there. */
  databaseUrl: string;
  /** CADRE_DATABASE_SCHEMA. @defaultValue 'cadre' */
  schema?: string;
  /** @defaultValue 3 */
  nodes?: number;
  /** Kill rounds. @defaultValue 20 */
  rounds?: number;
  /** @defaultValue 1 */
  seed?: number;
  /** No round starts after this many seconds; the final drain is bounded apart. @defaultValue 150 */
  maxSeconds?: number;
  /** How long the cluster runs whole between one node's return and the next kill, ms. @defaultValue [500, 3000] */
  upMs?: readonly [number, number];
  /** Share of the rounds that kill the leader; the others kill another node. @defaultValue 1/3 */
  leaderShare?: number;
  /** Submission loops per node. @defaultValue 1 */
  concurrency?: number;
  /** @defaultValue 12 */
  maxBatch?: number;
  /** Share of the requests that are a flow (a chain, or a group with a chord); 0 for none. @defaultValue 0.3 */
  flowShare?: number;
  /** Jobs submitted per second, all nodes together. @defaultValue 120 */
  rate?: number;
  /** CADRE_WORKERS of each node. @defaultValue 2 */
  workers?: number;
  /** Bound on the final drain. @defaultValue 120000 */
  drainTimeoutMs?: number;
  /** Keep the executions log (it is always kept when an invariant fails). @defaultValue false */
  keepData?: boolean;
  /** Progress lines. @defaultValue none */
  log?: (line: string) => void;
}

/**
 * A node silent this long is dead (CADRE_NODE_TIMEOUT_MS): short, so that a
 * killed node's jobs run again, and its name is free, within a round.
 */
const NODE_TIMEOUT_MS = 2000;
/** A node stopped with SIGTERM after the drain has nothing left to run: it should exit at once. */
const STOP_TIMEOUT_MS = 20_000;
/** Starts of a killed node refused because its name was still held (ERR_NODE_NAME_TAKEN) are tried again. */
const RESTART_TRIES = 5;

export async function runClusterChaos(options: ClusterChaosOptions): Promise<ChaosReport> {
  const nodeCount = options.nodes ?? 3;
  const rounds = options.rounds ?? 20;
  const seed = options.seed ?? 1;
  const maxMs = (options.maxSeconds ?? 150) * 1000;
  const [upMin, upMax] = options.upMs ?? [500, 3000];
  const log = options.log ?? (() => undefined);
  // Kills draw from their own generator, so that a seed replays the same
  // choices however the load's requests interleave.
  const killRng = createRng(seed);
  const loadRng = createRng(seed ^ 0x5bd1e995);
  const dataDir = mkdtempSync(join(tmpdir(), 'cadre-cluster-chaos-'));
  const execLog = join(dataDir, 'executions.log');
  const ledger = createLedger();
  const runId = `k${seed}-${Date.now().toString(36)}`;
  const problems: string[] = [];
  const started = Date.now();
  let roundsRun = 0;
  let leaderKills = 0;
  /** Epochs that exited without a kill, once reported. */
  const crashed = new Set<number>();

  const cluster = new Cluster({
    database: { url: options.databaseUrl, ...(options.schema ? { schema: options.schema } : {}) },
    config: chaosConfigPath('cadre.config.json'),
    nodes: Array.from({ length: nodeCount }, (_, i) => ({
      name: `node-${i + 1}`,
      workers: options.workers ?? 2,
    })),
    execLog,
    env: { CADRE_NODE_TIMEOUT_MS: String(NODE_TIMEOUT_MS) },
  });
  const loads = new Map<string, { stop: AbortController; done: Promise<void> }>();
  const startLoad = (name: string): void => {
    const stop = new AbortController();
    const done = driveLoad({
      client: cluster.client(name),
      rng: loadRng,
      ledger,
      concurrency: options.concurrency ?? 1,
      maxBatch: options.maxBatch ?? 12,
      rate: (options.rate ?? 120) / nodeCount,
      flowShare: options.flowShare ?? 0.3,
      runId,
      signal: stop.signal,
    });
    loads.set(name, { stop, done });
  };
  const stopLoad = async (name: string): Promise<void> => {
    const load = loads.get(name);
    loads.delete(name);
    load?.stop.abort();
    await load?.done;
  };

  let verdict: ChaosVerdict | undefined;
  let drainMs = 0;
  try {
    await cluster.start();
    await cluster.formed();
    for (const node of cluster.nodes) startLoad(node.name);

    for (let round = 1; round <= rounds && Date.now() - started < maxMs; round++) {
      roundsRun = round;
      const upMs = killRng.int(upMin, upMax);
      await sleep(upMs);
      noteExits(cluster, crashed, problems);
      const leader = await cluster.leader().catch(() => null);
      const victim = pickVictim(cluster, leader, killRng, options.leaderShare ?? 1 / 3);
      if (victim === leader) leaderKills += 1;
      const before = snapshot(ledger);
      const epoch = cluster.node(victim).epoch;
      await cluster.kill(victim);
      await stopLoad(victim);
      const downMs = NODE_TIMEOUT_MS + killRng.int(200, 1000);
      await sleep(downMs);
      const back = await restart(cluster, victim, problems);
      if (back) startLoad(victim);
      log(
        `round ${round}: up ${(upMs / 1000).toFixed(1)} s, kill -9 ${victim}` +
          `${victim === leader ? ' (leader)' : ''} (epoch ${epoch}), down ${(downMs / 1000).toFixed(1)} s, ` +
          `${back ? `back as epoch ${cluster.node(victim).epoch}` : 'NOT BACK'}; ` +
          `+${ledger.acknowledged.length - before.acknowledged} acknowledged, +${ledger.inDoubt.length - before.inDoubt} in doubt`,
      );
    }

    await Promise.all([...loads.keys()].map(stopLoad));
    noteExits(cluster, crashed, problems);
    for (const node of cluster.nodes) {
      if (!cluster.running(node.name)) await restart(cluster, node.name, problems);
    }
    log('final: every node up, draining');
    const client = cluster.client(cluster.runningNodes[0]!.name);
    const drainStart = Date.now();
    await drain(client, options.drainTimeoutMs ?? 120_000);
    drainMs = Date.now() - drainStart;
    const { jobs, jobsByState, categories, stats, servedFlows } = await readFinalState(
      client,
      ledger.flows.map((f) => f.id),
    );
    await Promise.all(
      cluster.runningNodes.map(async (node) => {
        const exit = await stopWithin(node.server, 'SIGTERM', STOP_TIMEOUT_MS);
        if (exit.code === 0) return;
        const why =
          exit.signal === 'SIGKILL'
            ? `it did not exit within ${STOP_TIMEOUT_MS / 1000} s of SIGTERM (killed)`
            : `exit code ${exit.code}, signal ${exit.signal}`;
        problems.push(
          `final stop of ${node.name}: ${why}; its last lines:\n${lastLines(node.server.tail(), 5)}`,
        );
      }),
    );
    const { executions, malformed } = readExecLog(execLog);
    verdict = checkInvariants({
      acknowledged: ledger.acknowledged,
      inDoubt: ledger.inDoubt,
      jobs,
      jobsByState,
      categories,
      stats,
      executions,
      malformedLogLines: malformed,
      killedEpochs: cluster.killedEpochs,
      flows: ledger.flows,
      flowsInDoubt: ledger.flowsInDoubt,
      servedFlows,
    });
  } catch (err) {
    const tails = cluster.nodes.map((n) => `--- ${n.name} (epoch ${n.epoch})\n${n.server.tail()}`);
    problems.push(`${(err as Error).message}\n${tails.join('\n')}`);
  } finally {
    for (const load of loads.values()) load.stop.abort();
    await Promise.all([...loads.values()].map((l) => l.done));
    await cluster.killAll();
  }

  const ok = verdict?.ok === true && problems.length === 0 && ledger.rejected.length === 0;
  if (ok && !options.keepData) rmSync(dataDir, { recursive: true, force: true });
  return {
    seed,
    rounds: roundsRun,
    earlyKills: 0,
    elapsedMs: Date.now() - started,
    drainMs,
    dataDir,
    serverProblems: problems,
    rejected: ledger.rejected,
    serverErrors: ledger.serverErrors,
    verdict: verdict ?? null,
    ok,
    cluster: { nodes: nodeCount, leaderKills },
  };
}

/** The leader with probability `leaderShare` (when there is one), else another running node. */
function pickVictim(
  cluster: Cluster,
  leader: string | null,
  rng: Rng,
  leaderShare: number,
): string {
  const running = cluster.runningNodes.map((n) => n.name);
  if (leader !== null && running.includes(leader) && rng.chance(leaderShare)) return leader;
  const others = running.filter((name) => name !== leader);
  const pool = others.length > 0 ? others : running;
  return pool[rng.int(0, pool.length - 1)]!;
}

/** Starts the node again; a start refused while its old name is still held is tried again. */
async function restart(cluster: Cluster, name: string, problems: string[]): Promise<boolean> {
  try {
    await cluster.restartWhenFree(name, RESTART_TRIES);
    return true;
  } catch (err) {
    problems.push(`restart of ${name}: ${(err as Error).message}`);
    await cluster.kill(name);
    return false;
  }
}

/** A node that exited without being killed crashed: a problem of the run, reported once. */
function noteExits(cluster: Cluster, crashed: Set<number>, problems: string[]): void {
  for (const node of cluster.nodes) {
    const child = node.server.process;
    if (child.exitCode === null || cluster.killedEpochs.has(node.epoch)) continue;
    if (crashed.has(node.epoch)) continue;
    crashed.add(node.epoch);
    problems.push(
      `${node.name} (epoch ${node.epoch}) exited by itself with code ${child.exitCode}\n${node.server.tail()}`,
    );
  }
}

function lastLines(text: string, n: number): string {
  return text.split('\n').slice(-n).join('\n');
}

function snapshot(ledger: Ledger): { acknowledged: number; inDoubt: number } {
  return { acknowledged: ledger.acknowledged.length, inDoubt: ledger.inDoubt.length };
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
