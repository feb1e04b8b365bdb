/**
 * The worker allocation over time, stacked, split by category (what the
 * balancer gives each) or by node (threads allocated on each, from the
 * snapshots' nodes). Nodes keep their colour while others come and go.
 */
import { useState } from 'react';
import { useSeriesNames } from '../hooks/use-series-names.js';
import { useStableColors } from '../hooks/use-stable-colors.js';
import { formatCount } from '../lib/format.js';
import type { History } from '../lib/history.js';
import { Segmented, type SegmentedOption } from './segmented.js';
import { TimeChart } from './time-chart.js';

export type AllocationSplit = 'category' | 'node';

const SPLITS: readonly SegmentedOption<AllocationSplit>[] = [
  { value: 'category', label: 'By category' },
  { value: 'node', label: 'By node' },
];

export interface AllocationChartProps {
  history: History;
  version: number;
  categories: readonly string[];
  categoryColors: ReadonlyMap<string, string>;
  /** The nodes of the latest snapshot. */
  nodes: readonly string[] | undefined;
  /** Worker threads of the live nodes: the top of the scale. */
  workers: number;
}

export function AllocationChart(props: AllocationChartProps) {
  const { history, version, workers } = props;
  const [split, setSplit] = useState<AllocationSplit>('category');
  const byName = (a: string, b: string) => a.localeCompare(b);
  const nodes = useSeriesNames(props.nodes && [...props.nodes].sort(byName), history.nodes);
  const nodeColors = useStableColors(nodes);
  const byNode = split === 'node';
  return (
    <TimeChart
      id="allocation"
      title="Worker allocation"
      description={
        byNode
          ? `Worker threads allocated on each node, stacked (${workers} in total).`
          : `Worker threads the balancer gives each category, stacked (${workers} in total).`
      }
      history={history}
      version={version}
      metric={byNode ? 'nodeAllocated' : 'allocated'}
      names={byNode ? nodes : props.categories}
      colors={byNode ? nodeColors : props.categoryColors}
      format={formatCount}
      stacked
      stepped
      height={260}
      yMax={workers}
      controls={
        <Segmented
          label="Split the allocation"
          value={split}
          options={SPLITS}
          onChange={setSplit}
        />
      }
    />
  );
}
