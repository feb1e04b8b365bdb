/**
 * The chaos run: rounds of start → load → kill -9 at a random moment, on one
 * data directory, then a final start that drains everything, and the check
 * of check-invariants.ts over what the client was told, what the server
 * holds and what the tasks logged.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createClient } from '@cadre/client';
import { checkInvariants, type ChaosVerdict } from './check-invariants.js';
import { readExecLog } from './exec-log.js';
import { drain, readFinalState } from './final-state.js';
import { createLedger, driveLoad } from './load-driver.js';
import { createRng } from './rng.js';
import { chaosConfigPath, startServer, stopWithin, type ServerChild } from './server-process.js';

export interface ChaosOptions {
  /** Kill rounds. @defaultValue 20 */
  rounds?: number;
  /** @defaultValue 1 */
  seed?: number;
  /** No round starts after this many seconds; the final drain is bounded apart. @defaultValue 150 */
  maxSeconds?: number;
  /** How long a server lives under load before its kill, ms. @defaultValue [300, 3000] */
  upMs?: readonly [number, number];
  /** Share of rounds killed while the server is still starting (recovering). @defaultValue 0.15 */
  earlyKillShare?: number;
  /** Loops submitting at once. @defaultValue 3 */
  concurrency?: number;
  /** @defaultValue 12 */
  maxBatch?: number;
  /** Share of the requests that are a flow (a chain, or a group with a chord); 0 for none. @defaultValue 0.3 */
  flowShare?: number;
  /** Jobs submitted per second. @defaultValue 120 */
  rate?: number;
  /** CADRE_WORKERS. @defaultValue 4 */
  workers?: number;
  /** Bound on the final drain. @defaultValue 120000 */
  drainTimeoutMs?: number;
  /** Keep the data directory (it is always kept when an invariant fails). @defaultValue false */
  keepData?: boolean;
  /** Progress lines. @defaultValue none */
  log?: (line: string) => void;
}

export interface ChaosReport {
  seed: number;
  rounds: number;
  /** Rounds whose kill hit a server that had not yet logged its URL. */
  earlyKills: number;
  elapsedMs: number;
  drainMs: number;
  dataDir: string;
  /** The server crashed, would not start, or did not stop cleanly at the end. */
  serverProblems: string[];
  /** 4xx answers to the chaos mix. */
  rejected: string[];
  serverErrors: string[];
  /** null when the final start or drain failed (see serverProblems). */
  verdict: ChaosVerdict | null;
  ok: boolean;
  /** The cluster run's own figures (`npm run chaos -- --cluster`). */
  cluster?: { nodes: number; leaderKills: number };
}

