/**
 * The job index (core's JobIndex) with 1,000,000 retained jobs: what a job's
 * way through it costs (add, queued → running → succeeded, then retention's
 * remove), and what a page costs, against the scan that engine.list does
 * without it (walk every retained id newest first, checking each job).
 *
 * The hot path is timed in CPU time, not wall time: on a shared machine a
 * wall clock mostly measures the neighbours. A `Map.set` of each job, which
 * the engine already does on every transition, is timed alongside as a yardstick.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { JobIndex, type IndexQuery, type JobState } from '@cadre/core';
import { percentile } from './percentiles.js';

export interface IndexBenchOptions {
  /** Jobs retained. @defaultValue 1,000,000 */
  jobs?: number;
  /** Of which failed. @defaultValue 3,000 */
  failed?: number;
  /** @defaultValue 4 */
  categories?: number;
  /** Jobs pushed through per round of the hot-path measure. @defaultValue 100,000 */
  churn?: number;
}

export interface PageFigures {
  label: string;
  indexP50Us: number;
  indexP99Us: number;
  scanP50Us: number;
  scanP99Us: number;
}

export interface IndexBenchResult {
  jobs: number;
  failed: number;
  /** CPU ns per operation. */
  addNs: number;
  moveNs: number;
  removeNs: number;
  mapSetNs: number;
  /** Heap the index holds, in bytes per id (the id strings themselves are the jobs'). */
  bytesPerId: number;
  pages: PageFigures[];
}

const BASE_MS = Date.UTC(2026, 0, 1);
/** The engine's id format (ids.ts): 9 base-36 digits of ms, 4 of a counter. */
const idAt = (n: number): string =>
  Math.floor(BASE_MS + n / 8)
    .toString(36)
    .padStart(9, '0') + (n % 8).toString(36).padStart(4, '0');

interface Row {
  category: string;
  state: JobState;
}

