/**
 * Throughput and wait over a chosen range: live (the last five minutes of
 * snapshots, kept in the browser) or the last hour or day from the server's
 * metrics history (`GET /api/history`, kept across restarts; read again
 * every 30 s). The wait chart draws each category's p95 wait, with its
 * target as a dashed line of its colour; the targets are listed in words too.
 */
import type { CategoryView } from '@cadre/client';
import { useEffect, useMemo, useState } from 'react';
import { useDashboard } from '../hooks/use-dashboard.js';
import { formatCount, formatDuration, formatRate } from '../lib/format.js';
import type { ChartSource, History } from '../lib/history.js';
import { ServerHistory } from '../lib/server-history.js';
import { Segmented, type SegmentedOption } from './segmented.js';
import { TimeChart, type ChartLine } from './time-chart.js';

export type ChartRange = 'live' | '1h' | '24h';

const RANGES: readonly SegmentedOption<ChartRange>[] = [
  { value: 'live', label: 'Live' },
  { value: '1h', label: '1 h' },
  { value: '24h', label: '24 h' },
];

const REFRESH_MS = 30_000;

const RANGE_WORDS: Record<ChartRange, string> = {
  live: 'live, last 5 minutes',
  '1h': 'per minute, last hour',
  '24h': 'per minute, last 24 hours',
};

export interface HistoryChartsProps {
  /** The live samples of the snapshots. */
  live: History;
  version: number;
  names: readonly string[];
  colors: ReadonlyMap<string, string>;
  /** The latest snapshot's categories: their wait targets. */
  categories: readonly CategoryView[] | undefined;
}

export function HistoryCharts({ live, version, names, colors, categories }: HistoryChartsProps) {
  const { client, fail } = useDashboard();
  const [range, setRange] = useState<ChartRange>('live');
  const [server, setServer] = useState<{ range: ChartRange; history: ServerHistory } | null>(null);
  const [loads, setLoads] = useState(0);

  useEffect(() => {
    if (range === 'live') return;
    let current = true;
    const load = () =>
      client.history(range).then(
        (view) => {
          if (!current) return;
          setServer({ range, history: new ServerHistory(view) });
          setLoads((n) => n + 1);
        },
        (err: unknown) => current && fail('Loading the metrics history', err),
      );
    void load();
    const timer = setInterval(() => void load(), REFRESH_MS);
    return () => {
      current = false;
      clearInterval(timer);
    };
  }, [client, fail, range]);

  const fromServer = range !== 'live' && server?.range === range ? server.history : null;
  const loading = range !== 'live' && fromServer === null;
  const source: ChartSource = range === 'live' ? live : (fromServer ?? EMPTY);
  const shown = useMemo(() => {
    if (!fromServer) return names;
    const extra = fromServer.categories.filter((n) => !names.includes(n));
    return extra.length === 0 ? names : [...names, ...extra];
  }, [fromServer, names]);
  const targets: ChartLine[] = useMemo(
    () =>
      (categories ?? [])
        .filter((c) => c.targetWaitMs !== null)
        .map((c) => ({ name: c.name, value: c.targetWaitMs! })),
    [categories],
  );
  const jobs = fromServer ? fromServer.jobs : null;
  const chartVersion = range === 'live' ? version : loads;

  const switcher = (
    <Segmented label="Range of the charts" value={range} options={RANGES} onChange={setRange} />
  );
  const summary = loading
    ? 'Loading…'
    : jobs === null
      ? null
      : jobs === 0
        ? 'No jobs finished in this range.'
        : `${formatCount(jobs)} jobs finished in this range.`;

  return (
    <>
      <div
        className="card chart-third"
        data-testid="history-throughput"
        data-range={range}
        data-jobs={jobs ?? ''}
      >
        <TimeChart
          id="throughput"
          title="Throughput"
          description={`Jobs finished per second, per category (${RANGE_WORDS[range]}).`}
          history={source}
          version={chartVersion}
          metric="throughput"
          names={shown}
          colors={colors}
          format={formatRate}
          height={170}
          controls={switcher}
        />
        {summary !== null && (
          <p className="chart-note" role="status" data-testid="history-summary">
            {summary}
          </p>
        )}
      </div>
      <div className="card chart-third" data-testid="history-wait" data-range={range}>
        <TimeChart
          id="wait"
          title="Wait (p95)"
          description={`95th percentile wait from due to started, per category (${RANGE_WORDS[range]}).`}
          history={source}
          version={chartVersion}
          metric="waitP95"
          names={shown}
          colors={colors}
          format={formatDuration}
          height={170}
          lines={targets}
          dots
        />
        <p className="chart-note" data-testid="wait-targets">
          {targets.length === 0
            ? 'No category has a wait target.'
            : `Dashed lines: wait targets (${targets
                .map((t) => `${t.name} ${formatDuration(t.value)}`)
                .join(', ')}).`}
        </p>
      </div>
    </>
  );
}

/** Nothing to draw yet (the range is loading). */
const EMPTY: ChartSource = {
  windowMs: 60 * 60_000,
  columns: (_m, _now, names) => [[], ...names.map(() => [])],
};
