/**
 * One job, live while it is open: fetched once, then kept current by the
 * socket's `watch` (per-job events), with cancel and retry where allowed.
 * A job of a flow links to the flow view; a callback links to its parents.
 */
import type { Job, TaskView } from '@cadre/client';
import { useEffect, useRef, useState } from 'react';
import { useDashboard } from '../hooks/use-dashboard.js';
import { CategoryLabel } from './category-label.js';
import { useNow } from '../hooks/use-now.js';
import { describeError } from '../lib/errors.js';
import { formatAgo, formatClock, formatDuration, formatJson } from '../lib/format.js';
import { describeTrigger, linkJobIds } from '../lib/flows.js';
import { canCancel, canRetry } from '../lib/job-states.js';
import { RetryEditor } from './retry-editor.js';
import { StateBadge } from './state-badge.js';
import { useAccess, WriteOnly } from '../hooks/use-access.js';

export interface JobDetailProps {
  id: string;
  /** The registered tasks, for the input schema of the job's task. */
  tasks: readonly TaskView[];
  onClose: () => void;
  onChanged: () => void;
  /** Opens another job (a parent) in the detail. */
  onSelect: (id: string) => void;
  /** Opens the flow view of the job's flow. */
  onOpenFlow: (flowId: string) => void;
}

/** Parents listed by id; a chord's others are one click away in the flow view. */
const PARENTS_SHOWN = 5;

