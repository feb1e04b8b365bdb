/**
 * One category: its live counters, its threads and the jobs in flight on
 * them, its rate limit and whether it holds the category now, its wait
 * over the last minute against its target, and its settings (weight,
 * min/max workers, jobs per thread, rate limit, wait target, paused),
 * changed through PATCH.
 */
import { MAX_CONCURRENCY, type CategoryPatch, type CategoryView } from '@cadre/client';
import { draftToPatch, overTarget, toDraft, type Draft } from '../lib/category-draft.js';
import { describeThreads, threadUse, threadWords } from '../lib/category-threads.js';
import { useState, type CSSProperties, type FormEvent } from 'react';
import { useDashboard } from '../hooks/use-dashboard.js';
import { formatCount, formatDuration, formatRate, formatRateLimit } from '../lib/format.js';
import { useAccess, WriteOnly } from '../hooks/use-access.js';

export interface CategoryCardProps {
  category: CategoryView;
  workers: number;
  color: string;
}

export function CategoryCard({ category: c, workers, color }: CategoryCardProps) {
  const { client, notify, fail } = useDashboard();
  const { canChange } = useAccess();
  const [draft, setDraft] = useState<Draft | null>(null);
  const [busy, setBusy] = useState(false);
  const [retrying, setRetrying] = useState(false);
  const shown = draft ?? toDraft(c);
  const bind = { draft: shown, onChange: setDraft };
  const id = `cat-${c.name.replace(/[^a-zA-Z0-9_-]/g, '_')}`;

  const use = threadUse(c, workers);
  const words = threadWords(c);

  async function patch(p: CategoryPatch, done: string) {
    setBusy(true);
    try {
      await client.patchCategory(c.name, p);
      notify('success', done);
      return true;
    } catch (err) {
      fail(`Updating ${c.name}`, err);
      return false;
    } finally {
      setBusy(false);
    }
  }

  async function save(event: FormEvent) {
    event.preventDefault();
    const p = draftToPatch(shown, c);
    if (typeof p === 'string') {
      notify('error', `${c.name}: ${p}`);
      return;
    }
    if (Object.keys(p).length === 0) {
      setDraft(null);
      return;
    }
    if (await patch(p, `${c.name}: settings saved`)) setDraft(null);
  }

  /** One request: the server retries every failed job of the category (issue 14). */
  async function retryFailed() {
    setRetrying(true);
    try {
      const { changed } = await client.bulk({ category: c.name, state: 'failed' }, 'retry');
      notify('success', `${c.name}: retried ${formatCount(changed)} failed job(s)`);
    } catch (err) {
      fail(`Retrying failed jobs of ${c.name}`, err);
    } finally {
      setRetrying(false);
    }
  }

  const stat = (label: string, value: string, testId: string, tone?: string) => (
    <div className={tone ? `tone-${tone}` : undefined}>
      <dt>{label}</dt>
      <dd data-testid={testId}>{value}</dd>
    </div>
  );

  return (
    <article
      className={`card category ${c.paused || c.orphaned ? 'is-paused' : ''}`}
      aria-labelledby={`${id}-name`}
      style={{ '--cat': color } as CSSProperties}
    >
      <header>
        <span className="swatch" aria-hidden="true" />
        <h3 id={`${id}-name`}>{c.name}</h3>
        {c.paused && <span className="badge">paused</span>}
        {c.rateLimited && (
          <span
            className="badge"
            data-testid="rate-held"
            title="Its rate limit's window is full: queued jobs wait for it to free a start"
          >
            rate-limited
          </span>
        )}
        {overTarget(c) && (
          <span
            className="badge badge-warn"
            data-testid="over-target"
            title={`95th percentile wait of the last minute (${formatDuration(c.waitP95Ms)}) is above the target of ${formatDuration(c.targetWaitMs)}`}
          >
            over wait target
          </span>
        )}
        {c.orphaned && (
          <span className="badge" title="Jobs stored in this category are kept, never run">
            not configured
          </span>
        )}
        <span className="thr" title="Jobs finished per second, last 10 s" data-testid="throughput">
          {formatRate(c.throughput)}
        </span>
      </header>

      <div
        className="share"
        role="meter"
        aria-label={`Threads of ${c.name}: ${describeThreads(c)}; room for ${use.room} at once; ${workers} threads in the pool`}
        aria-valuemin={0}
        aria-valuemax={workers}
        aria-valuenow={c.allocated}
      >
        <div className="share-alloc" style={{ width: `${use.allocatedPct}%` }} />
        <div className="share-run" style={{ width: `${use.inFlightPct}%` }} />
      </div>
      <p className="share-text" title={`${workers} threads in the pool`}>
        <span data-testid="allocated">{words.threads}</span> {words.unit} ·{' '}
        <span data-testid="running">{words.inFlight}</span> in flight
        {words.perThread !== null && (
          <>
            {' '}
            · <span data-testid="concurrency">{words.perThread}</span> per thread
          </>
        )}
        {c.rateLimit !== null && (
          <>
            {' '}
            · limit <span data-testid="rate-limit">{formatRateLimit(c.rateLimit)}</span>
          </>
        )}
      </p>
      <p className="share-text" title="Wait from due to started, over the last minute">
        wait p95 <span data-testid="wait-p95">{formatDuration(c.waitP95Ms)}</span>
        {c.targetWaitMs !== null && (
          <>
            {' '}
            · target <span data-testid="target-wait">{formatDuration(c.targetWaitMs)}</span>
          </>
        )}
      </p>

      <dl className="stats">
        {stat('waiting', formatCount(c.waiting), 'waiting', 'waiting')}
        {stat('delayed', formatCount(c.delayed), 'delayed')}
        {stat('queued', formatCount(c.queued), 'queued', 'queued')}
        {stat('retrying', formatCount(c.retrying), 'retrying', 'retrying')}
        {stat('succeeded', formatCount(c.succeeded), 'succeeded', 'succeeded')}
        {stat('failed', formatCount(c.failed), 'failed', 'failed')}
        {stat('cancelled', formatCount(c.cancelled), 'cancelled')}
      </dl>

      {c.orphaned ? (
        <p className="orphan-note">
          The config no longer lists this category. Its jobs are kept and listed, and run once it is
          configured again; cancel them to let them go.
        </p>
      ) : (
        <>
          <form
            id={`${id}-settings`}
            className="settings"
            onSubmit={save}
            aria-label={`Settings of ${c.name}`}
          >
            <fieldset className="contents" disabled={!canChange}>
              <DraftField
                field="weight"
                label="weight"
                name={`Weight of ${c.name}`}
                min="0"
                step="any"
                {...bind}
              />
              <DraftField
                field="minWorkers"
                label="min"
                name={`Min workers of ${c.name}`}
                min="0"
                {...bind}
              />
              <DraftField
                field="maxWorkers"
                label="max"
                name={`Max workers of ${c.name}`}
                placeholder="∞"
                {...bind}
              />
              <DraftField
                field="concurrency"
                label="per thread"
                name={`Concurrency of ${c.name}`}
                title="Jobs one thread runs at once: 1 for CPU-bound work, more for I/O"
                max={MAX_CONCURRENCY}
                {...bind}
              />
              <DraftField
                field="rateMax"
                label="rate max"
                name={`Rate limit starts of ${c.name}`}
                title="Rate limit: at most this many starts per window, over the cluster (empty: no limit)"
                placeholder="∞"
                {...bind}
              />
              <DraftField
                field="targetWaitMs"
                label="target ms"
                name={`Target wait of ${c.name} in ms`}
                title="The wait (due to started) its jobs should not exceed, in ms (empty: no target)"
                step="any"
                placeholder="none"
                {...bind}
              />
              <DraftField
                field="ratePerMs"
                label="per ms"
                name={`Rate limit window of ${c.name} in ms`}
                title="The rate limit's sliding window, in ms"
                wide
                {...bind}
              />
            </fieldset>
          </form>

          {/* Save sits with the other buttons, so that the fields fit a narrow card. */}
          <WriteOnly>
            <div className="actions">
              <button
                type="submit"
                form={`${id}-settings`}
                disabled={busy || draft === null}
                aria-label={`Save settings of ${c.name}`}
              >
                Save
              </button>
              {draft !== null && (
                <button
                  type="button"
                  className="ghost"
                  onClick={() => setDraft(null)}
                  aria-label={`Discard changes to ${c.name}`}
                >
                  ↺
                </button>
              )}
              <button
                type="button"
                className={c.paused ? 'primary' : ''}
                disabled={busy}
                aria-label={`${c.paused ? 'Resume' : 'Pause'} ${c.name}`}
                onClick={() =>
                  void patch({ paused: !c.paused }, `${c.name} ${c.paused ? 'resumed' : 'paused'}`)
                }
              >
                <span aria-hidden="true">{c.paused ? '▶ ' : '❚❚ '}</span>
                {c.paused ? 'Resume' : 'Pause'}
              </button>
              <button
                type="button"
                disabled={retrying || c.failed === 0}
                aria-label={`Retry all failed jobs of ${c.name}`}
                onClick={() => void retryFailed()}
              >
                {retrying ? (
                  'Retrying…'
                ) : (
                  <>
                    <span aria-hidden="true">↻ </span>Retry all failed
                  </>
                )}
              </button>
            </div>
          </WriteOnly>
        </>
      )}
    </article>
  );
}

interface DraftFieldProps {
  field: keyof Draft;
  /** The short label shown above the input. */
  label: string;
  /** The input's accessible name. */
  name: string;
  title?: string;
  /** @defaultValue "1" */
  min?: string;
  max?: number;
  /** "any" for a decimal; @defaultValue "1" (whole numbers) */
  step?: string;
  placeholder?: string;
  /** Spans the rest of its row. */
  wide?: boolean;
  draft: Draft;
  onChange(draft: Draft): void;
}

/** One number field of the settings form, bound to its field of the draft. */
function DraftField({
  field,
  label,
  name,
  title,
  min = '1',
  max,
  step = '1',
  placeholder,
  wide,
  draft,
  onChange,
}: DraftFieldProps) {
  return (
    <label className={wide ? 'wide' : undefined} title={title}>
      <span>{label}</span>
      <input
        type="number"
        min={min}
        max={max}
        step={step}
        inputMode={step === 'any' ? 'decimal' : 'numeric'}
        placeholder={placeholder}
        aria-label={name}
        value={draft[field]}
        onChange={(e) => onChange({ ...draft, [field]: e.target.value })}
      />
    </label>
  );
}
