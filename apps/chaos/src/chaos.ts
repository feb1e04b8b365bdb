/**
 * `npm run chaos`: kill -9 the server at random moments under load, restart it
 * on the same data, and check that nothing acknowledged was lost or run twice
 * without a reason. Exits 1 when an invariant fails.
 *
 *   --rounds N        CHAOS_ROUNDS       kill rounds (default 20)
 *   --seed N          CHAOS_SEED         seed of the load and kill timing (default: random)
 *   --max-seconds S   CHAOS_MAX_SECONDS  start no round after S seconds (default 150)
 *   --rate R          CHAOS_RATE         jobs submitted per second (default 120)
 *   --keep            keep the data directory (and the cluster's database)
 *
 * `npm run chaos -- --cluster` does the same to three nodes on one PostgreSQL
 * database (run-cluster-chaos.ts): a fresh database, created on the server of
 *
 *   --database-url U  CADRE_TEST_DATABASE_URL  (default postgres://postgres@127.0.0.1:5432/postgres)
 *
 * and dropped at the end, unless --keep or an invariant failed.
 */
import { numberOption, readOption } from './args.js';
import { createFreshDatabase, postgresServerUrl, redact } from './cluster/fresh-database.js';
import { formatChaosReport } from './format-chaos.js';
import { runChaos, type ChaosReport } from './run-chaos.js';
import { runClusterChaos } from './run-cluster-chaos.js';
import { killAllServers } from './server-process.js';

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  if (argv.includes('--help') || argv.includes('-h')) {
    console.log(
      'usage: chaos [--cluster [--database-url URL]] [--rounds N] [--seed N] [--max-seconds S] [--rate R] [--keep]',
    );
    return;
  }
  const common = {
    rounds: numberOption(argv, 'rounds', 'CHAOS_ROUNDS', 20, 1),
    seed: numberOption(argv, 'seed', 'CHAOS_SEED', Math.floor(Math.random() * 2 ** 31)),
    maxSeconds: numberOption(argv, 'max-seconds', 'CHAOS_MAX_SECONDS', 150, 1),
    rate: numberOption(argv, 'rate', 'CHAOS_RATE', 120, 1),
    keepData: argv.includes('--keep'),
    log: (line: string) => console.log(line),
  };
  let report: ChaosReport;
  if (argv.includes('--cluster')) {
    const server =
      readOption(argv, 'database-url', 'CADRE_TEST_DATABASE_URL') ?? postgresServerUrl();
    const database = await createFreshDatabase(server, 'chaos');
    console.log(`cluster chaos on database ${database.name} of ${redact(server)}`);
    report = await runClusterChaos({ ...common, databaseUrl: database.url });
    if (report.ok && !common.keepData) await database.drop();
    else console.log(`database ${database.name} kept`);
  } else {
    report = await runChaos(common);
  }
  console.log(formatChaosReport(report));
  process.exitCode = report.ok ? 0 : 1;
}

main().catch((err: unknown) => {
  killAllServers();
  console.error(err instanceof Error ? err.message : err);
  process.exitCode = 1;
});