export async function runChaos(options: ChaosOptions = {}): Promise<ChaosReport> {
  const rounds = options.rounds ?? 20;
  const seed = options.seed ?? 1;
  const maxMs = (options.maxSeconds ?? 150) * 1000;
  const [upMin, upMax] = options.upMs ?? [300, 3000];
  const log = options.log ?? (() => undefined);
  const rng = createRng(seed);
  const dataDir = mkdtempSync(join(tmpdir(), 'cadre-chaos-'));
  const execLog = join(dataDir, 'executions.log');
  const storeDir = join(dataDir, 'store');
  const config = chaosConfigPath('cadre.config.json');
  const ledger = createLedger();
  const runId = `c${seed}-${Date.now().toString(36)}`;
  const killed = new Set<number>();
  const problems: string[] = [];
  const started = Date.now();
  let earlyKills = 0;
  let roundsRun = 0;

  const start = (epoch: number): ServerChild =>
    startServer({
      config,
      dataDir: storeDir,
      workers: options.workers ?? 4,
      env: { CHAOS_EXEC_LOG: execLog, CHAOS_EPOCH: String(epoch) },
    });

  let verdict: ChaosVerdict | undefined;
  let drainMs = 0;
  try {
    for (let epoch = 1; epoch <= rounds && Date.now() - started < maxMs; epoch++) {
      roundsRun = epoch;
      const server = start(epoch);
      try {
        if (rng.chance(options.earlyKillShare ?? 0.15)) {
          // Kill while it recovers the store, or just as it starts to listen.
          await Promise.race([sleep(rng.int(0, 500)), server.exited]);
          const ready = await Promise.race([
            server.ready.then(
              () => true,
              () => false,
            ),
            sleep(0).then(() => false),
          ]);
          if (!ready) earlyKills += 1;
          await killRound(server, epoch, killed, problems);
          log(`round ${epoch}: killed while starting`);
          continue;
        }
        let url: string;
        try {
          url = await server.ready;
        } catch (err) {
          problems.push(`epoch ${epoch}: ${(err as Error).message}\n${server.tail()}`);
          continue;
        }
        const before = ledger.acknowledged.length;
        const doubtBefore = ledger.inDoubt.length;
        const stopLoad = new AbortController();
        const load = driveLoad({
          client: createClient({ url }),
          rng,
          ledger,
          concurrency: options.concurrency ?? 3,
          maxBatch: options.maxBatch ?? 12,
          rate: options.rate ?? 120,
          flowShare: options.flowShare ?? 0.3,
          runId,
          signal: stopLoad.signal,
        });
        const upMs = rng.int(upMin, upMax);
        await Promise.race([sleep(upMs), server.exited]);
        await killRound(server, epoch, killed, problems);
        stopLoad.abort();
        await load;
        log(
          `round ${epoch}: up ${(upMs / 1000).toFixed(1)} s, +${ledger.acknowledged.length - before} acknowledged, ` +
            `+${ledger.inDoubt.length - doubtBefore} in doubt`,
        );
      } finally {
        await server.stop('SIGKILL');
      }
    }

    const finalEpoch = roundsRun + 1;
    log(`final start (epoch ${finalEpoch}): draining`);
    const server = start(finalEpoch);
    try {
      const url = await server.ready;
      const client = createClient({ url });
      const drainStart = Date.now();
      await drain(client, options.drainTimeoutMs ?? 120_000);
      drainMs = Date.now() - drainStart;
      const { jobs, jobsByState, categories, stats, servedFlows } = await readFinalState(
        client,
        ledger.flows.map((f) => f.id),
      );
      const exit = await stopWithin(server, 'SIGTERM', 20_000);
      if (exit.code !== 0)
        problems.push(`final stop: exit code ${exit.code}, signal ${exit.signal}`);
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
        killedEpochs: killed,
        flows: ledger.flows,
        flowsInDoubt: ledger.flowsInDoubt,
        servedFlows,
      });
    } catch (err) {
      problems.push(`final epoch: ${(err as Error).message}\n${server.tail()}`);
    } finally {
      await server.stop('SIGKILL');
    }
  } finally {
    const ok = verdict?.ok === true && problems.length === 0 && ledger.rejected.length === 0;
    if (ok && !options.keepData) rmSync(dataDir, { recursive: true, force: true });
  }

  const report: ChaosReport = {
    seed,
    rounds: roundsRun,
    earlyKills,
    elapsedMs: Date.now() - started,
    drainMs,
    dataDir,
    serverProblems: problems,
    rejected: ledger.rejected,
    serverErrors: ledger.serverErrors,
    verdict: verdict ?? null,
    ok: verdict?.ok === true && problems.length === 0 && ledger.rejected.length === 0,
  };
  return report;
}

async function killRound(
  server: ServerChild,
  epoch: number,
  killed: Set<number>,
  problems: string[],
): Promise<void> {
  if (server.process.exitCode !== null || server.process.signalCode !== null) {
    const { code, signal } = await server.exited;
    problems.push(
      `epoch ${epoch}: the server exited by itself (code ${code}, signal ${signal})\n${server.tail()}`,
    );
    return;
  }
  killed.add(epoch);
  await server.stop('SIGKILL');
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
