/**
 * `npm run soak`: half of the measured capacity for SOAK_MINUTES (default 10),
 * then a verdict on memory, lag and throughput. Exits 1 when they were not flat.
 *
 *   --minutes M   SOAK_MINUTES   duration of the paced phase (default 10; 1 for a quick check)
 *   --out FILE    also write the results as Markdown to FILE
 */
import { writeFileSync } from 'node:fs';
import { numberOption, readOption } from './args.js';
import { formatSoakReport } from './format-soak.js';
import { runSoak } from './run-soak.js';
import { killAllServers } from './server-process.js';

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  if (argv.includes('--help') || argv.includes('-h')) {
    console.log('usage: soak [--minutes M] [--out FILE]');
    return;
  }
  const out = readOption(argv, 'out', 'SOAK_OUT');
  const report = await runSoak({
    minutes: numberOption(argv, 'minutes', 'SOAK_MINUTES', 10, 0.1),
    log: (line) => console.log(line),
  });
  const text = formatSoakReport(report);
  console.log(text);
  if (out !== undefined) writeFileSync(out, `${text}\n`);
  process.exitCode = report.ok ? 0 : 1;
}

main().catch((err: unknown) => {
  killAllServers();
  console.error(err instanceof Error ? err.message : err);
  process.exitCode = 1;
});
