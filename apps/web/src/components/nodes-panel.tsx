/**
 * The cluster's nodes from the live snapshots: one card each, the leader
 * first. Only this panel follows the clock (heartbeat ages), once a second.
 */
import type { NodeView } from '@cadre/client';
import { useMemo } from 'react';
import { useNow } from '../hooks/use-now.js';
import { sortNodes } from '../lib/nodes.js';
import { NodeCard } from './node-card.js';

export interface NodesPanelProps {
  /** The nodes of the latest snapshot; undefined before the first. */
  nodes: readonly NodeView[] | undefined;
  categories: readonly string[];
}

export function NodesPanel({ nodes, categories }: NodesPanelProps) {
  const now = useNow(1000);
  const sorted = useMemo(() => (nodes ? sortNodes(nodes) : undefined), [nodes]);
  const live = sorted?.filter((n) => n.state === 'live').length ?? 0;
  const dead = (sorted?.length ?? 0) - live;
  return (
    <section className="nodes" aria-labelledby="nodes-title">
      <div className="section-head">
        <h2 id="nodes-title">Nodes</h2>
        {sorted && (
          <span className="muted" data-testid="nodes-summary">
            {live} live{dead > 0 ? `, ${dead} dead` : ''}
          </span>
        )}
      </div>
      <div className="nodes-grid">
        {!sorted && <p className="muted card">Waiting for the first snapshot…</p>}
        {sorted?.map((node) => (
          <NodeCard key={node.name} node={node} now={now} categories={categories} />
        ))}
      </div>
    </section>
  );
}
