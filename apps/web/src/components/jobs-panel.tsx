/**
 * The jobs table: one API page at a time (cursor paging), filtered by
 * category, state and flow, and searched as you type (free text in the id,
 * key, task, input, result or error: `q`, issue 14). It never loads more than
 * one page, so it stays quick with 100,000 jobs in the system. The priority
 * column sorts the page shown (job-sort.ts). Rows can be selected, or every
 * job matching the filter, for a bulk action (bulk-bar.tsx).
 */
import type { BulkAction, CategoryView, JobPage, JobState } from '@cadre/client';
import { useCallback, useEffect, useRef, useState, type FormEvent } from 'react';
import { useDashboard } from '../hooks/use-dashboard.js';
import { useAccess } from '../hooks/use-access.js';
import { useDebounced } from '../hooks/use-debounced.js';
import { BulkBar } from './bulk-bar.js';
import { CategoryLabel } from './category-label.js';
import {
  countFromSnapshot,
  countMatching,
  doneText,
  toBulkFilter,
  type Selection,
  type TableFilter,
} from '../lib/bulk.js';
import { describeError, isUnauthorized } from '../lib/errors.js';
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
  /** The live snapshot's categories: their counts tell how many jobs some filters match. */
  counts?: readonly CategoryView[] | undefined;
}

const LIVE_REFRESH_MS = 3000;

const PAGE_SIZE = 25;

/** How long the search box waits for typing to pause before it searches. */
const SEARCH_DEBOUNCE_MS = 250;

type View = { kind: 'page'; page: JobPage };

