/**
 * The jobs table: one API page at a time (cursor paging), filtered by
 * category, state and flow, searched by id or key. It never loads more than one
 * page, so it stays quick with 100,000 jobs in the system. The priority
 * column sorts the page shown (job-sort.ts).
 */
import type { Job, JobPage, JobState } from '@cadre/client';
import { useCallback, useEffect, useRef, useState, type FormEvent } from 'react';
import { useDashboard } from '../hooks/use-dashboard.js';
import { CategoryLabel } from './category-label.js';
import { describeError, isNotFound, isUnauthorized } from '../lib/errors.js';
import { formatClock, formatDuration } from '../lib/format.js';
import { JOB_STATES } from '../lib/job-states.js';
import { sortJobs, type JobOrder } from '../lib/job-sort.js';
import { StateBadge } from './state-badge.js';

export interface JobsPanelProps {
  categories: readonly string[];
  selected: string | null;
  onSelect: (id: string | null) => void;
  /** Bumped by whoever changed a job, so the table refreshes. */
  refreshKey: number;
  /** Changes with each live snapshot: the first page follows it (at most every few seconds). */
  pulse: number;
  /** Only the jobs of this flow; '' for all. The flow view sets it too. */
  flowId: string;
  onFlowId: (flowId: string) => void;
}

const LIVE_REFRESH_MS = 3000;

const PAGE_SIZE = 25;

type View = { kind: 'page'; page: JobPage } | { kind: 'search'; query: string; jobs: Job[] };

