/**
 * `npm run chaos`: kill -9 the server at random moments under load, restart it
 * on the same data, and check that nothing acknowledged was lost or run twice
 * without a reason. Exits 1 when an invariant fails.
 *
 *   --rounds N        CHAOS_ROUNDS       kill rounds (default 20)
 *   --seed N          CHAOS_SEED         seed of the load and kill timing (default: random)
 *   --max-seconds S   CHAOS_MAX_SECONDS  start no round after S seconds (default 150)
 *   --rate R          CHAOS_RATE         jobs submitted per second (default 120)
 *   --flows S         CHAOS_FLOW_SHARE   share of the requests that are a chain or a group
 *                                        with a chord (default 0.3; 0 for none)
 *   --keep            keep the data directory (and the cluster's database)
 *
 * `npm run chaos -- --cluster` does the same to three nodes on one PostgreSQL
 * database (run-cluster-chaos.ts): a fresh database, created on the server of
 *
 *   --database-url U  CADRE_TEST_DATABASE_URL  (default postgres://postgres@127.0.0.1:5432/postgres,
 *                                               else a throwaway server when that one does not answer)
 *
 * and dropped at the end, unless --keep or an invariant failed.
 */
import { numberOption, readOption } from './args.js';
import {
  createScratchDatabase,
  redactUrl,
  startThrowawayPostgres,
  type ScratchDatabase,
  type ThrowawayPostgres,
} from '@cadre/postgres';
import { formatChaosReport } from './format-chaos.js';
import { runChaos, type ChaosReport } from './run-chaos.js';
import { runClusterChaos } from './run-cluster-chaos.js';
import { killAllServers } from './server-process.js';

/** The server when nothing names one: a local one with trust auth, as on the project's machines. */
const LOCAL_POSTGRES_URL = 'postgres://postgres@127.0.0.1:5432/postgres';

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  if (argv.includes('--help') || argv.includes('-h')) {
    console.log(
      'usage: chaos [--cluster [--database-url URL]] [--rounds N] [--seed N] [--max-seconds S] [--rate R] [--flows S] [--keep]',
    );
    return;
  }
  const common = {
    rounds: numberOption(argv, 'rounds', 'CHAOS_ROUNDS', 20, 1),
    seed: numberOption(argv, 'seed', 'CHAOS_SEED', Math.floor(Math.random() * 2 ** 31)),
    maxSeconds: numberOption(argv, 'max-seconds', 'CHAOS_MAX_SECONDS', 150, 1),
    rate: numberOption(argv, 'rate', 'CHAOS_RATE', 120, 1),
    flowShare: Math.min(1, numberOption(argv, 'flows', 'CHAOS_FLOW_SHARE', 0.3)),
    keepData: argv.includes('--keep'),
    log: (line: string) => console.log(line),
  };
  let report: ChaosReport;
  if (argv.includes('--cluster')) {
    const { database, server, throwaway } = await clusterDatabase(argv);
    console.log(`cluster chaos on database ${database.name} of ${redactUrl(server)}`);
    try {
      report = await runClusterChaos({ ...common, databaseUrl: database.url });
      if (throwaway === null && (!report.ok || common.keepData)) {
        console.log(`database ${database.name} kept`);
      } else {
        await database.drop();
      }
    } finally {
      await throwaway?.stop();
    }
  } else {
    report = await runChaos(common);
  }
  console.log(formatChaosReport(report));
  process.exitCode = report.ok ? 0 : 1;
}

/**
 * A fresh database on the server named, or on the local one; with neither
 * named nor answering, on a throwaway server (gone, database and all, at the end).
 */
async function clusterDatabase(
  argv: readonly string[],
): Promise<{ database: ScratchDatabase; server: string; throwaway: ThrowawayPostgres | null }> {
  const given = readOption(argv, 'database-url', 'CADRE_TEST_DATABASE_URL');
  const server = given ?? LOCAL_POSTGRES_URL;
  try {
    return { database: await createScratchDatabase(server, 'chaos'), server, throwaway: null };
  } catch (err) {
    if (given !== undefined) throw err;
    console.log(`${(err as Error).message}; starting a throwaway PostgreSQL`);
    const throwaway = await startThrowawayPostgres();
    try {
      const database = await createScratchDatabase(throwaway.url, 'chaos');
      return { database, server: throwaway.url, throwaway };
    } catch (cause) {
      await throwaway.stop();
      throw cause;
    }
  }
}

main().catch((err: unknown) => {
  killAllServers();
  console.error(err instanceof Error ? err.message : err);
  process.exitCode = 1;
});
