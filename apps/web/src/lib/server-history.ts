/**
 * The server's metrics history (`GET /api/history`) as a chart source: one
 * point per minute of the range, per category. A minute with no attempts of
 * a category reads 0 jobs/s and no wait (a gap in the wait line).
 */
import type { HistoryView } from '@cadre/client';
import type { ChartSource, Columns } from './history.js';

/** What the history charts draw per category and minute. */
export type HistoryMetric = 'throughput' | 'waitP95';

const RANGE_MS = { '5m': 5 * 60_000, '1h': 60 * 60_000, '24h': 24 * 60 * 60_000 } as const;

export class ServerHistory implements ChartSource {
  readonly windowMs: number;
  /** Minute starts of the range, seconds since the epoch (uPlot's unit). */
  readonly #minutes: number[];
  /** Points by category, then by minute (epoch s). */
  readonly #points = new Map<string, Map<number, HistoryView['points'][number]>>();

  constructor(view: HistoryView) {
    this.windowMs = RANGE_MS[view.range];
    const from = Date.parse(view.from);
    const to = Date.parse(view.to);
    const step = view.stepMs;
    this.#minutes = [];
    for (let t = from; t <= to; t += step) this.#minutes.push(t / 1000);
    for (const p of view.points) {
      let byMinute = this.#points.get(p.category);
      if (!byMinute) this.#points.set(p.category, (byMinute = new Map()));
      byMinute.set(Date.parse(p.minute) / 1000, p);
    }
  }

  /** The categories the range has points of. */
  get categories(): string[] {
    return [...this.#points.keys()];
  }

  /** Whether any attempt was recorded in the range. */
  get empty(): boolean {
    return this.#points.size === 0;
  }

  /** Attempts that ended in the range (succeeded or failed), all categories. */
  get jobs(): number {
    let n = 0;
    for (const byMinute of this.#points.values()) {
      for (const p of byMinute.values()) n += p.succeeded + p.failed;
    }
    return n;
  }

  columns(metric: string, _nowMs: number, names: readonly string[]): Columns {
    const xs = this.#minutes;
    const series = names.map((name) => {
      const byMinute = this.#points.get(name);
      return xs.map((t): number | null => {
        const p = byMinute?.get(t);
        if (metric === 'waitP95') return p?.waitP95Ms ?? null;
        // Jobs finished per second over the minute.
        return p ? (p.succeeded + p.failed) / 60 : 0;
      });
    });
    return [xs, ...series];
  }
}
