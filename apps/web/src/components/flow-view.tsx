/**
 * A flow as a graph, live while it is open: a chain as a line of steps, a
 * group as a fan-in of its members to the chord, every other callback under
 * its parent. Each node is coloured by its job's state and opens that job.
 * The layout is lib/flow-layout.ts; this draws it: SVG for the edges, buttons
 * for the nodes.
 */
import type { Flow, Job } from '@cadre/client';
import { useEffect, useId, useMemo, useRef, useState, type CSSProperties } from 'react';
import { useDashboard } from '../hooks/use-dashboard.js';
import { useFlow } from '../hooks/use-flow.js';
import { useWidth } from '../hooks/use-width.js';
import { BUNDLE_ARROW, layoutFlow, type LaidEdge, type LaidNode } from '../lib/flow-layout.js';
import { allFlowJobs, countStates, hasFired } from '../lib/flows.js';
import { formatCount } from '../lib/format.js';
import { StateBadge } from './state-badge.js';
import { WriteOnly } from '../hooks/use-access.js';

export interface FlowViewProps {
  id: string;
  /** When the flow was last asked for: each time, the view comes into sight. */
  asked: number;
  /** The job open in the detail, ringed in the graph. */
  selected: string | null;
  onSelectJob: (id: string) => void;
  /** Filters the jobs table to this flow. */
  onShowJobs: (flowId: string) => void;
  onClose: () => void;
  onChanged: () => void;
}

export function FlowView({
  id,
  asked,
  selected,
  onSelectJob,
  onShowJobs,
  onClose,
  onChanged,
}: FlowViewProps) {
  const { client, notify, fail } = useDashboard();
  const { flow, error, show } = useFlow(id);
  const [busy, setBusy] = useState(false);
  const root = useRef<HTMLElement>(null);

  useEffect(() => {
    root.current?.scrollIntoView?.({ block: 'nearest', behavior: 'smooth' });
  }, [asked]);

  async function cancel() {
    setBusy(true);
    try {
      show(await client.cancelFlow(id));
      notify('success', `Flow ${id} cancelled`);
      onChanged();
    } catch (err) {
      fail('Cancelling the flow', err);
    } finally {
      setBusy(false);
    }
  }

  const jobs = flow ? allFlowJobs(flow) : [];

  return (
    <section ref={root} className="card flow" aria-labelledby="flow-title" data-testid="flow-view">
      <div className="flow-head">
        <h2 id="flow-title">
          Flow <span className="mono">{id}</span>
        </h2>
        {flow && (
          <>
            <span className="badge badge-kind" data-testid="flow-kind">
              {flow.kind === 'chain' ? 'chain' : flow.callback ? 'chord' : 'group'}
            </span>
            <span aria-label="Flow state" data-testid="flow-state">
              <StateBadge state={flow.state} />
            </span>
            <span className="muted">
              {formatCount(flow.jobs.length)} {flow.kind === 'chain' ? 'steps' : 'members'}
              {jobs.length > flow.jobs.length &&
                ` · ${formatCount(jobs.length - flow.jobs.length)} callback${jobs.length - flow.jobs.length === 1 ? '' : 's'}`}
            </span>
          </>
        )}
        <div className="flow-actions">
          <button type="button" onClick={() => onShowJobs(id)}>
            Show its jobs
          </button>
          <WriteOnly>
            <button
              type="button"
              className="danger"
              disabled={busy || flow?.state !== 'running'}
              onClick={() => void cancel()}
            >
              Cancel flow
            </button>
          </WriteOnly>
          <button type="button" className="ghost" aria-label="Close flow view" onClick={onClose}>
            ✕
          </button>
        </div>
      </div>
      {error && (
        <p className="inline-error" role="alert">
          {error}
        </p>
      )}
      {!flow && !error && <p className="muted">Loading…</p>}
      {flow && (
        <>
          <ul className="flow-legend" aria-label="Jobs by state">
            {countStates(jobs).map(([state, n]) => (
              <li key={state}>
                <StateBadge state={state} /> <strong>{formatCount(n)}</strong>
              </li>
            ))}
          </ul>
          <FlowGraph flow={flow} selected={selected} onSelectJob={onSelectJob} />
        </>
      )}
    </section>
  );
}

/**
 * Arrowheads, one per look of edge: SVG 1.1 markers cannot take their path's
 * colour. A bundle's starts where its line stops (BUNDLE_ARROW short of the chord).
 */