export function JobsPanel({
  categories,
  selected,
  onSelect,
  refreshKey,
  pulse,
  flowId,
  onFlowId,
}: JobsPanelProps) {
  const { client, fail } = useDashboard();
  const [category, setCategory] = useState('');
  const [state, setState] = useState<JobState | ''>('');
  const [cursors, setCursors] = useState<(string | undefined)[]>([undefined]);
  const [view, setView] = useState<View | null>(null);
  const [loading, setLoading] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [query, setQuery] = useState('');
  const [searchTick, setSearchTick] = useState(0);
  const [activeQuery, setActiveQuery] = useState<string | null>(null);
  const [follow, setFollow] = useState(true);
  const [order, setOrder] = useState<JobOrder>('newest');
  const [flowDraft, setFlowDraft] = useState(flowId);
  const pageIndex = cursors.length - 1;
  const root = useRef<HTMLElement>(null);

  // A flow chosen elsewhere (the flow view's "Show its jobs"): its first page, brought into view.
  const [shownFlow, setShownFlow] = useState(flowId);
  const [reveal, setReveal] = useState(0);
  if (shownFlow !== flowId) {
    setShownFlow(flowId);
    setCursors([undefined]);
    if (flowId !== flowDraft.trim()) {
      setFlowDraft(flowId);
      setActiveQuery(null);
      setReveal((n) => n + 1);
    }
  }
  useEffect(() => {
    if (reveal > 0) root.current?.scrollIntoView?.({ block: 'start', behavior: 'smooth' });
  }, [reveal]);

  const load = useCallback(
    async (background = false) => {
      if (!background) setLoading(true);
      setError(null);
      try {
        if (activeQuery !== null) {
          setView({ kind: 'search', query: activeQuery, jobs: await search(activeQuery) });
        } else {
          const page = await client.list({
            category: category || undefined,
            state: state || undefined,
            flowId: flowId || undefined,
            limit: PAGE_SIZE,
            cursor: cursors[cursors.length - 1],
          });
          setView({ kind: 'page', page });
        }
      } catch (err) {
        setError(describeError(err));
        // A background refresh says it inline only, not in a toast every few seconds.
        if (!background || isUnauthorized(err)) fail('Loading jobs', err);
      } finally {
        setLoading(false);
      }

      async function search(q: string): Promise<Job[]> {
        // Keys first: `key` is an extension of GET /api/jobs (exact match); a
        // server without it answers the newest jobs unfiltered, hence the filter
        // here. Asking by key first also spares the console a 404 per id search.
        const byKey = await client.list({ key: q, limit: PAGE_SIZE });
        const matches = byKey.jobs.filter((j) => j.key === q);
        if (matches.length > 0) return matches;
        try {
          return [await client.get(q)];
        } catch (err) {
          if (isNotFound(err)) return [];
          throw err;
        }
      }
    },
    [client, fail, category, state, flowId, cursors, activeQuery],
  );

  // searchTick re-runs the same search when it is submitted again.
  useEffect(() => {
    void load();
  }, [load, refreshKey, searchTick]);

  const lastFollow = useRef(0);
  const followable = follow && pageIndex === 0 && activeQuery === null;
  const loadRef = useRef(load);
  useEffect(() => {
    loadRef.current = load;
  });
  const trailing = useRef<ReturnType<typeof setTimeout> | null>(null);
  useEffect(() => {
    if (!followable) return;
    const refresh = () => {
      trailing.current = null;
      lastFollow.current = Date.now();
      void loadRef.current(true);
    };
    const wait = lastFollow.current + LIVE_REFRESH_MS - Date.now();
    if (wait <= 0) refresh();
    // Throttled: still refresh once after the window, so the last change is never missed.
    else trailing.current ??= setTimeout(refresh, wait);
  }, [pulse, followable]);
  useEffect(
    () => () => {
      if (trailing.current) clearTimeout(trailing.current);
    },
    [],
  );

  function submitSearch(event: FormEvent) {
    event.preventDefault();
    onFlowId(flowDraft.trim());
    const q = query.trim();
    setActiveQuery(q === '' ? null : q);
    setSearchTick((t) => t + 1);
  }

  useEffect(() => {
    if (view?.kind === 'search' && view.jobs.length === 1 && view.jobs[0]) {
      onSelect(view.jobs[0].id);
    }
  }, [view, onSelect]);

  const jobs = sortJobs(view ? (view.kind === 'page' ? view.page.jobs : view.jobs) : [], order);
  const nextCursor = view?.kind === 'page' ? view.page.nextCursor : null;

  return (
    <section ref={root} className="card jobs" aria-labelledby="jobs-title">
      <div className="jobs-head">
        <h2 id="jobs-title">Jobs</h2>
        <div className="jobs-tools">
          <label className="check" title="Keep the first page current while snapshots arrive">
            <input
              type="checkbox"
              checked={follow}
              onChange={(e) => setFollow(e.target.checked)}
              aria-label="Follow new jobs live"
            />
            <span>live</span>
          </label>
          <button
            type="button"
            className="ghost"
            aria-label="Refresh jobs"
            onClick={() => void load()}
            disabled={loading}
          >
            ⟳
          </button>
        </div>
        <form className="filters" onSubmit={submitSearch} role="search">
          <select
            className="f-cat"
            aria-label="Filter by category"
            value={category}
            onChange={(e) => {
              setCategory(e.target.value);
              setCursors([undefined]);
              setActiveQuery(null);
            }}
          >
            <option value="">all categories</option>
            {categories.map((c) => (
              <option key={c} value={c}>
                {c}
              </option>
            ))}
          </select>
          <select
            className="f-state"
            aria-label="Filter by state"
            value={state}
            onChange={(e) => {
              setState(e.target.value as JobState | '');
              setCursors([undefined]);
              setActiveQuery(null);
            }}
          >
            <option value="">all states</option>
            {JOB_STATES.map((s) => (
              <option key={s} value={s}>
                {s}
              </option>
            ))}
          </select>
          <input
            className="f-flow mono"
            type="search"
            aria-label="Filter by flow"
            placeholder="flow id"
            value={flowDraft}
            onChange={(e) => {
              setFlowDraft(e.target.value);
              if (e.target.value === '') onFlowId('');
            }}
          />
          <input
            className="f-q"
            type="search"
            aria-label="Search jobs by id or key"
            placeholder="id or key"
            value={query}
            onChange={(e) => {
              setQuery(e.target.value);
              if (e.target.value === '') setActiveQuery(null);
            }}
          />
          <button type="submit" className="f-go">
            Search
          </button>
        </form>
      </div>

      {error && (
        <p className="inline-error" role="alert">
          {error}
        </p>
      )}
      {view?.kind === 'search' && (
        <p className="muted">
          {view.jobs.length === 0
            ? `No job with id or key “${view.query}”.`
            : `${view.jobs.length} job(s) for “${view.query}”.`}{' '}
          <button
            type="button"
            className="link"
            onClick={() => {
              setQuery('');
              setActiveQuery(null);
            }}
          >
            Show all
          </button>
        </p>
      )}

      <div className="table-wrap" aria-busy={loading}>
        <table>
          <thead>
            <tr>
              <th scope="col">id</th>
              <th scope="col" className="opt">
                key
              </th>
              <th scope="col">category</th>
              <th scope="col" className="opt">
                task
              </th>
              <th scope="col">state</th>
              <th
                scope="col"
                className="num"
                aria-sort={order === 'priority' ? 'descending' : 'none'}
              >
                <button
                  type="button"
                  className="link sort"
                  title="Sort this page by priority, highest first (again: newest first)"
                  aria-label={
                    order === 'priority'
                      ? 'prio: sorted by priority; sort newest first'
                      : 'prio: sort this page by priority'
                  }
                  onClick={() => setOrder((o) => (o === 'priority' ? 'newest' : 'priority'))}
                >
                  prio{order === 'priority' && <span aria-hidden="true"> ↓</span>}
                </button>
              </th>
              <th scope="col" className="num opt">
                tries
              </th>
              <th scope="col" className="opt">
                created
              </th>
              <th scope="col" className="num">
                took
              </th>
            </tr>
          </thead>
          <tbody>
            {jobs.map((job) => (
              <tr
                key={job.id}
                className={job.id === selected ? 'selected' : undefined}
                onClick={() => onSelect(job.id)}
              >
                <td className="mono">
                  <button
                    type="button"
                    className="link mono"
                    aria-label={`Open job ${job.id}`}
                    onClick={(e) => {
                      e.stopPropagation();
                      onSelect(job.id);
                    }}
                  >
                    {job.id.length > 18 ? `${job.id.slice(0, 18)}…` : job.id}
                  </button>
                </td>
                <td className="mono opt ellipsis">{job.key ?? ''}</td>
                <td>
                  <CategoryLabel name={job.category} />
                </td>
                <td className="opt">{job.task}</td>
                <td>
                  <StateBadge state={job.state} />
                </td>
                <td className="num mono" data-testid="job-priority">
                  {job.priority}
                </td>
                <td className="num opt">{job.attempts}</td>
                <td className="mono opt">{formatClock(job.createdAt)}</td>
                <td className="num">{formatDuration(job.durationMs)}</td>
              </tr>
            ))}
            {jobs.length === 0 && !loading && view?.kind === 'page' && (
              <tr>
                <td colSpan={9} className="empty">
                  {flowId ? 'No jobs of this flow here.' : 'No jobs here yet.'}
                </td>
              </tr>
            )}
          </tbody>
        </table>
      </div>

      {view?.kind === 'page' && (
        <nav className="pager" aria-label="Jobs pages">
          <button
            type="button"
            disabled={pageIndex === 0 || loading}
            onClick={() => setCursors((c) => c.slice(0, -1))}
          >
            ← Newer
          </button>
          <span className="muted">page {pageIndex + 1}</span>
          <button
            type="button"
            disabled={!nextCursor || loading}
            onClick={() => setCursors((c) => [...c, nextCursor ?? undefined])}
          >
            Older →
          </button>
        </nav>
      )}
    </section>
  );
}
