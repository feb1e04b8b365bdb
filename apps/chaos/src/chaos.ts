/**
 * `npm run chaos`: kill -9 the server at random moments under load, restart it
 * on the same data, and check that nothing acknowledged was lost or run twice
 * without a reason. Exits 1 when an invariant fails.
 *
 *   --rounds N        CHAOS_ROUNDS       kill rounds (default 20)
 *   --seed N          CHAOS_SEED         seed of the load and kill timing (default: random)
 *   --max-seconds S   CHAOS_MAX_SECONDS  start no round after S seconds (default 150)
 *   --rate R          CHAOS_RATE         jobs submitted per second (default 120)
 *   --keep            keep the data directory
 */
import { numberOption } from './args.js';
import { formatChaosReport } from './format-chaos.js';
import { runChaos } from './run-chaos.js';
import { killAllServers } from './server-process.js';

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  if (argv.includes('--help') || argv.includes('-h')) {
    console.log('usage: chaos [--rounds N] [--seed N] [--max-seconds S] [--rate R] [--keep]');
    return;
  }
  const report = await runChaos({
    rounds: numberOption(argv, 'rounds', 'CHAOS_ROUNDS', 20, 1),
    seed: numberOption(argv, 'seed', 'CHAOS_SEED', Math.floor(Math.random() * 2 ** 31)),
    maxSeconds: numberOption(argv, 'max-seconds', 'CHAOS_MAX_SECONDS', 150, 1),
    rate: numberOption(argv, 'rate', 'CHAOS_RATE', 120, 1),
    keepData: argv.includes('--keep'),
    log: (line) => console.log(line),
  });
  console.log(formatChaosReport(report));
  process.exitCode = report.ok ? 0 : 1;
}

main().catch((err: unknown) => {
  killAllServers();
  console.error(err instanceof Error ? err.message : err);
  process.exitCode = 1;
});
