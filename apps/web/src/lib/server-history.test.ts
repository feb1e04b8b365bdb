import type { HistoryView } from '@cadre/client';
import { describe, expect, it } from 'vitest';
import { ServerHistory } from './server-history.js';

const T = Date.parse('2026-01-01T10:00:00.000Z');
const M = 60_000;

function point(minute: number, category: string, over: object = {}) {
  return {
    minute: new Date(minute).toISOString(),
    category,
    succeeded: 0,
    failed: 0,
    waitP50Ms: null,
    waitP95Ms: null,
    runP50Ms: null,
    runP95Ms: null,
    ...over,
  };
}

const view: HistoryView = {
  range: '5m',
  from: new Date(T).toISOString(),
  to: new Date(T + 4 * M + 30_000).toISOString(),
  stepMs: M,
  points: [
    point(T, 'email', { succeeded: 90, failed: 30, waitP95Ms: 120 }),
    point(T + 2 * M, 'email', { succeeded: 6, waitP95Ms: 40 }),
    point(T + 2 * M, 'reports', { failed: 60, waitP95Ms: 5000 }),
  ],
};

describe('ServerHistory', () => {
  const h = new ServerHistory(view);

  it('has one x per minute of the range, in epoch seconds', () => {
    const [xs] = h.columns('throughput', 0, []);
    expect(xs).toEqual([0, 1, 2, 3, 4].map((i) => (T + i * M) / 1000));
    expect(h.windowMs).toBe(5 * M);
    expect(h.categories).toEqual(['email', 'reports']);
    expect(h.empty).toBe(false);
    expect(h.jobs).toBe(186);
  });

  it('reads jobs finished per second, 0 for a minute without any', () => {
    const [, email, reports, none] = h.columns('throughput', 0, ['email', 'reports', 'none']);
    expect(email).toEqual([2, 0, 0.1, 0, 0]);
    expect(reports).toEqual([0, 0, 1, 0, 0]);
    expect(none).toEqual([0, 0, 0, 0, 0]);
  });

  it('reads the p95 wait, with gaps where nothing started', () => {
    const [, email, reports] = h.columns('waitP95', 0, ['email', 'reports']);
    expect(email).toEqual([120, null, 40, null, null]);
    expect(reports).toEqual([null, null, 5000, null, null]);
  });

  it('is empty for a range without points', () => {
    expect(new ServerHistory({ ...view, points: [] }).empty).toBe(true);
  });
});
