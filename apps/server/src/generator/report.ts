/**
 * The generator's final report: built from the jobs as the server last showed
 * them (pure), and printed as an aligned table.
 */
import type { Allocation, Job } from '@cadre/core';
import { percentile, sortNumbers } from './percentile.js';

export interface Latency {
  p50: number | null;
  p95: number | null;
  p99: number | null;
}

export interface CategoryReport {
  category: string;
  submitted: number;
  succeeded: number;
  failed: number;
  cancelled: number;
  /** Submitted but not seen finished. */
  pending: number;
  /** ms from when a job could first run (max of createdAt, runAt) to its (latest) start. */
  waitMs: Latency;
  /** `durationMs` of the latest attempt of finished jobs. */
  runMs: Latency;
  /** Jobs finished per second, from the first job created to the last finished. */
  throughput: number | null;
  /** Worker threads the balancer gave the category at the end. */
  allocation: number | null;
}

export interface GeneratorReport {
  runId: string;
  url: string;
  categories: CategoryReport[];
  total: CategoryReport;
  /** From the start of the run to the report. */
  elapsedMs: number;
  submitMs: number;
  /** Jobs accepted per second while submitting. */
  submitRate: number;
  workers: number | null;
  waited: boolean;
  timedOut: boolean;
}

export interface ReportInput {
  runId: string;
  url: string;
  /** Categories in the order of the mix. */
  categories: readonly string[];
  submitted: Readonly<Record<string, number>>;
  /** The latest known record of each job of the run. */
  jobs: Iterable<Job>;
  allocation: Allocation | null;
  workers: number | null;
  elapsedMs: number;
  submitMs: number;
  waited: boolean;
  timedOut: boolean;
}

interface Acc {
  succeeded: number;
  failed: number;
  cancelled: number;
  waits: number[];
  runs: number[];
  firstCreated: number;
  lastFinished: number;
}

const newAcc = (): Acc => ({
  succeeded: 0,
  failed: 0,
  cancelled: 0,
  waits: [],
  runs: [],
  firstCreated: Infinity,
  lastFinished: -Infinity,
});

function add(acc: Acc, job: Job): void {
  const created = Date.parse(job.createdAt);
  acc.firstCreated = Math.min(acc.firstCreated, created);
  if (job.startedAt !== null) {
    const ready = Math.max(created, job.runAt === null ? created : Date.parse(job.runAt));
    acc.waits.push(Math.max(0, Date.parse(job.startedAt) - ready));
  }
  if (job.state === 'succeeded' || job.state === 'failed' || job.state === 'cancelled') {
    acc[job.state] += 1;
    if (job.durationMs !== null) acc.runs.push(job.durationMs);
    if (job.finishedAt !== null)
      acc.lastFinished = Math.max(acc.lastFinished, Date.parse(job.finishedAt));
  }
}

function summarize(
  category: string,
  submitted: number,
  acc: Acc,
  allocation: number | null,
): CategoryReport {
  const waits = sortNumbers(acc.waits);
  const runs = sortNumbers(acc.runs);
  const finished = acc.succeeded + acc.failed + acc.cancelled;
  const spanS = (acc.lastFinished - acc.firstCreated) / 1000;
  return {
    category,
    submitted,
    succeeded: acc.succeeded,
    failed: acc.failed,
    cancelled: acc.cancelled,
    pending: Math.max(0, submitted - finished),
    waitMs: { p50: percentile(waits, 50), p95: percentile(waits, 95), p99: percentile(waits, 99) },
    runMs: { p50: percentile(runs, 50), p95: percentile(runs, 95), p99: percentile(runs, 99) },
    throughput: finished > 0 && spanS > 0 ? finished / spanS : null,
    allocation,
  };
}

