/**
 * What the schedules and observers panels show, worked out without React:
 * a timing in words, a time relative to now, a query in words, and the
 * latest result of each observer from what was fetched and what arrived live.
 */
import type { ObserverQuery, ObserverResult, ObserverView, ScheduleView } from '@cadre/client';
import { formatDuration } from './format.js';

/** "every 5s", "cron 0 9 * * * (Europe/Paris)", "daily at 09:00:00 (UTC)". */
export function describeTiming(
  t: Pick<ScheduleView, 'cron' | 'everyMs' | 'tz'> | Pick<ObserverView, 'at' | 'everyMs' | 'tz'>,
): string {
  const zone = ` (${t.tz ?? 'UTC'})`;
  if ('cron' in t && t.cron !== null) return `cron ${t.cron}${zone}`;
  if ('at' in t && t.at !== null) return `daily at ${t.at}${zone}`;
  return t.everyMs === null ? '–' : `every ${formatDuration(t.everyMs)}`;
}

/** "in 12s", "3m 04s ago", "now" (within a second); "–" for none. */
export function relativeTime(iso: string | null | undefined, now: number): string {
  if (!iso) return '–';
  const at = Date.parse(iso);
  if (!Number.isFinite(at)) return '–';
  const delta = at - now;
  if (Math.abs(delta) < 1000) return 'now';
  return delta > 0 ? `in ${formatDuration(delta)}` : `${formatDuration(-delta)} ago`;
}

/** "state=queued, category=email, older than 5m"; "every job" for no filter. */
export function describeQuery(q: ObserverQuery): string {
  const parts: string[] = [];
  if (q.state !== undefined) parts.push(`state=${q.state}`);
  if (q.category !== undefined) parts.push(`category=${q.category}`);
  if (q.task !== undefined) parts.push(`task=${q.task}`);
  if (q.olderThanMs !== undefined) parts.push(`older than ${formatDuration(q.olderThanMs)}`);
  return parts.length === 0 ? 'every job' : parts.join(', ');
}

/**
 * `latest` with `result` in it when it is newer than the one it holds for
 * that observer (results may arrive live before a fetch of older ones lands).
 */
export function withResult(
  latest: ReadonlyMap<string, ObserverResult>,
  result: ObserverResult,
): ReadonlyMap<string, ObserverResult> {
  const held = latest.get(result.name);
  if (held !== undefined && Date.parse(held.at) >= Date.parse(result.at)) return latest;
  const next = new Map(latest);
  next.set(result.name, result);
  return next;
}
