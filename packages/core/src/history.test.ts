import { describe, expect, it } from 'vitest';
import {
  HISTORY_MINUTE_MS,
  HistoryRecorder,
  historyKeptFrom,
  historyPoints,
  historyRowProblem,
  historySince,
  minuteOf,
  sumRows,
  waitOf,
  type HistoryRow,
} from './history.js';
import { LatencyHistogram, bucketOf, histogramCount } from './latency-histogram.js';

const T = 1_700_000_040_000; // the start of a minute
const M = HISTORY_MINUTE_MS;

function row(minute: number, category: string, partial: Partial<HistoryRow> = {}): HistoryRow {
  return { minute, category, succeeded: 0, failed: 0, wait: [], run: [], ...partial };
}

describe('minutes and ranges', () => {
  it('rounds a time down to its minute', () => {
    expect(T % M).toBe(0);
    expect(minuteOf(T)).toBe(T);
    expect(minuteOf(T + M - 1)).toBe(T);
    expect(minuteOf(T + M)).toBe(T + M);
  });

  it('starts a range so that it ends with the current minute', () => {
    expect(historySince('5m', T + 30_000)).toBe(T - 4 * M);
    expect(historySince('1h', T)).toBe(T - 59 * M);
    expect(historySince('24h', T)).toBe(T - (24 * 60 - 1) * M);
    expect(historyKeptFrom(T)).toBe(historySince('24h', T));
  });
});

describe('waitOf', () => {
  const job = { runAt: null, createdAt: new Date(T).toISOString() };

  it('measures from createdAt when the job was due at once', () => {
    expect(waitOf(job, T + 250)).toBe(250);
  });

  it('measures from runAt when the job was delayed or retried', () => {
    expect(waitOf({ ...job, runAt: new Date(T + 5000).toISOString() }, T + 5100)).toBe(100);
  });

  it('is never negative (clocks of two nodes may disagree a little)', () => {
    expect(waitOf(job, T - 10)).toBe(0);
  });
});

describe('sumRows', () => {
  it('adds the rows of the same minute and category, and orders by minute then category', () => {
    const a = row(T, 'email', { succeeded: 2, failed: 1, wait: [3, 2], run: [5, 3] });
    const b = row(T, 'email', { succeeded: 1, wait: [3, 1, 4, 1], run: [6, 1] });
    const c = row(T - M, 'reports', { succeeded: 7 });
    const d = row(T, 'default', { failed: 4 });
    expect(sumRows([a, b, c, d])).toEqual([
      c,
      d,
      row(T, 'email', { succeeded: 3, failed: 1, wait: [3, 3, 4, 1], run: [5, 3, 6, 1] }),
    ]);
  });
});

describe('historyPoints', () => {
  it('serves ISO minutes and p50/p95 of the histograms, null where none', () => {
    const wait = new LatencyHistogram();
    for (let i = 1; i <= 100; i++) wait.record(i * 10);
    const [point] = historyPoints([row(T, 'email', { succeeded: 3, wait: wait.toData() })]);
    expect(point).toMatchObject({
      minute: new Date(T).toISOString(),
      category: 'email',
      succeeded: 3,
      failed: 0,
      runP50Ms: null,
      runP95Ms: null,
    });
    expect(Math.abs(point!.waitP50Ms! - 500) / 500).toBeLessThan(0.045);
    expect(Math.abs(point!.waitP95Ms! - 950) / 950).toBeLessThan(0.045);
  });
});

describe('historyRowProblem', () => {
  it('accepts a row and names what is wrong with others', () => {
    expect(historyRowProblem(row(T, 'x'))).toBeNull();
    expect(historyRowProblem(null)).toContain('object');
    expect(historyRowProblem(row(T + 1, 'x'))).toContain('minute');
    expect(historyRowProblem({ ...row(T, 'x'), category: 1 })).toContain('category');
    expect(historyRowProblem(row(T, 'x', { failed: -1 }))).toContain('failed');
    expect(historyRowProblem({ ...row(T, 'x'), wait: null })).toContain('histograms');
  });
});

describe('HistoryRecorder', () => {
  it('records starts and ends into their minute, per category, as deltas', () => {
    const r = new HistoryRecorder();
    r.started('email', 20, T + 1000);
    r.finished('email', true, 300, T + 2000);
    r.finished('email', false, 10, T + M + 5);
    r.started('reports', 0, T + 10);
    const rows = sumRows(r.take());
    expect(rows).toEqual([
      row(T, 'email', { succeeded: 1, wait: [bucketOf(20), 1], run: [bucketOf(300), 1] }),
      row(T, 'reports', { wait: [0, 1] }),
      row(T + M, 'email', { failed: 1, run: [bucketOf(10), 1] }),
    ]);
    expect(r.take()).toEqual([]);
    r.finished('email', true, 1, T + M + 10);
    expect(r.take()).toEqual([row(T + M, 'email', { succeeded: 1, run: [bucketOf(1), 1] })]);
  });

  it('takes back the rows a flush could not write', () => {
    const r = new HistoryRecorder();
    r.finished('email', true, 50, T);
    const failed = r.take();
    r.finished('email', true, 50, T + 1);
    r.restore(failed);
    expect(r.take()).toEqual([row(T, 'email', { succeeded: 2, run: [bucketOf(50), 2] })]);
  });

  it('keeps the waits of the last minute, whatever was taken', () => {
    const r = new HistoryRecorder();
    r.started('email', 100, T);
    r.started('email', 200, T + 30_000);
    r.take();
    expect(histogramCount(r.recentWait('email', T + 30_000))).toBe(2);
    expect(r.recentCategories(T + 30_000)).toEqual(['email']);
    // Sixty seconds on, the first wait's slice has left the window.
    expect(r.recentWait('email', T + 60_000)).toEqual([bucketOf(200), 1]);
    expect(r.recentWait('email', T + 95_000)).toEqual([]);
    expect(r.recentCategories(T + 95_000)).toEqual([]);
    expect(r.recentWait('none', T)).toEqual([]);
  });

  it('reuses a slot of the ring for a new slice, dropping what it held', () => {
    const r = new HistoryRecorder();
    r.started('email', 100, T);
    r.started('email', 300, T + 60_000);
    expect(r.recentWait('email', T + 60_000)).toEqual([bucketOf(300), 1]);
  });
});
