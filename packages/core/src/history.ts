/**
 * Metrics history (issue 14): per category and per minute, the attempts that
 * succeeded and failed, and latency histograms of their wait (due to
 * started) and of their run time.
 *
 * - A node records into the current minute (`HistoryRecorder`) and hands its
 *   rows to the backend now and then, as deltas: the backend adds them to
 *   what it holds for that node, minute and category, and keeps 24 h.
 * - Rows of several nodes (or several flushes) add up: counts sum, and the
 *   histograms sum bucket by bucket (latency-histogram.ts), so quantiles of
 *   the cluster read back from the sum.
 * - A job is due at its `runAt` (delayed, retried, or promoted: it stays set
 *   while it is queued and running) or, if it has none, at its `createdAt`.
 *
 * Time is passed in; nothing here reads a clock.
 */
import {
  LatencyHistogram,
  histogramQuantile,
  mergeHistograms,
  type HistogramData,
} from './latency-histogram.js';

export const HISTORY_MINUTE_MS = 60_000;
/** How long a backend keeps history. */
export const HISTORY_KEEP_MS = 24 * 60 * 60_000;

/** The longest wait target a category may have (`targetWaitMs`): the history's span. */
export const MAX_TARGET_WAIT_MS = HISTORY_KEEP_MS;

/** The ranges `GET /api/history` serves, by name, in ms. */
export const HISTORY_RANGES = {
  '5m': 5 * 60_000,
  '1h': 60 * 60_000,
  '24h': 24 * 60 * 60_000,
} as const;
export type HistoryRange = keyof typeof HISTORY_RANGES;
export const HISTORY_RANGE_NAMES = Object.keys(HISTORY_RANGES) as HistoryRange[];

/** One category's minute, on one node or summed over several. */
export interface HistoryRow {
  /** The minute's start, epoch ms (a multiple of HISTORY_MINUTE_MS). */
  minute: number;
  category: string;
  /** Attempts that succeeded in this minute. */
  succeeded: number;
  /** Attempts that ended in failure in this minute (retried or not). */
  failed: number;
  /** Waits of the attempts that started in this minute, due to started. */
  wait: HistogramData;
  /** Run times of the attempts that ended in this minute. */
  run: HistogramData;
}

/** A row as `GET /api/history` serves it. */
export interface HistoryPoint {
  /** The minute's start, ISO. */
  minute: string;
  category: string;
  succeeded: number;
  failed: number;
  /** null when no attempt started in this minute. */
  waitP50Ms: number | null;
  waitP95Ms: number | null;
  /** null when no attempt ended in this minute. */
  runP50Ms: number | null;
  runP95Ms: number | null;
}

/** What `GET /api/history` answers. */
export interface HistoryView {
  range: HistoryRange;
  /** The first minute of the range, ISO. */
  from: string;
  /** When it was read, ISO: the range ends with the minute that holds it. */
  to: string;
  /** The width of a point: a minute. */
  stepMs: number;
  /** Per minute and category, only those with attempts, by minute then category. */
  points: HistoryPoint[];
}

/** The start of the minute that holds `ms`. */
export function minuteOf(ms: number): number {
  return Math.floor(ms / HISTORY_MINUTE_MS) * HISTORY_MINUTE_MS;
}

/** The first minute a range ending at `now` shows: the current minute is its last. */
export function historySince(range: HistoryRange, now: number): number {
  return minuteOf(now) - HISTORY_RANGES[range] + HISTORY_MINUTE_MS;
}

/** The oldest minute a backend keeps at `now`; older rows are pruned. */
export function historyKeptFrom(now: number): number {
  return minuteOf(now) - HISTORY_KEEP_MS + HISTORY_MINUTE_MS;
}

/** The wait of an attempt that started at `startedMs`: since the job was due. */
export function waitOf(
  job: { runAt: string | null; createdAt: string },
  startedMs: number,
): number {
  const due = Date.parse(job.runAt ?? job.createdAt);
  return Number.isFinite(due) ? Math.max(0, startedMs - due) : 0;
}

/** `a` + `b` of the same minute and category. */
export function addRows(a: HistoryRow, b: HistoryRow): HistoryRow {
  return {
    minute: a.minute,
    category: a.category,
    succeeded: a.succeeded + b.succeeded,
    failed: a.failed + b.failed,
    wait: mergeHistograms(a.wait, b.wait),
    run: mergeHistograms(a.run, b.run),
  };
}

/** The key rows of one minute and category share. */
export function historyKey(row: { minute: number; category: string }): string {
  return `${row.minute}\u0000${row.category}`;
}

/**
 * Rows summed by (minute, category): how the rows of several nodes make the
 * cluster's. Ordered by minute, then category.
 */
export function sumRows(rows: Iterable<HistoryRow>): HistoryRow[] {
  const sums = new Map<string, HistoryRow>();
  for (const row of rows) {
    const key = historyKey(row);
    const seen = sums.get(key);
    sums.set(key, seen ? addRows(seen, row) : row);
  }
  return [...sums.values()].sort(
    (a, b) =>
      a.minute - b.minute || (a.category < b.category ? -1 : a.category > b.category ? 1 : 0),
  );
}

