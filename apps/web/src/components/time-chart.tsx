/**
 * A uPlot time chart of one metric per category (or per node) over the history window.
 * uPlot draws on canvas and takes new data with setData, so a snapshot a
 * second costs one redraw, not a React re-render of the chart.
 */
import { useEffect, useMemo, useRef, type ReactNode } from 'react';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { colorOf } from '../hooks/use-dashboard.js';
import { cssVar, useTheme } from '../hooks/use-theme.js';
import type { Columns, History, Metric } from '../lib/history.js';
import { withAlpha } from '../lib/colors.js';
import { stack } from '../lib/stack.js';

export interface TimeChartProps {
  id: string;
  title: string;
  description: string;
  history: History;
  version: number;
  metric: Metric;
  names: readonly string[];
  colors: ReadonlyMap<string, string>;
  format: (value: number) => string;
  stacked?: boolean;
  stepped?: boolean;
  height?: number;
  /** Fixed top of the y scale (e.g. the worker count), else from the data. */
  yMax?: number;
  /** Shown beside the title, e.g. a choice of how to split the series. */
  controls?: ReactNode;
}

const MIN_SPAN_S = 60;

function sumAt(columns: Columns, index: number): number {
  let total = 0;
  for (let s = 1; s < columns.length; s++) total += columns[s]?.[index] ?? 0;
  return total;
}

export function TimeChart(props: TimeChartProps) {
  const { history, version, metric, names, colors, format, stacked, stepped, yMax } = props;
  const box = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);
  const raw = useRef<Columns>([[]]);
  const namesKey = names.join('\u0000');
  const height = props.height ?? 200;
  // The axes take the theme's colours (CSS variables): a new theme draws the chart again.
  const { theme } = useTheme();
  const formatRef = useRef(format);
  const yMaxRef = useRef(yMax);
  useEffect(() => {
    formatRef.current = format;
    yMaxRef.current = yMax;
  });

  const latest = useMemo(() => {
    void version;
    const cols = history.columns(metric, Date.now(), names);
    return { total: sumAt(cols, cols[0].length - 1), points: cols[0].length };
  }, [history, metric, names, version]);

  useEffect(() => {
    const el = box.current;
    if (!el) return;
    const list = namesKey === '' ? [] : namesKey.split('\u0000');
    void theme;
    const axis = cssVar('--chart-axis', '#8b95a7');
    const grid = cssVar('--chart-grid', 'rgba(148, 163, 184, 0.12)');
    const timeOf = uPlot.fmtDate('{HH}:{mm}:{ss}');
    const series: uPlot.Series[] = [
      {
        label: 'time',
        value: (_u: uPlot, v: number | null) => (v === null ? 'now' : timeOf(new Date(v * 1000))),
      },
      ...list.map((name, i) => {
        const color = colorOf(colors, name);
        return {
          label: name,
          stroke: color,
          width: 1.5,
          fill: withAlpha(color, stacked ? 0.45 : 0.06),
          points: { show: false },
          paths: stepped ? uPlot.paths.stepped?.({ align: 1 }) : undefined,
          // Without a cursor the legend shows the latest values: a live readout.
          value: (_u: uPlot, _v: number | null, _si: number, idx: number | null) => {
            const column = raw.current[i + 1] ?? [];
            return formatRef.current(column[idx ?? column.length - 1] ?? 0);
          },
        } satisfies uPlot.Series;
      }),
    ];
    const u = new uPlot(
      {
        width: Math.max(200, el.clientWidth),
        height,
        series,
        bands: stacked ? stack([[], ...list.map(() => [])]).bands : [],
        legend: { show: true, live: true },
        cursor: { drag: { x: false, y: false }, points: { size: 6 } },
        scales: {
          x: { time: true },
          y: {
            range: (_u, _min, max) => [0, Math.max(yMaxRef.current ?? 0, max * 1.1, 1)],
          },
        },
        axes: [
          {
            stroke: axis,
            grid: { stroke: grid, width: 1 },
            ticks: { stroke: grid },
            space: 70,
            // Clock times only: uPlot's default adds a date row that collides with the first tick.
            values: (_u, splits) => splits.map((s) => timeOf(new Date(s * 1000))),
          },
          {
            stroke: axis,
            grid: { stroke: grid, width: 1 },
            ticks: { stroke: grid },
            // Wide enough for the longest label ("1.2k/s"), measured in characters.
            size: (_u, values) =>
              Math.max(32, 14 + 7.5 * Math.max(0, ...(values ?? []).map((v) => String(v).length))),
            values: (_u, values) => values.map((v) => formatRef.current(v)),
          },
        ],
      },
      [[]],
      el,
    );
    plot.current = u;
    const observer = new ResizeObserver(() => {
      u.setSize({ width: Math.max(200, el.clientWidth), height });
    });
    observer.observe(el);
    return () => {
      observer.disconnect();
      u.destroy();
      plot.current = null;
    };
  }, [namesKey, colors, stacked, stepped, height, theme]);

  useEffect(() => {
    const u = plot.current;
    if (!u) return;
    const now = Date.now();
    const cols = history.columns(metric, now, names);
    raw.current = cols;
    const data = (stacked ? stack(cols).data : cols) as uPlot.AlignedData;
    u.batch(() => {
      u.setData(data, true);
      // Until the window has filled, show what there is (at least a minute) rather than a sliver.
      const first = cols[0][0] ?? now / 1000;
      const min = Math.min(
        Math.max((now - history.windowMs) / 1000, first),
        now / 1000 - MIN_SPAN_S,
      );
      u.setScale('x', { min, max: now / 1000 });
    });
    if (u.cursor.idx === null || u.cursor.idx === undefined) u.setLegend({ idx: null as never });
  }, [history, metric, names, stacked, version, namesKey, theme]);

  return (
    <figure
      className="chart"
      aria-labelledby={`${props.id}-title`}
      aria-describedby={`${props.id}-desc`}
      data-testid={`chart-${props.id}`}
      data-points={latest.points}
      data-latest-total={latest.total}
    >
      <figcaption>
        <h2 id={`${props.id}-title`}>{props.title}</h2>
        <p id={`${props.id}-desc`}>{props.description}</p>
        {props.controls}
      </figcaption>
      <div ref={box} className="chart-canvas" style={{ minHeight: height }} />
    </figure>
  );
}