const ARROWS = [
  { name: 'dim', look: 'dim', size: 8, bundle: false },
  { name: 'lit', look: 'lit', size: 8, bundle: false },
  { name: 'error-dim', look: 'error-dim', size: 8, bundle: false },
  { name: 'error-lit', look: 'error-lit', size: 8, bundle: false },
  { name: 'bundle-dim', look: 'dim', size: BUNDLE_ARROW, bundle: true },
  { name: 'bundle-lit', look: 'lit', size: BUNDLE_ARROW, bundle: true },
] as const;

function FlowGraph({
  flow,
  selected,
  onSelectJob,
}: {
  flow: Flow;
  selected: string | null;
  onSelectJob: (id: string) => void;
}) {
  const canvas = useRef<HTMLDivElement>(null);
  const width = useWidth(canvas, 1100);
  const arrowId = `flow-arrow-${useId().replace(/:/g, '')}`;
  // Positions depend on the flow's shape only, so a poll that changes states moves nothing.
  const layout = useMemo(() => layoutFlow(flow, { maxWidth: width }), [flow, width]);
  const byId = useMemo(() => new Map(allFlowJobs(flow).map((j) => [j.id, j])), [flow]);

  return (
    <div className="flow-canvas" ref={canvas}>
      <div className="flow-graph" style={{ width: layout.width, height: layout.height }}>
        <svg className="flow-edges" width={layout.width} height={layout.height} aria-hidden="true">
          <defs>
            {ARROWS.map((a) => (
              <marker
                key={a.name}
                id={`${arrowId}-${a.name}`}
                viewBox="0 0 8 8"
                refX={a.bundle ? 0 : 7}
                refY="4"
                markerWidth={a.size}
                markerHeight={a.size}
                markerUnits="userSpaceOnUse"
                orient="auto"
              >
                <path d="M0,0 L8,4 L0,8 z" className={`arrow-${a.look}`} />
              </marker>
            ))}
          </defs>
          {layout.edges.map((e) => {
            const lit = isLit(e, byId);
            const look = e.kind === 'error' || e.kind === 'bundle' ? `${e.kind}-` : '';
            const arrow = `${look}${lit ? 'lit' : 'dim'}`;
            return (
              <path
                key={`${e.from}>${e.to}`}
                className={`flow-edge edge-${e.kind}${lit ? ' lit' : ''}`}
                d={e.points.map(([x, y], i) => `${i === 0 ? 'M' : 'L'}${x},${y}`).join(' ')}
                markerEnd={`url(#${arrowId}-${arrow})`}
              />
            );
          })}
        </svg>
        {layout.boxes.map((b) => (
          <div
            key={b.label}
            className="flow-box"
            style={{ left: b.x, top: b.y, width: b.w, height: b.h }}
          >
            <span>{b.label}</span>
          </div>
        ))}
        {layout.nodes.map((n) => {
          const job = byId.get(n.id);
          return job ? (
            <FlowNode
              key={n.id}
              node={n}
              job={job}
              selected={n.id === selected}
              onSelect={onSelectJob}
            />
          ) : null;
        })}
      </div>
    </div>
  );
}

function FlowNode({
  node: n,
  job,
  selected,
  onSelect,
}: {
  node: LaidNode;
  job: Job;
  selected: boolean;
  onSelect: (id: string) => void;
}) {
  const name = `${n.caption}: ${job.task}, ${job.state}`;
  const style = {
    left: n.x,
    top: n.y,
    width: n.w,
    height: n.h,
    '--node': `var(--st-${job.state})`,
  } as CSSProperties;
  const className = `${n.compact ? 'flow-tile' : 'flow-node'} st-${job.state}${selected ? ' selected' : ''}`;
  return (
    <button
      type="button"
      className={className}
      style={style}
      aria-label={name}
      aria-current={selected ? 'true' : undefined}
      title={`${name}\n${job.id}`}
      data-state={job.state}
      onClick={() => onSelect(job.id)}
    >
      {!n.compact && (
        <>
          <span className="fn-top">
            <span className="fn-caption">{n.caption}</span>
            <StateBadge state={job.state} />
          </span>
          <span className="fn-task mono">{job.task}</span>
        </>
      )}
    </button>
  );
}

/** An edge the flow has gone along: a member that succeeded, or a callback that fired. */
function isLit(e: LaidEdge, byId: ReadonlyMap<string, Job>): boolean {
  if (e.kind === 'fan-in') return byId.get(e.from)?.state === 'succeeded';
  const to = byId.get(e.to);
  return to !== undefined && hasFired(to);
}
