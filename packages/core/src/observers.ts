/**
 * Observer queries (issue 13, after riaktq): a saved query over the jobs,
 * evaluated on a period or at a time of day, whose results are kept and
 * sent to the dashboard.
 *
 * - A query filters by `state`, `category`, `task` and `olderThanMs` (the
 *   job was created at least that long before the evaluation). Every filter
 *   is optional; none matches every job.
 * - An evaluation counts the matches and keeps the ids of the first
 *   MAX_OBSERVER_IDS of them, oldest first: the jobs that have waited
 *   longest are the ones an observer of stuck work wants to see.
 * - It is cheap: the backends answer from their (category, state) indexes,
 *   in which ids sort by creation, so `olderThanMs` is a bound on the id.
 *   `task` is not indexed: it filters the jobs those indexes select.
 * - It runs on the leader at the ticks of `everyMs`, or daily at `at`
 *   ('HH:MM:SS') in `tz`. After a gap it runs once, not once per missed tick.
 * - The backend keeps the latest MAX_OBSERVER_RESULTS results of each.
 */
import { Errors } from './errors.js';
import { JOB_STATES, type JobState } from './job.js';
import { checkName, type DeclaredIn } from './schedules.js';
import { Ticks, whole, type Timing } from './ticks.js';

export interface ObserverQuery {
  state?: JobState;
  category?: string;
  task?: string;
  /** Created at least this many ms before the evaluation. */
  olderThanMs?: number;
}

/** What `POST /api/observers` and the config's `observers[]` take. */
export interface ObserverRequest {
  name: string;
  query: ObserverQuery;
  /** Exactly one of `everyMs` and `at`. */
  everyMs?: number;
  /** A time of day, 'HH:MM:SS' (24 h), in `tz`. */
  at?: string;
  /** The IANA time zone of `at`. @defaultValue UTC */
  tz?: string;
}

export interface ObserverSpec {
  name: string;
  query: ObserverQuery;
  everyMs: number | null;
  at: string | null;
  tz: string | null;
}

/** An observer as the backend keeps it. */
export interface ObserverRecord extends ObserverSpec {
  /** Evaluations for ticks at or before this are done (epoch ms). */
  sinceMs: number;
  /** Grows with every change of the definition: an evaluation worked out from an older one is not kept. */
  revision: number;
  /** `config`: created or updated at each start, deleted once the config drops it; `api`: kept until deleted. */
  source: DeclaredIn;
}

/** One evaluation (shared/API.md), kept by the backend and sent as the socket event `observer`. */
export interface ObserverResult {
  name: string;
  /** When it was evaluated (ISO). */
  at: string;
  /** Every job that matched. */
  count: number;
  /** The first MAX_OBSERVER_IDS matches, oldest first. */
  ids: string[];
}

/** An observer as the API reports it. */
export interface ObserverView extends ObserverSpec {
  /** The next evaluation's tick. */
  nextRunAt: string | null;
  source: DeclaredIn;
}

/** Ids kept per result. */
export const MAX_OBSERVER_IDS = 1000;
/** Results kept per observer. */
export const MAX_OBSERVER_RESULTS = 100;

const TIME_OF_DAY = /^([01]\d|2[0-3]):([0-5]\d):([0-5]\d)$/;

/**
 * Checks a request and fills in the defaults: ERR_VALIDATION naming the
 * field (`where` is prefixed: `observers[0].`). Whether the category exists
 * is the engine's to check.
 */