export function JobDetail({ id, tasks, onClose, onChanged, onSelect, onOpenFlow }: JobDetailProps) {
  const { client, live, notify, fail } = useDashboard();
  const { canChange } = useAccess();
  const [job, setJob] = useState<Job | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [editing, setEditing] = useState(false);
  const now = useNow(1000);
  const root = useRef<HTMLElement>(null);
  /** Watched updates received so far: an answer older than one of them must not replace it. */
  const watched = useRef(0);

  useEffect(() => {
    // On a phone the detail sits above the table: bring it into view when a job is opened.
    root.current?.scrollIntoView?.({ block: 'nearest', behavior: 'smooth' });
  }, [id]);

  useEffect(() => {
    let current = true;
    setJob(null);
    setError(null);
    // Watch first so that no change between the GET and the watch is missed.
    const unwatch = live?.watch(id, (next) => {
      if (!current) return;
      watched.current += 1;
      setJob(next);
    });
    client.get(id).then(
      (fetched) => {
        // A watched update arrived after the watch began, so it is at least as new as the GET's answer.
        if (current) setJob((prev) => prev ?? fetched);
      },
      (err: unknown) => {
        if (current) setError(describeError(err));
      },
    );
    return () => {
      current = false;
      unwatch?.();
    };
  }, [client, live, id]);

  /**
   * Shows the answer to a change unless the watch already brought a later
   * state: a job retried on an idle category may have run before the answer
   * arrives, and the answer would put it back to 'queued' for good.
   */
  function answered(next: Job, watchedBefore: number) {
    if (watched.current === watchedBefore) setJob(next);
  }

  async function act(kind: 'cancel' | 'retry') {
    setBusy(true);
    const before = watched.current;
    try {
      const next = kind === 'cancel' ? await client.cancel(id) : await client.retry(id);
      answered(next, before);
      notify('success', kind === 'cancel' ? `Job ${id} cancelled` : `Job ${id} queued again`);
      onChanged();
    } catch (err) {
      fail(kind === 'cancel' ? 'Cancelling the job' : 'Retrying the job', err);
    } finally {
      setBusy(false);
    }
  }

  const timeline: [string, string | null][] = job
    ? [
        ['created', job.createdAt],
        [job.state === 'retrying' ? 'retry at' : 'run at', job.runAt],
        ['started', job.startedAt],
        ['finished', job.finishedAt],
      ]
    : [];

  return (
    <section
      ref={root}
      className="card detail"
      aria-labelledby="detail-title"
      data-testid="job-detail"
    >
      <div className="detail-head">
        <h2 id="detail-title">
          Job <span className="mono">{id}</span>
        </h2>
        <button type="button" className="ghost" aria-label="Close job detail" onClick={onClose}>
          ✕
        </button>
      </div>
      {error && (
        <p className="inline-error" role="alert">
          {error}
        </p>
      )}
      {!job && !error && <p className="muted">Loading…</p>}
      {job && (
        <>
          <div className="detail-summary">
            <span aria-label="Job state" data-testid="job-state">
              <StateBadge state={job.state} />
            </span>
            <span>
              <CategoryLabel name={job.category} />
            </span>
            <span className="mono">{job.task}</span>
            <span>
              attempt <strong data-testid="job-attempts">{job.attempts}</strong> of{' '}
              {job.maxRetries + 1}
            </span>
            <span title="Within its category a higher priority starts first; each retry after a failure lowers it by 1">
              priority <strong data-testid="job-priority">{job.priority}</strong>
            </span>
            {job.node !== null && (
              <span title="The node that ran its latest attempt">
                node{' '}
                <strong className="mono" data-testid="job-node">
                  {job.node}
                </strong>
              </span>
            )}
            {job.key && <span className="mono ellipsis">key {job.key}</span>}
          </div>

          {(job.flowId !== null || job.parents.length > 0) && (
            <dl className="detail-links">
              {job.flowId !== null && (
                <div>
                  <dt>flow</dt>
                  <dd>
                    <button
                      type="button"
                      className="link"
                      onClick={() => onOpenFlow(job.flowId!)}
                      title={job.flowId}
                    >
                      Open flow view
                    </button>
                    {job.flowRole !== null && (
                      <span className="muted">
                        {' '}
                        · its {job.flowRole === 'chord' ? 'chord callback' : job.flowRole}
                      </span>
                    )}
                  </dd>
                </div>
              )}
              {job.parents.length > 0 && (
                <div>
                  <dt>{job.parents.length === 1 ? 'parent' : 'parents'}</dt>
                  <dd>
                    {job.parents.slice(0, PARENTS_SHOWN).map((p) => (
                      <JobLink key={p} id={p} onSelect={onSelect} />
                    ))}
                    {job.parents.length > PARENTS_SHOWN && (
                      <span className="muted">and {job.parents.length - PARENTS_SHOWN} more</span>
                    )}
                  </dd>
                </div>
              )}
              {job.trigger !== null && (
                <div>
                  <dt>runs</dt>
                  <dd>{describeTrigger(job.trigger)}</dd>
                </div>
              )}
            </dl>
          )}

          {job.progress !== null && (
            <div
              className="progress"
              role="progressbar"
              aria-label="Job progress"
              aria-valuemin={0}
              aria-valuemax={100}
              aria-valuenow={job.progress}
            >
              <div style={{ width: `${job.progress}%` }} />
              <span>{Math.round(job.progress)} %</span>
            </div>
          )}

          <WriteOnly>
            <div className="row">
              <button
                type="button"
                className="danger"
                disabled={busy || !canCancel(job.state)}
                onClick={() => void act('cancel')}
              >
                Cancel job
              </button>
              <button
                type="button"
                className="primary"
                disabled={busy || !canRetry(job.state)}
                onClick={() => void act('retry')}
              >
                Retry job
              </button>
              <button
                type="button"
                disabled={busy || editing || !canRetry(job.state)}
                onClick={() => setEditing(true)}
              >
                Retry with edited input…
              </button>
            </div>
          </WriteOnly>

          {editing && canChange && canRetry(job.state) && (
            <RetryEditor
              job={job}
              schema={tasks.find((t) => t.name === job.task)?.inputSchema ?? null}
              onClose={() => setEditing(false)}
              watched={watched}
              onRetried={(next, before) => {
                answered(next, before);
                setEditing(false);
                onChanged();
              }}
            />
          )}

          <ol className="timeline" aria-label="Timeline">
            {timeline.map(([label, at]) => (
              <li key={label} className={at ? 'done' : 'pending'}>
                <span className="tl-label">{label}</span>
                <span className="mono">{formatClock(at)}</span>
                <span className="muted">{at ? formatAgo(at, now) : ''}</span>
              </li>
            ))}
            <li className={job.durationMs === null ? 'pending' : 'done'}>
              <span className="tl-label">took</span>
              <span className="mono">{formatDuration(job.durationMs)}</span>
              <span className="muted">
                {job.timeoutMs !== null ? `timeout ${formatDuration(job.timeoutMs)}` : ''}
              </span>
            </li>
          </ol>

          {(job.lastError || job.failure) && (
            <div className="error-box" role="note" aria-label="Last error">
              {job.failure && (
                <p>
                  failed:{' '}
                  <strong>
                    {job.failure === 'max_retries' ? 'no retries left' : 'permanent failure'}
                  </strong>
                </p>
              )}
              {job.lastError && (
                <p>
                  <span className="badge" title={KIND_HINTS[job.lastError.kind]}>
                    {job.lastError.kind}
                  </span>{' '}
                  {job.lastError.kind === 'upstream'
                    ? linkJobIds(job.lastError.message, job.parents).map((part, i) =>
                        'jobId' in part ? (
                          <JobLink key={i} id={part.jobId} onSelect={onSelect} />
                        ) : (
                          part.text
                        ),
                      )
                    : job.lastError.message}
                </p>
              )}
            </div>
          )}

          <div className="json-pair">
            <div>
              <h3>input</h3>
              <pre className="json" tabIndex={0} aria-label="Job input">
                {formatJson(job.input)}
              </pre>
            </div>
            <div>
              <h3>result</h3>
              <pre className="json" tabIndex={0} aria-label="Job result">
                {formatJson(job.result)}
              </pre>
            </div>
          </div>
        </>
      )}
    </section>
  );
}

/** What an error kind means, for the badge's tooltip. */
const KIND_HINTS: Partial<Record<NonNullable<Job['lastError']>['kind'], string>> = {
  lost: 'The process died while it ran; the attempt counts',
  interrupted: 'cadre stopped it on purpose and queued it again; the attempt does not count',
  upstream: 'It never ran: a job it waited for did not end the way that fires it',
};

function JobLink({ id, onSelect }: { id: string; onSelect: (id: string) => void }) {
  return (
    <button
      type="button"
      className="link mono job-link"
      aria-label={`Open parent job ${id}`}
      title={id}
      onClick={() => onSelect(id)}
    >
      {id.length > 18 ? `${id.slice(0, 18)}…` : id}
    </button>
  );
}
