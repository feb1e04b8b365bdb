/**
 * `npm run bench`: cadre's figures in one run, printed as tables.
 *
 *   npm run bench                     everything
 *   npm run bench -- engine store     only those sections (engine, store, http)
 *   BENCH_JOBS=20000 npm run bench    fewer jobs per measurement (default 100,000)
 */
import { availableParallelism } from 'node:os';
import { engineRate, rawPiscinaRate, startBenchEngine, startLatency } from './engine-bench.js';
import { table } from './table.js';

const threads = Number(process.env.BENCH_WORKERS ?? availableParallelism());
const jobs = Number(process.env.BENCH_JOBS ?? 100_000);
const sections = new Set(process.argv.slice(2));
const want = (s: string) => sections.size === 0 || sections.has(s);

async function engineSection(): Promise<void> {
  console.log(`\n## Engine (${threads} worker threads, ${jobs.toLocaleString('en-US')} jobs)\n`);
  const raw = await rawPiscinaRate(threads, jobs);
  const rows: (string | number)[][] = [['measure', 'memory store', 'lowdb store', 'target']];
  const echo: Record<string, number> = {};
  const cpu: Record<string, number> = {};
  const lat: Record<string, { p50: number; p99: number }> = {};
  for (const kind of ['memory', 'lowdb'] as const) {
    const e = await startBenchEngine(threads, kind);
    await engineRate(e.engine, 2000, { task: 'echo', input: { n: 1 } });
    echo[kind] = await engineRate(e.engine, jobs, { task: 'echo', input: { n: 1 } });
    const cpuJobs = threads * 2000;
    cpu[kind] = await engineRate(e.engine, cpuJobs, { task: 'cpu', input: { ms: 1 } }, 500);
    lat[kind] = await startLatency(e.engine, echo[kind] / 2, 3, { task: 'echo', input: null });
    await e.close();
  }
  const ideal = threads * 1000;
  rows.push(['raw piscina no-op, jobs/s', raw, raw, '']);
  rows.push(['engine echo, jobs/s', echo.memory!, echo.lowdb!, '']);
  rows.push(['echo / raw piscina', echo.memory! / raw, echo.lowdb! / raw, '≥ 0.60 (memory)']);
  rows.push(['lowdb / memory echo', 1, echo.lowdb! / echo.memory!, '≥ 0.85']);
  rows.push(['submit→start p50 at half load, ms', lat.memory!.p50, lat.lowdb!.p50, '']);
  rows.push(['submit→start p99 at half load, ms', lat.memory!.p99, lat.lowdb!.p99, '']);
  rows.push([`1 ms CPU task, jobs/s (ideal ${ideal})`, cpu.memory!, cpu.lowdb!, '']);
  rows.push(['1 ms CPU / ideal', cpu.memory! / ideal, cpu.lowdb! / ideal, '≥ 0.90']);
  console.log(table(rows));
}

async function main(): Promise<void> {
  console.log(`cadre benchmark: node ${process.version}, ${availableParallelism()} cores`);
  if (want('engine')) await engineSection();
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
