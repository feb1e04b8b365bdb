/**
 * The compare section's figures as table rows, with the ratios the issue's
 * targets are stated in. Pure: the figures come in, rows go out; a figure
 * that could not be measured is null and every ratio taken from it says so.
 */
import { best, cell, ratio, type Cell } from '../cells.js';
import type { IoOutcome } from './cadre-rates.js';

export interface CompareFigures {
  /** Raw piscina no-op at its best: the ceiling. */
  raw: number;
  /** cadre echo over HTTP, durable store, jobs/s. */
  cadreHttp: Cell;
  /** BullMQ echo processing in process, jobs/s. */
  bullInProcess: Cell;
  /** BullMQ echo processing sandboxed, per thread count tried, jobs/s. */
  bullThreads: readonly { threads: number; rate: Cell }[];
  /** BullMQ end to end (producers adding while the worker runs), jobs/s. */
  bullEndToEnd: Cell;
  /** BullMQ's concurrency in process, shown in the labels. */
  concurrency: number;
}

export interface IoFigures {
  jobs: number;
  ms: number;
  threads: number;
  concurrency: number;
  /** null: could not run. */
  cadre: IoOutcome | null;
  /** BullMQ in process, seconds; null: could not run. */
  bullSeconds: Cell;
}

export type Row = (string | number)[];

export function compareRows(f: CompareFigures): Row[] {
  const sandboxed = best(f.bullThreads.map((t) => t.rate));
  const rows: Row[] = [['measure', 'value', 'target']];
  rows.push(['raw piscina no-op at its best (the ceiling), jobs/s', f.raw, '']);
  rows.push([
    'cadre echo over HTTP, durable store, 4 clients × batches of 1,000, jobs/s',
    cell(f.cadreHttp),
    '',
  ]);
  rows.push([
    `BullMQ in process, concurrency ${f.concurrency}, added in bulk first, jobs/s`,
    cell(f.bullInProcess),
    '',
  ]);
  for (const t of f.bullThreads) {
    rows.push([
      `BullMQ sandboxed on ${t.threads} worker threads, added in bulk first, jobs/s`,
      cell(t.rate),
      t.rate !== null && t.rate === sandboxed && f.bullThreads.length > 1 ? '← best' : '',
    ]);
  }
  rows.push([
    `BullMQ end to end, 4 producers × batches of 1,000, concurrency ${f.concurrency}, jobs/s`,
    cell(f.bullEndToEnd),
    '',
  ]);
  rows.push(['cadre HTTP / raw piscina', cell(ratio(f.cadreHttp, f.raw)), '≥ 0.5']);
  rows.push(['cadre HTTP / BullMQ in process', cell(ratio(f.cadreHttp, f.bullInProcess)), '≥ 2']);
  rows.push(['cadre HTTP / BullMQ sandboxed at its best', cell(ratio(f.cadreHttp, sandboxed)), '']);
  rows.push(['cadre HTTP / BullMQ end to end', cell(ratio(f.cadreHttp, f.bullEndToEnd)), '']);
  rows.push(['BullMQ in process / raw piscina', cell(ratio(f.bullInProcess, f.raw)), '']);
  return rows;
}

export function ioRows(f: IoFigures): Row[] {
  const rows: Row[] = [
    [
      `${f.jobs.toLocaleString('en-US')} jobs of sleep ${f.ms} ms`,
      'done in s',
      'jobs/s',
      'ideal s',
    ],
  ];
  const ideal = (slots: number) => (Math.ceil(f.jobs / slots) * f.ms) / 1000;
  const cadre = f.cadre;
  rows.push([
    `cadre, ${f.threads} threads, category concurrency ${f.concurrency}`,
    cadre === null ? 'could not run' : 'unavailable' in cadre ? 'not available' : cadre.seconds,
    cadre === null || 'unavailable' in cadre ? '' : f.jobs / cadre.seconds,
    ideal(f.threads * f.concurrency),
  ]);
  rows.push([
    `BullMQ in process, concurrency ${f.concurrency}`,
    cell(f.bullSeconds),
    f.bullSeconds === null ? '' : f.jobs / f.bullSeconds,
    ideal(f.concurrency),
  ]);
  return rows;
}