/** The rows as the API serves them, in the same order. */
export function historyPoints(rows: readonly HistoryRow[]): HistoryPoint[] {
  return rows.map((r) => ({
    minute: new Date(r.minute).toISOString(),
    category: r.category,
    succeeded: r.succeeded,
    failed: r.failed,
    waitP50Ms: histogramQuantile(r.wait, 0.5),
    waitP95Ms: histogramQuantile(r.wait, 0.95),
    runP50Ms: histogramQuantile(r.run, 0.5),
    runP95Ms: histogramQuantile(r.run, 0.95),
  }));
}

/** Why `value` is not a HistoryRow, or null. */
export function historyRowProblem(value: unknown): string | null {
  if (typeof value !== 'object' || value === null) return 'a history row must be an object';
  const r = value as Record<string, unknown>;
  if (typeof r.minute !== 'number' || r.minute % HISTORY_MINUTE_MS !== 0) {
    return "a history row's minute is the epoch ms of a minute's start";
  }
  if (typeof r.category !== 'string') return 'a history row needs a category';
  for (const k of ['succeeded', 'failed'] as const) {
    const n = r[k];
    if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < 0) {
      return `a history row's ${k} is a non-negative integer`;
    }
  }
  if (!Array.isArray(r.wait) || !Array.isArray(r.run)) {
    return 'a history row needs wait and run histograms';
  }
  return null;
}

/** The last minute's waits of one category on one node: six slices of 10 s. */
const SLICE_MS = 10_000;
const SLICES = 6;

interface Pending {
  minute: number;
  category: string;
  succeeded: number;
  failed: number;
  wait: LatencyHistogram;
  run: LatencyHistogram;
}

interface Recent {
  /** The slice (floor(now / SLICE_MS)) each histogram holds, by slot. */
  slice: number[];
  wait: LatencyHistogram[];
}

/**
 * What one node records between two flushes to the backend, and its waits
 * over the last minute. Recording is a few array increments: no I/O, no
 * allocation once a category's minute exists.
 */
export class HistoryRecorder {
  /** Deltas since the last `take`, by historyKey. */
  readonly #pending = new Map<string, Pending>();
  /** The pending row of each category's latest minute, for the hot path. */
  readonly #current = new Map<string, Pending>();
  readonly #recent = new Map<string, Recent>();

  /** An attempt of `category` started at `now`, after waiting `waitMs` since it was due. */
  started(category: string, waitMs: number, now: number): void {
    this.#row(category, now).wait.record(waitMs);
    const recent = this.#recentOf(category);
    const slice = Math.floor(now / SLICE_MS);
    const slot = slice % SLICES;
    if (recent.slice[slot] !== slice) {
      recent.slice[slot] = slice;
      recent.wait[slot]!.clear();
    }
    recent.wait[slot]!.record(waitMs);
  }

  /** An attempt of `category` ended at `now` (succeeded or not), after running `runMs`. */
  finished(category: string, succeeded: boolean, runMs: number, now: number): void {
    const row = this.#row(category, now);
    if (succeeded) row.succeeded += 1;
    else row.failed += 1;
    row.run.record(runMs);
  }

  /** The waits of `category` that started within the last minute before `now`. */
  recentWait(category: string, now: number): HistogramData {
    const recent = this.#recent.get(category);
    if (!recent) return [];
    const slice = Math.floor(now / SLICE_MS);
    let data: HistogramData = [];
    for (let slot = 0; slot < SLICES; slot++) {
      const s = recent.slice[slot]!;
      if (s > slice - SLICES && s <= slice)
        data = mergeHistograms(data, recent.wait[slot]!.toData());
    }
    return data;
  }

  /** The categories with waits recorded within the last minute before `now`. */
  recentCategories(now: number): string[] {
    const slice = Math.floor(now / SLICE_MS);
    return [...this.#recent]
      .filter(([, r]) => r.slice.some((s) => s > slice - SLICES && s <= slice))
      .map(([name]) => name);
  }

  /** The rows recorded since the last take, as deltas; the recorder starts again from none. */
  take(): HistoryRow[] {
    const rows = [...this.#pending.values()].map((p) => ({
      minute: p.minute,
      category: p.category,
      succeeded: p.succeeded,
      failed: p.failed,
      wait: p.wait.toData(),
      run: p.run.toData(),
    }));
    this.#pending.clear();
    this.#current.clear();
    return rows;
  }

  /** Puts back rows a flush could not write, so that the next flush carries them. */
  restore(rows: readonly HistoryRow[]): void {
    for (const r of rows) {
      const p = this.#pendingOf(r.minute, r.category);
      p.succeeded += r.succeeded;
      p.failed += r.failed;
      p.wait.add(r.wait);
      p.run.add(r.run);
    }
  }

  #row(category: string, now: number): Pending {
    const minute = minuteOf(now);
    const current = this.#current.get(category);
    if (current !== undefined && current.minute === minute) return current;
    const p = this.#pendingOf(minute, category);
    this.#current.set(category, p);
    return p;
  }

  #pendingOf(minute: number, category: string): Pending {
    const key = historyKey({ minute, category });
    let p = this.#pending.get(key);
    if (!p) {
      p = {
        minute,
        category,
        succeeded: 0,
        failed: 0,
        wait: new LatencyHistogram(),
        run: new LatencyHistogram(),
      };
      this.#pending.set(key, p);
    }
    return p;
  }

  #recentOf(category: string): Recent {
    let r = this.#recent.get(category);
    if (!r) {
      r = {
        slice: new Array<number>(SLICES).fill(-1),
        wait: Array.from({ length: SLICES }, () => new LatencyHistogram()),
      };
      this.#recent.set(category, r);
    }
    return r;
  }
}
