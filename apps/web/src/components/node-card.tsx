/**
 * One node of the cluster: its threads, what runs on it, its heartbeat's
 * age, its tags and its allocation by category. A dead node is greyed and
 * can be removed; it stays listed as dead until it is.
 */
import type { NodeView } from '@cadre/client';
import { formatClock, formatCount, formatHeartbeatAge } from '../lib/format.js';
import { NodeAllocation } from './node-allocation.js';
import { RemoveNode } from './remove-node.js';
import { WriteOnly } from '../hooks/use-access.js';

export interface NodeCardProps {
  node: NodeView;
  /** The page's clock, for the heartbeat's age. */
  now: number;
  categories: readonly string[];
}

export function NodeCard({ node, now, categories }: NodeCardProps) {
  const dead = node.state === 'dead';
  return (
    <article
      className={`card node ${dead ? 'is-dead' : ''}`}
      aria-label={`Node ${node.name}`}
      data-state={node.state}
    >
      <header>
        <span className="node-dot" aria-hidden="true" />
        <h3 className="ellipsis" title={node.name}>
          {node.name}
        </h3>
        {node.leader && (
          <span className="badge badge-leader" title="Runs the cluster’s balancer">
            <span aria-hidden="true">★ </span>leader
          </span>
        )}
        <span className={`badge ${dead ? 'badge-dead' : 'badge-live'}`} data-testid="node-state">
          {node.state}
        </span>
      </header>

      <div className="node-body">
        <dl className="stats">
          <div>
            <dt>threads</dt>
            <dd data-testid="node-workers">{formatCount(node.workers)}</dd>
          </div>
          <div className="tone-running">
            <dt>running</dt>
            <dd data-testid="node-running">{formatCount(node.running)}</dd>
          </div>
          <div>
            <dt>heartbeat</dt>
            <dd
              className="node-beat"
              data-testid="node-heartbeat"
              title={`Last heartbeat at ${formatClock(node.heartbeatAt)}`}
            >
              {formatHeartbeatAge(node.heartbeatAt, now)}
            </dd>
          </div>
        </dl>

        {node.tags.length > 0 ? (
          <ul className="chips" aria-label={`Tags of ${node.name}`}>
            {node.tags.map((tag) => (
              <li key={tag} className="chip tag">
                {tag}
              </li>
            ))}
          </ul>
        ) : (
          <p className="muted node-idle">No tags</p>
        )}

        <NodeAllocation
          node={node.name}
          allocation={node.allocation}
          workers={node.workers}
          categories={categories}
        />
      </div>

      {dead && (
        <div className="node-actions">
          <WriteOnly>
            <RemoveNode name={node.name} />
          </WriteOnly>
        </div>
      )}
    </article>
  );
}
