/**
 * The bar over the jobs table while jobs are selected (issue 14): how many,
 * "select all N matching this filter", and Retry / Cancel / Delete behind
 * one confirmation that says how many jobs it takes.
 */
import type { BulkAction } from '@cadre/client';
import { useEffect, useRef, useState } from 'react';
import {
  ACTION_VERBS,
  confirmText,
  jobCount,
  type MatchCount,
  type Selection,
} from '../lib/bulk.js';

export interface BulkBarProps {
  selection: Selection;
  /** Every row of the page is selected, and more jobs match than the page shows. */
  offerMatching: boolean;
  /** How many match, when the live counts tell it before counting. */
  knownCount: number | null;
  onSelectMatching(): void;
  onClear(): void;
  /** Sends the action; resolves once the server answered. */
  onRun(action: BulkAction): Promise<void>;
}

const ACTIONS: readonly BulkAction[] = ['retry', 'cancel', 'delete'];

export function BulkBar(props: BulkBarProps) {
  const { selection } = props;
  const [asking, setAsking] = useState<BulkAction | null>(null);
  const [running, setRunning] = useState(false);
  const confirmRef = useRef<HTMLButtonElement>(null);
  const returnTo = useRef<HTMLButtonElement | null>(null);

  useEffect(() => {
    if (asking) confirmRef.current?.focus();
  }, [asking]);

  const count: MatchCount | null =
    selection.kind === 'rows' ? { n: selection.ids.size, atLeast: false } : selection.count;
  const matching = selection.kind === 'matching';
  const described =
    count === null
      ? 'Counting the jobs matching this filter…'
      : matching
        ? `All ${jobCount(count)} matching this filter selected.`
        : `${jobCount(count)} selected.`;

  function dismiss() {
    setAsking(null);
    returnTo.current?.focus();
  }

  async function run(action: BulkAction) {
    setRunning(true);
    try {
      await props.onRun(action);
    } finally {
      setRunning(false);
      setAsking(null);
    }
  }

  return (
    <div className="bulk-bar" role="region" aria-label="Selected jobs" aria-busy={running}>
      <span data-testid="bulk-count" aria-live="polite">
        {described}
      </span>
      {props.offerMatching && !matching && (
        <button type="button" className="link" onClick={props.onSelectMatching}>
          {props.knownCount === null
            ? 'Select all matching this filter'
            : `Select all ${props.knownCount.toLocaleString('en-US')} matching this filter`}
        </button>
      )}
      <span className="bulk-actions">
        {ACTIONS.map((action) => (
          <button
            key={action}
            type="button"
            className={action === 'delete' ? 'danger small' : 'small'}
            disabled={running || count === null || count.n === 0}
            aria-label={`${ACTION_VERBS[action]} the selected jobs`}
            onClick={(e) => {
              returnTo.current = e.currentTarget;
              setAsking(action);
            }}
          >
            {ACTION_VERBS[action]}
          </button>
        ))}
        <button type="button" className="ghost small" onClick={props.onClear} disabled={running}>
          Clear selection
        </button>
      </span>
      {asking && count && (
        <div
          className="bulk-confirm"
          role="alertdialog"
          aria-labelledby="bulk-confirm-text"
          onKeyDown={(e) => {
            if (e.key === 'Escape') dismiss();
          }}
        >
          <p id="bulk-confirm-text">{confirmText(asking, count, matching)}</p>
          <button
            ref={confirmRef}
            type="button"
            className={asking === 'delete' ? 'danger' : 'primary'}
            disabled={running}
            onClick={() => void run(asking)}
          >
            {running ? 'Working…' : `${ACTION_VERBS[asking]} ${jobCount(count)}`}
          </button>
          <button type="button" disabled={running} onClick={dismiss}>
            Not now
          </button>
        </div>
      )}
    </div>
  );
}