export function checkObserver(request: ObserverRequest, where = ''): ObserverSpec {
  checkName(request.name, `${where}name`);
  const query = request.query as unknown;
  if (typeof query !== 'object' || query === null || Array.isArray(query)) {
    throw Errors.validation(`${where}query: must be an object`, { field: `${where}query` });
  }
  const { state, olderThanMs } = request.query;
  if (state !== undefined && !JOB_STATES.includes(state)) {
    throw Errors.validation(`${where}query.state: must be one of ${JOB_STATES.join(', ')}`, {
      field: `${where}query.state`,
    });
  }
  if (olderThanMs !== undefined && !(Number.isSafeInteger(olderThanMs) && olderThanMs >= 0)) {
    throw Errors.validation(`${where}query.olderThanMs: must be a non-negative integer`, {
      field: `${where}query.olderThanMs`,
    });
  }
  if ((request.everyMs === undefined) === (request.at === undefined)) {
    throw Errors.validation(`${whole(where)}give exactly one of everyMs and at`, {
      field: where.replace(/\.$/, ''),
    });
  }
  if (request.at !== undefined && !TIME_OF_DAY.test(request.at)) {
    throw Errors.validation(`${where}at: must be a time of day 'HH:MM:SS' (00:00:00..23:59:59)`, {
      field: `${where}at`,
    });
  }
  if (request.everyMs !== undefined && request.tz !== undefined) {
    throw Errors.validation(`${where}tz: a time zone applies to at only, not to everyMs`, {
      field: `${where}tz`,
    });
  }
  const spec: ObserverSpec = {
    name: request.name,
    query: pickQuery(request.query),
    everyMs: request.everyMs ?? null,
    at: request.at ?? null,
    tz: request.tz ?? null,
  };
  new Ticks(observerTiming(spec), where);
  return spec;
}

/** The query with only its known filters, in one order (so two equal queries serialise alike). */
function pickQuery(q: ObserverQuery): ObserverQuery {
  const out: ObserverQuery = {};
  if (q.state !== undefined) out.state = q.state;
  if (q.category !== undefined) out.category = q.category;
  if (q.task !== undefined) out.task = q.task;
  if (q.olderThanMs !== undefined) out.olderThanMs = q.olderThanMs;
  return out;
}

/** An observer's ticks: its period, or its time of day as a daily cron expression in its zone. */
export function observerTiming(spec: Pick<ObserverSpec, 'everyMs' | 'at' | 'tz'>): Timing {
  if (spec.at === null) return { cron: null, everyMs: spec.everyMs, tz: null };
  const [h, m, s] = spec.at.split(':').map(Number);
  return { cron: `${s} ${m} ${h} * * *`, everyMs: null, tz: spec.tz };
}

/**
 * The jobs an evaluation at `nowMs` counts are those created at or before
 * the returned time (epoch ms); null when the query has no age.
 */
export function createdNoLaterThan(query: ObserverQuery, nowMs: number): number | null {
  return query.olderThanMs === undefined ? null : nowMs - query.olderThanMs;
}

/** The record after `spec` is saved at `nowMs`; saving the same definition again changes nothing. */
export function savedObserver(
  existing: ObserverRecord | null,
  spec: ObserverSpec,
  source: DeclaredIn,
  nowMs: number,
): ObserverRecord {
  if (existing === null) return { ...spec, sinceMs: nowMs, revision: 1, source };
  const unchanged =
    existing.source === source && JSON.stringify(observerSpecOf(existing)) === JSON.stringify(spec);
  if (unchanged) return existing;
  return { ...existing, ...spec, revision: existing.revision + 1, source };
}

function observerSpecOf(r: ObserverRecord): ObserverSpec {
  return { name: r.name, query: r.query, everyMs: r.everyMs, at: r.at, tz: r.tz };
}

/** Whether an evaluation of tick `tickMs`, worked out from `revision`, is to be kept (the fence). */
export function keepsEvaluation(record: ObserverRecord, revision: number, tickMs: number): boolean {
  return record.revision === revision && tickMs > record.sinceMs;
}

/** The report of an observer at `nowMs`. */
export function observerView(record: ObserverRecord, ticks: Ticks, nowMs: number): ObserverView {
  const next = ticks.next(Math.max(record.sinceMs, nowMs));
  return {
    ...observerSpecOf(record),
    nextRunAt: next === null ? null : new Date(next).toISOString(),
    source: record.source,
  };
}