export function JobsPanel({
  categories,
  selected,
  onSelect,
  refreshKey,
  pulse,
  flowId,
  onFlowId,
  counts,
}: JobsPanelProps) {
  const { client, fail, notify } = useDashboard();
  // Selection is for bulk changes: not offered to a read-only viewer.
  const { canChange } = useAccess();
  const [category, setCategory] = useState('');
  const [state, setState] = useState<JobState | ''>('');
  const [cursors, setCursors] = useState<(string | undefined)[]>([undefined]);
  const [view, setView] = useState<View | null>(null);
  const [loading, setLoading] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [query, setQuery] = useState('');
  const [searchTick, setSearchTick] = useState(0);
  /** What the table searches for: the box's text once typing pauses, or at once on submit. */
  const typed = useDebounced(query.trim(), SEARCH_DEBOUNCE_MS);
  const [q, setQ] = useState('');
  const [selection, setSelection] = useState<Selection | null>(null);
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
      // The flow's jobs, all of them: a search would hide some.
      setQuery('');
      setQ('');
      setReveal((n) => n + 1);
    }
  }
  if (typed !== q && typed === query.trim()) {
    setQ(typed);
    setCursors([undefined]);
  }
  // A selection belongs to the page and filter it was made on.
  const listKey = JSON.stringify([category, state, flowId, q, cursors]);
  const [selectedFor, setSelectedFor] = useState(listKey);
  if (selectedFor !== listKey) {
    setSelectedFor(listKey);
    setSelection(null);
  }
  useEffect(() => {
    if (reveal > 0) root.current?.scrollIntoView?.({ block: 'start', behavior: 'smooth' });
  }, [reveal]);

  const load = useCallback(
    async (background = false) => {
      if (!background) setLoading(true);
      setError(null);
      try {
        const page = await client.list({
          category: category || undefined,
          state: state || undefined,
          flowId: flowId || undefined,
          q: q || undefined,
          limit: PAGE_SIZE,
          cursor: cursors[cursors.length - 1],
        });
        setView({ kind: 'page', page });
      } catch (err) {
        setError(describeError(err));
        // A background refresh says it inline only, not in a toast every few seconds.
        if (!background || isUnauthorized(err)) fail('Loading jobs', err);
      } finally {
        setLoading(false);
      }
    },
    [client, fail, category, state, flowId, q, cursors],
  );

  // searchTick re-runs the same search when it is submitted again.
  useEffect(() => {
    void load();
  }, [load, refreshKey, searchTick]);

  const lastFollow = useRef(0);
  // A selection holds the page still: rows do not move under the pointer.
  const followable = follow && pageIndex === 0 && selection === null;
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
    // Enter searches at once, without waiting for the pause.
    if (query.trim() !== q) {
      setQ(query.trim());
      setCursors([undefined]);
    }
    setSearchTick((t) => t + 1);
  }

  // A search for one job's exact id or key opens it, once per search.
  const openedFor = useRef<string | null>(null);
  useEffect(() => {
    const only = view?.page.jobs.length === 1 ? view.page.jobs[0] : undefined;
    if (!only || q === '' || openedFor.current === `${searchTick}:${q}`) return;
    if (only.id === q || only.key === q) {
      openedFor.current = `${searchTick}:${q}`;
      onSelect(only.id);
    }
  }, [view, q, searchTick, onSelect]);

  const jobs = sortJobs(view ? view.page.jobs : [], order);
  const nextCursor = view?.page.nextCursor ?? null;

  const filter: TableFilter = { category, state, q, flowId };
  const rowIds = selection?.kind === 'rows' ? selection.ids : new Set<string>();
  const allOnPage = jobs.length > 0 && jobs.every((j) => rowIds.has(j.id));
  const someOnPage = !allOnPage && jobs.some((j) => rowIds.has(j.id));
  const knownCount = countFromSnapshot(filter, counts);

  function toggleRow(id: string, on: boolean) {
    const ids = new Set(rowIds);
    if (on) ids.add(id);
    else ids.delete(id);
    setSelection(ids.size === 0 ? null : { kind: 'rows', ids });
  }

  function togglePage(on: boolean) {
    setSelection(on ? { kind: 'rows', ids: new Set(jobs.map((j) => j.id)) } : null);
  }

  function selectMatching() {
    if (knownCount !== null) {
      setSelection({ kind: 'matching', count: { n: knownCount, atLeast: false } });
      return;
    }
    setSelection({ kind: 'matching', count: null });
    countMatching(client, filter).then(
      (count) => setSelection((s) => (s?.kind === 'matching' ? { kind: 'matching', count } : s)),
      (err: unknown) => {
        setSelection(null);
        fail('Counting the matching jobs', err);
      },
    );
  }

  async function runBulk(action: BulkAction) {
    if (!selection) return;
    const target = selection.kind === 'rows' ? { ids: [...selection.ids] } : toBulkFilter(filter);
    try {
      const { matched, changed } = await client.bulk(target, action);
      notify(changed > 0 ? 'success' : 'info', doneText(action, matched, changed));
      setSelection(null);
      void load();
    } catch (err) {
      fail(`${action[0]!.toUpperCase()}${action.slice(1)} of the selected jobs`, err);
    }
  }

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
          <label className="f-q" htmlFor="jobs-search">
            <span>Search</span>
            <input
              id="jobs-search"
              type="search"
              placeholder="id, key, task, input, result, error"
              title="Text in the id, key, task, input, result or error message, in any case"
              value={query}
              onChange={(e) => setQuery(e.target.value)}
            />
          </label>
          <select
            className="f-cat"
            aria-label="Filter by category"
            value={category}
            onChange={(e) => {
              setCategory(e.target.value);
              setCursors([undefined]);
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
      {selection && canChange && (
        <BulkBar
          selection={selection}
          offerMatching={allOnPage && (nextCursor !== null || pageIndex > 0)}
          knownCount={knownCount}
          onSelectMatching={selectMatching}
          onClear={() => setSelection(null)}
          onRun={runBulk}
        />
      )}

      <div className="table-wrap" aria-busy={loading}>
        <table>
          <thead>
            <tr>
              {canChange && (
                <th scope="col" className="sel">
                  <input
                    type="checkbox"
                    aria-label="Select every job on this page"
                    checked={allOnPage || selection?.kind === 'matching'}
                    disabled={jobs.length === 0}
                    ref={(el) => {
                      if (el) el.indeterminate = someOnPage;
                    }}
                    onChange={(e) => togglePage(e.target.checked)}
                  />
                </th>
              )}
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
                {canChange && (
                  <td className="sel" onClick={(e) => e.stopPropagation()}>
                    <input
                      type="checkbox"
                      aria-label={`Select job ${job.id}`}
                      checked={selection?.kind === 'matching' || rowIds.has(job.id)}
                      disabled={selection?.kind === 'matching'}
                      onChange={(e) => toggleRow(job.id, e.target.checked)}
                    />
                  </td>
                )}
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
            {jobs.length === 0 && !loading && view && (
              <tr>
                <td colSpan={canChange ? 10 : 9} className="empty">
                  {q
                    ? `No job matches “${q}” here.`
                    : flowId
                      ? 'No jobs of this flow here.'
                      : 'No jobs here yet.'}
                </td>
              </tr>
            )}
          </tbody>
        </table>
      </div>

      {view && (
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
