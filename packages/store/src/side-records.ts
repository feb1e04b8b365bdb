/**
 * What the local store keeps besides jobs and categories' overrides: the
 * records of schedules and observers, each observer's latest results
 * (issue 13), and the metrics history (issue 14). The journal records their changes as mutations of their own,
 * and the snapshot's first line holds them whole, beside the categories.
 * Applied in one place, so that the memory store, the lowdb store and
 * recovery agree.
 */
import {
  MAX_OBSERVER_RESULTS,
  addRows,
  historyKeptFrom,
  historyKey,
  historyRowProblem,
  type HistoryRow,
  type ObserverRecord,
  type ObserverResult,
  type ScheduleRecord,
} from '@cadre/core';

export interface SideRecords {
  schedules: Record<string, ScheduleRecord>;
  observers: Record<string, ObserverRecord>;
  /** Each observer's latest results, oldest first, at most MAX_OBSERVER_RESULTS. */
  observations: Record<string, ObserverResult[]>;
  /** Metrics history: one row per minute and category, by core's historyKey, the last 24 h. */
  history: Record<string, HistoryRow>;
}

export type SideMutation =
  /** Create or replace a schedule; null deletes it. */
  | { op: 'schedule'; name: string; schedule: ScheduleRecord | null }
  /** Create or replace an observer; null deletes it and its results. */
  | { op: 'observer'; name: string; observer: ObserverRecord | null }
  /** Keep an observer's result (the oldest beyond MAX_OBSERVER_RESULTS is dropped). */
  | { op: 'observation'; result: ObserverResult }
  /**
   * Add history rows (deltas) to the rows of their minute and category, then
   * forget the rows older than 24 h before `now` (so replay prunes alike).
   */
  | { op: 'history'; rows: HistoryRow[]; now: number };

export const SIDE_OPS: ReadonlySet<string> = new Set([
  'schedule',
  'observer',
  'observation',
  'history',
]);

export function emptySide(): SideRecords {
  return { schedules: {}, observers: {}, observations: {}, history: {} };
}

/** The side records of a loaded state; absent parts are empty. */
export function sideOf(state: Partial<SideRecords>): SideRecords {
  return {
    schedules: { ...state.schedules },
    observers: { ...state.observers },
    observations: Object.fromEntries(
      Object.entries(state.observations ?? {}).map(([name, list]) => [name, [...list]]),
    ),
    history: { ...state.history },
  };
}

/** A copy that later mutations of `side` do not change (records are immutable values). */
export function cloneSide(side: SideRecords): SideRecords {
  return sideOf(side);
}

/** Applies one mutation in place. */
export function applySide(side: SideRecords, m: SideMutation): void {
  switch (m.op) {
    case 'schedule':
      if (m.schedule === null) delete side.schedules[m.name];
      else side.schedules[m.name] = m.schedule;
      break;
    case 'observer':
      if (m.observer === null) {
        delete side.observers[m.name];
        delete side.observations[m.name];
      } else {
        side.observers[m.name] = m.observer;
      }
      break;
    case 'observation': {
      const list = (side.observations[m.result.name] ??= []);
      list.push(m.result);
      if (list.length > MAX_OBSERVER_RESULTS) list.splice(0, list.length - MAX_OBSERVER_RESULTS);
      break;
    }
    case 'history':
      applyHistory(side.history, m.rows, m.now);
      break;
  }
}

/** Adds `rows` to `history` (by historyKey), then forgets the rows older than 24 h before `now`. */
export function applyHistory(
  history: Record<string, HistoryRow>,
  rows: readonly HistoryRow[],
  now: number,
): void {
  for (const row of rows) {
    const key = historyKey(row);
    const seen = history[key];
    history[key] = seen ? addRows(seen, row) : row;
  }
  const keptFrom = historyKeptFrom(now);
  for (const [key, row] of Object.entries(history)) {
    if (row.minute < keptFrom) delete history[key];
  }
}

/** Why `m` (a mutation of one of the side ops) cannot be read back, or null. */
export function sideEntryProblem(m: Record<string, unknown>): string | null {
  switch (m.op) {
    case 'schedule':
      return typeof m.name === 'string' && (m.schedule === null || isObject(m.schedule))
        ? null
        : "a 'schedule' mutation needs a name and a schedule object or null";
    case 'observer':
      return typeof m.name === 'string' && (m.observer === null || isObject(m.observer))
        ? null
        : "an 'observer' mutation needs a name and an observer object or null";
    case 'observation':
      return isObject(m.result) && typeof m.result.name === 'string'
        ? null
        : "an 'observation' mutation needs a result with a name";
    case 'history': {
      if (!Array.isArray(m.rows) || typeof m.now !== 'number') {
        return "a 'history' mutation needs rows and a time";
      }
      for (const row of m.rows) {
        const problem = historyRowProblem(row);
        if (problem !== null) return problem;
      }
      return null;
    }
    default:
      return `unknown mutation op ${JSON.stringify(m.op)}`;
  }
}

/** Why the side records of a snapshot header cannot be read back, or null. */
export function sideHeaderProblem(value: Record<string, unknown>): string | null {
  for (const part of ['schedules', 'observers', 'observations', 'history'] as const) {
    const records = value[part];
    if (records === undefined) continue;
    if (!isObject(records)) return `the snapshot header's ${part} is not an object`;
    for (const [name, record] of Object.entries(records)) {
      const ok = part === 'observations' ? Array.isArray(record) : isObject(record);
      if (!ok) return `the snapshot header's ${part} entry '${name}' is malformed`;
    }
  }
  return null;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