export function benchJobIndex(options: IndexBenchOptions = {}): IndexBenchResult {
  const total = options.jobs ?? 1_000_000;
  const failedCount = options.failed ?? 3_000;
  const categories = Array.from({ length: options.categories ?? 4 }, (_, i) => `c${i}`);
  const churn = options.churn ?? 100_000;

  // The retained population: mostly succeeded, a few thousand failed spread
  // through history, some cancelled, a queue of waiting jobs at the new end.
  const index = new JobIndex();
  const ids: string[] = [];
  const rows = new Map<string, Row>();
  const failEvery = Math.floor(total / failedCount);
  const queuedFrom = total - 20_000;
  for (let n = 0; n < total; n++) {
    const id = idAt(n);
    const category = categories[n % categories.length]!;
    const state: JobState =
      n >= queuedFrom
        ? 'queued'
        : n % failEvery === 7
          ? 'failed'
          : n % 997 === 0
            ? 'cancelled'
            : 'succeeded';
    index.add(id, category, state);
    ids.push(id);
    rows.set(id, { category, state });
  }
  const bytesPerId = heapOf(() => rebuild(ids, rows)) / total;

  // Hot path, in rounds: `churn` new jobs are added, then each goes
  // queued → running → succeeded (the running set stays small, as with a
  // few threads), then retention removes as many of the oldest succeeded.
  const adds: number[] = [];
  const moves: number[] = [];
  const removes: number[] = [];
  const mapSets: number[] = [];
  let next = total;
  let oldest = 0;
  for (let round = 0; round < 5; round++) {
    const fresh: string[] = [];
    for (let i = 0; i < churn; i++) fresh.push(idAt(next++));
    const cat = (i: number) => categories[i % categories.length]!;
    let t = cpuNs();
    for (let i = 0; i < churn; i++) index.add(fresh[i]!, cat(i), 'queued');
    adds.push((cpuNs() - t) / churn);
    t = cpuNs();
    for (let i = 0; i < churn; i++) {
      index.move(fresh[i]!, cat(i), 'queued', 'running');
      index.move(fresh[i]!, cat(i), 'running', 'succeeded');
    }
    moves.push((cpuNs() - t) / (2 * churn));
    const records = new Map<string, number>();
    t = cpuNs();
    for (let i = 0; i < churn; i++) records.set(fresh[i]!, i);
    mapSets.push((cpuNs() - t) / churn);
    const gone: [string, Row][] = [];
    while (gone.length < churn) {
      const id = ids[oldest++]!;
      const row = rows.get(id)!;
      if (row.state === 'succeeded') gone.push([id, row]);
    }
    t = cpuNs();
    for (const [id, row] of gone) index.remove(id, row.category, row.state);
    removes.push((cpuNs() - t) / churn);
    // Put them back, so that every round sees the same population.
    for (const [id, row] of gone) index.add(id, row.category, row.state);
    oldest -= churn;
    for (let i = 0; i < churn; i++) index.remove(fresh[i]!, cat(i), 'succeeded');
  }

  const newest = ids[ids.length - 1]!;
  const cursors = Array.from({ length: 200 }, (_, i) => ids[Math.floor((i * total) / 200)]!);
  const queries: [string, (cursor: string | undefined) => IndexQuery][] = [
    ['state=failed, limit=100', (cursor) => ({ state: 'failed', cursor, limit: 100 })],
    [
      'state=failed, category=c1, limit=100',
      (cursor) => ({ state: 'failed', category: 'c1', cursor, limit: 100 }),
    ],
    ['category=c1, limit=100', (cursor) => ({ category: 'c1', cursor, limit: 100 })],
    ['no filter, limit=100', (cursor) => ({ cursor, limit: 100 })],
    ['no filter, limit=1000', (cursor) => ({ cursor, limit: 1000 })],
  ];
  const pages: PageFigures[] = [];
  for (const [label, query] of queries) {
    const indexUs: number[] = [];
    const scanUs: number[] = [];
    for (let rep = 0; rep < 3; rep++) {
      for (const cursor of [undefined, ...cursors]) {
        const q = query(cursor);
        let t = process.hrtime.bigint();
        const a = index.page(q);
        indexUs.push(Number(process.hrtime.bigint() - t) / 1000);
        t = process.hrtime.bigint();
        const b = scan(ids, rows, q);
        scanUs.push(Number(process.hrtime.bigint() - t) / 1000);
        if (a.ids.length !== b.length || a.ids[0] !== b[0]) {
          throw new Error(`index and scan disagree on ${label} below ${cursor ?? newest}`);
        }
      }
    }
    pages.push({
      label,
      indexP50Us: percentile(indexUs, 50),
      indexP99Us: percentile(indexUs, 99),
      scanP50Us: percentile(scanUs, 50),
      scanP99Us: percentile(scanUs, 99),
    });
  }

  return {
    jobs: total,
    failed: failedCount,
    addNs: percentile(adds, 50),
    moveNs: percentile(moves, 50),
    removeNs: percentile(removes, 50),
    mapSetNs: percentile(mapSets, 50),
    bytesPerId,
    pages,
  };
}

function cpuNs(): number {
  const { user, system } = process.cpuUsage();
  return (user + system) * 1000;
}

/** What engine.list does without an index: walk ids newest first from the cursor. */
function scan(ids: readonly string[], rows: Map<string, Row>, q: IndexQuery): string[] {
  let i = ids.length - 1;
  if (q.cursor !== undefined) {
    let lo = 0;
    let hi = ids.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (ids[mid]! < q.cursor) lo = mid + 1;
      else hi = mid;
    }
    i = lo - 1;
  }
  const out: string[] = [];
  for (; i >= 0 && out.length <= q.limit; i--) {
    const row = rows.get(ids[i]!)!;
    if (
      (q.category === undefined || row.category === q.category) &&
      (q.state === undefined || row.state === q.state)
    )
      out.push(ids[i]!);
  }
  if (out.length > q.limit) out.pop();
  return out;
}

/** Holds the measured value across the second GC. */
let _keepAlive: unknown = null;

/** Heap retained by what `build` returns, measured across forced GCs. */
function heapOf(build: () => unknown): number {
  const gc = forcedGc();
  gc();
  const before = process.memoryUsage().heapUsed;
  _keepAlive = build();
  gc();
  const after = process.memoryUsage().heapUsed;
  _keepAlive = null;
  return after - before;
}

/** A second index over the same ids (the strings are shared, as in the engine). */
function rebuild(ids: readonly string[], rows: Map<string, Row>): JobIndex {
  const index = new JobIndex();
  for (const id of ids) {
    const row = rows.get(id)!;
    index.add(id, row.category, row.state);
  }
  return index;
}

/** `gc()` without `--expose-gc` on the command line (npm run bench runs plain node). */
function forcedGc(): () => void {
  setFlagsFromString('--expose-gc');
  return runInNewContext('gc') as () => void;
}
