/**
 * Bulk actions from the jobs table (issue 14): what a selection is, how many
 * jobs "all matching this filter" are, and what the one confirmation says.
 *
 * A selection is either some rows of the page shown (sent as `filter.ids`)
 * or every job matching the table's filter (sent as that filter): one
 * `POST /api/jobs/bulk` either way.
 */
import type { BulkAction, BulkFilter, CadreClient, CategoryView, JobState } from '@cadre/client';

/** The table's filter, as the bulk route takes it. */
export interface TableFilter {
  category: string;
  state: JobState | '';
  q: string;
  flowId: string;
}

export type Selection =
  | { kind: 'rows'; ids: ReadonlySet<string> }
  /** `count`: null while it is being counted. */
  | { kind: 'matching'; count: MatchCount | null };

/** How many jobs match: exact, or at least `n` (counting stopped at a cap). */
export interface MatchCount {
  n: number;
  atLeast: boolean;
}

/** The states whose current count the snapshot's categories hold. */
const LIVE_STATES: ReadonlySet<JobState> = new Set([
  'waiting',
  'delayed',
  'queued',
  'running',
  'retrying',
]);

export function toBulkFilter(f: TableFilter): BulkFilter {
  return {
    ...(f.category && { category: f.category }),
    ...(f.state && { state: f.state }),
    ...(f.q && { q: f.q }),
    ...(f.flowId && { flowId: f.flowId }),
  };
}

/**
 * The number of matching jobs, from the live snapshot's counts, when they
 * can tell it: a filter by state alone (and category) among the states
 * counted now. Finished jobs are counted since the start there, not as kept,
 * and text or a flow are not counted at all: null.
 */
export function countFromSnapshot(
  f: TableFilter,
  categories: readonly CategoryView[] | undefined,
): number | null {
  if (!categories || f.q !== '' || f.flowId !== '' || f.state === '') return null;
  if (!LIVE_STATES.has(f.state)) return null;
  const state = f.state as 'waiting' | 'delayed' | 'queued' | 'running' | 'retrying';
  return categories
    .filter((c) => f.category === '' || c.name === f.category)
    .reduce((sum, c) => sum + c[state], 0);
}

/**
 * Counts the matching jobs by paging the list (reads only), up to `cap`.
 * @defaultValue cap 10,000
 */
export async function countMatching(
  client: Pick<CadreClient, 'list'>,
  f: TableFilter,
  cap = 10_000,
): Promise<MatchCount> {
  let n = 0;
  let cursor: string | undefined;
  do {
    const page = await client.list({ ...toBulkFilter(f), limit: 1000, cursor });
    n += page.jobs.length;
    cursor = page.nextCursor ?? undefined;
    if (cursor !== undefined && n >= cap) return { n, atLeast: true };
  } while (cursor !== undefined);
  return { n, atLeast: false };
}

export const ACTION_VERBS: Record<BulkAction, string> = {
  retry: 'Retry',
  cancel: 'Cancel',
  delete: 'Delete',
};

/** "12 jobs", "1 job", "at least 10,000 jobs". */
export function jobCount(count: MatchCount): string {
  const n = count.n.toLocaleString('en-US');
  return `${count.atLeast ? 'at least ' : ''}${n} job${count.n === 1 && !count.atLeast ? '' : 's'}`;
}

/** The question the one confirmation asks. */
export function confirmText(action: BulkAction, count: MatchCount, matching: boolean): string {
  const what = `${ACTION_VERBS[action]} ${jobCount(count)}${matching ? ' matching this filter' : ''}?`;
  const which =
    action === 'retry'
      ? 'Only failed and cancelled ones are retried.'
      : action === 'cancel'
        ? 'Only unfinished ones are cancelled; running ones are aborted.'
        : 'Only finished ones are deleted, for good.';
  return `${what} ${which}`;
}

/** The notice after the server answered. */
export function doneText(action: BulkAction, matched: number, changed: number): string {
  const past = { retry: 'Retried', cancel: 'Cancelled', delete: 'Deleted' }[action];
  const of = matched === changed ? '' : ` of ${matched.toLocaleString('en-US')} matching`;
  return `${past} ${changed.toLocaleString('en-US')} job${changed === 1 ? '' : 's'}${of}.`;
}