export function buildReport(input: ReportInput): GeneratorReport {
  const accs = new Map(input.categories.map((c) => [c, newAcc()]));
  const all = newAcc();
  for (const job of input.jobs) {
    let acc = accs.get(job.category);
    if (!acc) {
      acc = newAcc();
      accs.set(job.category, acc);
    }
    add(acc, job);
    add(all, job);
  }
  const categories = [...accs].map(([category, acc]) =>
    summarize(
      category,
      input.submitted[category] ?? 0,
      acc,
      input.allocation ? (input.allocation[category] ?? 0) : null,
    ),
  );
  const submittedTotal = categories.reduce((n, c) => n + c.submitted, 0);
  const allocationTotal = input.allocation
    ? categories.reduce((n, c) => n + (c.allocation ?? 0), 0)
    : null;
  return {
    runId: input.runId,
    url: input.url,
    categories,
    total: summarize('total', submittedTotal, all, allocationTotal),
    elapsedMs: input.elapsedMs,
    submitMs: input.submitMs,
    submitRate: input.submitMs > 0 ? (submittedTotal / input.submitMs) * 1000 : 0,
    workers: input.workers,
    waited: input.waited,
    timedOut: input.timedOut,
  };
}

const COLUMNS: readonly { title: string; cell: (c: CategoryReport) => string }[] = [
  { title: 'category', cell: (c) => c.category },
  { title: 'submitted', cell: (c) => String(c.submitted) },
  { title: 'succeeded', cell: (c) => String(c.succeeded) },
  { title: 'failed', cell: (c) => String(c.failed) },
  { title: 'cancelled', cell: (c) => String(c.cancelled) },
  { title: 'pending', cell: (c) => String(c.pending) },
  { title: 'wait p50', cell: (c) => ms(c.waitMs.p50) },
  { title: 'wait p95', cell: (c) => ms(c.waitMs.p95) },
  { title: 'wait p99', cell: (c) => ms(c.waitMs.p99) },
  { title: 'run p50', cell: (c) => ms(c.runMs.p50) },
  { title: 'run p99', cell: (c) => ms(c.runMs.p99) },
  { title: 'jobs/s', cell: (c) => (c.throughput === null ? '-' : fixed(c.throughput)) },
  { title: 'alloc', cell: (c) => (c.allocation === null ? '-' : String(c.allocation)) },
];

function ms(value: number | null): string {
  return value === null ? '-' : `${Math.round(value)} ms`;
}

function fixed(n: number): string {
  return n >= 100 ? n.toFixed(0) : n.toFixed(1);
}

/** Renders `rows` as text columns: the first left-aligned, the others right-aligned. */
export function formatTable(
  header: readonly string[],
  rows: readonly (readonly string[])[],
): string[] {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((cell, i) => (i === 0 ? cell.padEnd(widths[i] ?? 0) : cell.padStart(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  const rule = widths.map((w) => '-'.repeat(w)).join('  ');
  return [line(header), rule, ...rows.slice(0, -1).map(line), rule, ...rows.slice(-1).map(line)];
}

export function formatReport(report: GeneratorReport): string {
  const rows = [...report.categories, report.total].map((c) => COLUMNS.map((col) => col.cell(c)));
  const lines = [
    `cadre generate: run ${report.runId} against ${report.url}`,
    '',
    ...formatTable(
      COLUMNS.map((c) => c.title),
      rows,
    ),
    '',
    `submitted ${report.total.submitted} jobs in ${seconds(report.submitMs)} ` +
      `(${fixed(report.submitRate)} jobs/s); elapsed ${seconds(report.elapsedMs)}` +
      (report.workers === null ? '' : `; ${report.workers} workers`),
  ];
  if (report.timedOut) {
    lines.push(`gave up waiting: ${report.total.pending} jobs had not finished`);
  } else if (!report.waited && report.total.pending > 0) {
    lines.push(`${report.total.pending} jobs had not finished yet (use --wait to wait for them)`);
  }
  return `${lines.join('\n')}\n`;
}

function seconds(msValue: number): string {
  return `${(msValue / 1000).toFixed(1)} s`;
}
