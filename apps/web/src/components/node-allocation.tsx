/**
 * A node's threads by category: a bar of the categories' colours over the
 * node's threads, and the same numbers as labelled chips (the text is what
 * screen readers get; the bar is only a picture of it).
 */
import type { Allocation } from '@cadre/client';
import { colorOf, useDashboard } from '../hooks/use-dashboard.js';
import { allocationShares } from '../lib/nodes.js';
import { CategoryLabel } from './category-label.js';

export interface NodeAllocationProps {
  node: string;
  allocation: Allocation;
  workers: number;
  /** The dashboard's category order. */
  categories: readonly string[];
}

export function NodeAllocation({ node, allocation, workers, categories }: NodeAllocationProps) {
  const { colors } = useDashboard();
  const shares = allocationShares(allocation, categories);
  if (shares.length === 0) return <p className="muted node-idle">No threads allocated</p>;
  const total = Math.max(
    workers,
    shares.reduce((sum, s) => sum + s.slots, 0),
    1,
  );
  return (
    <div className="node-alloc">
      <div className="node-alloc-bar" aria-hidden="true">
        {shares.map((s) => (
          <div
            key={s.category}
            style={{
              width: `${(s.slots / total) * 100}%`,
              background: colorOf(colors, s.category),
            }}
          />
        ))}
      </div>
      <ul className="chips" aria-label={`Threads of ${node} by category`}>
        {shares.map((s) => (
          <li key={s.category} className="chip">
            <CategoryLabel name={s.category} /> <strong>{s.slots}</strong>
          </li>
        ))}
      </ul>
    </div>
  );
}
