/** Conformance: metrics history (issue 14): deltas add up, survive a restart, 24 h are kept. */
import { describe, expect, it } from 'vitest';
import {
  HISTORY_KEEP_MS,
  HISTORY_MINUTE_MS,
  LatencyHistogram,
  sumRows,
  type HistoryRow,
} from '@cadre/core';
import { NODE, T0, type Conformance } from './conformance-support.js';

const M = HISTORY_MINUTE_MS;

function row(minute: number, category: string, partial: Partial<HistoryRow> = {}): HistoryRow {
  return { minute, category, succeeded: 0, failed: 0, wait: [], run: [], ...partial };
}

function hist(...ms: number[]): number[] {
  const h = new LatencyHistogram();
  for (const v of ms) h.record(v);
  return h.toData();
}

export function describeHistory(suite: Conformance, options: { cluster: boolean }): void {
  describe('metrics history', () => {
    it('adds deltas to the rows of their minute and category, and reads them in order', async () => {
      const { backend } = await suite.open();
      const a = row(T0, 'email', { succeeded: 2, wait: hist(5, 50), run: hist(100, 200) });
      const b = row(T0 + M, 'default', { failed: 1, wait: hist(1), run: hist(3000) });
      await backend.recordHistory([a, b], T0 + M);
      const c = row(T0, 'email', { succeeded: 1, failed: 1, wait: hist(50), run: hist(7) });
      const d = row(T0, 'default', { succeeded: 4 });
      await backend.recordHistory([c, d], T0 + M + 10);
      expect(await backend.history(T0, T0 + M + 20)).toEqual(sumRows([a, b, c, d]));
      expect(await backend.history(T0 + M, T0 + M + 20)).toEqual([b]);
      expect(await backend.history(T0 + 2 * M, T0 + M + 20)).toEqual([]);
    });

    it('keeps the history across a restart', async () => {
      const first = await suite.open();
      const rows = [
        row(T0, 'email', { succeeded: 3, wait: hist(10, 20, 30), run: hist(40) }),
        row(T0 + 5 * M, 'reports', { failed: 2, run: hist(1, 2) }),
      ];
      await first.backend.recordHistory(rows, T0 + 5 * M);
      let opening = await suite.reopen(first.backend, { now: T0 + 6 * M });
      expect(await opening.backend.history(T0, T0 + 6 * M)).toEqual(rows);
      // A node that restarts within a minute adds to that minute.
      await opening.backend.recordHistory(
        [row(T0 + 5 * M, 'reports', { succeeded: 1 })],
        T0 + 6 * M,
      );
      opening = await suite.reopen(opening.backend, { now: T0 + 7 * M });
      expect(await opening.backend.history(T0 + 5 * M, T0 + 7 * M)).toEqual([
        row(T0 + 5 * M, 'reports', { succeeded: 1, failed: 2, run: hist(1, 2) }),
      ]);
    });

    it('keeps 24 h: older rows are neither read nor kept', async () => {
      const { backend } = await suite.open();
      const old = row(T0, 'email', { succeeded: 1 });
      const recent = row(T0 + HISTORY_KEEP_MS, 'email', { succeeded: 2 });
      await backend.recordHistory([old], T0);
      const later = T0 + HISTORY_KEEP_MS;
      expect(await backend.history(0, later - M)).toEqual([old]);
      expect(await backend.history(0, later)).toEqual([]);
      await backend.recordHistory([recent, row(T0 - M, 'email', { failed: 9 })], later);
      expect(await backend.history(0, later)).toEqual([recent]);
      const reopened = await suite.reopen(backend, { now: later });
      expect(await reopened.backend.history(0, later)).toEqual([recent]);
    });

    it('records an empty flush without harm', async () => {
      const { backend } = await suite.open();
      await backend.recordHistory([], T0);
      expect(await backend.history(0, T0)).toEqual([]);
    });

    if (options.cluster) {
      it('sums the rows of every node', async () => {
        const a = await suite.open();
        const b = await suite.open({ node: { name: `${NODE.name}-2` } });
        const ra = row(T0, 'email', { succeeded: 2, wait: hist(10), run: hist(5) });
        const rb = row(T0, 'email', { succeeded: 5, failed: 1, wait: hist(10, 900), run: hist(6) });
        await a.backend.recordHistory([ra], T0);
        await b.backend.recordHistory([rb], T0);
        const summed = sumRows([ra, rb]);
        expect(await a.backend.history(T0, T0)).toEqual(summed);
        expect(await b.backend.history(T0, T0)).toEqual(summed);
      });
    }
  });
}
