/**
 * Observers (issue 13): their records, their latest results, and what a
 * query matches, read from the jobs' indexes.
 */
import {
  JOB_STATES,
  MAX_OBSERVER_IDS,
  MAX_OBSERVER_RESULTS,
  createdNoLaterThan,
  keepsEvaluation,
  savedObserver,
  type DeclaredIn,
  type ObserverQuery,
  type ObserverRecord,
  type ObserverResult,
  type ObserverSpec,
} from '@cadre/core';
import { idBelowTime, type Observation } from '@cadre/store';
import type { Db, Queryable } from '../db.js';
import type { Names } from '../names.js';

async function lockedObserver(
  tx: Queryable,
  n: Names,
  name: string,
): Promise<ObserverRecord | null> {
  const rows = await tx.query<{ record: ObserverRecord }>(
    `SELECT record FROM ${n.observers} WHERE name = $1 FOR UPDATE`,
    [name],
  );
  return rows[0]?.record ?? null;
}

async function writeObserver(tx: Queryable, n: Names, record: ObserverRecord): Promise<void> {
  await tx.query(
    `INSERT INTO ${n.observers} (name, record) VALUES ($1, $2::json)
     ON CONFLICT (name) DO UPDATE SET record = EXCLUDED.record`,
    [record.name, JSON.stringify(record)],
  );
}

export function saveObserver(
  db: Db,
  n: Names,
  spec: ObserverSpec,
  source: DeclaredIn,
  now: number,
): Promise<ObserverRecord> {
  return db.transaction(async (tx) => {
    const existing = await lockedObserver(tx, n, spec.name);
    const next = savedObserver(existing, spec, source, now);
    if (next !== existing) await writeObserver(tx, n, next);
    return next;
  });
}

export async function listObservers(db: Queryable, n: Names): Promise<ObserverRecord[]> {
  const rows = await db.query<{ record: ObserverRecord }>(
    `SELECT record FROM ${n.observers} ORDER BY name`,
  );
  return rows.map((r) => r.record);
}

/** Deletes the observer; its results go with it (ON DELETE CASCADE). */
export async function deleteObserver(db: Queryable, n: Names, name: string): Promise<boolean> {
  const rows = await db.query(`DELETE FROM ${n.observers} WHERE name = $1 RETURNING name`, [name]);
  return rows.length > 0;
}

/**
 * Keeps `result` under its observer's row lock if `keepsEvaluation` allows
 * it, moves the observer's fence to the tick, and drops the results beyond
 * the latest MAX_OBSERVER_RESULTS.
 */
export function recordObservation(
  db: Db,
  n: Names,
  result: ObserverResult,
  revision: number,
  tickMs: number,
): Promise<boolean> {
  return db.transaction(async (tx) => {
    const existing = await lockedObserver(tx, n, result.name);
    if (existing === null || !keepsEvaluation(existing, revision, tickMs)) return false;
    await writeObserver(tx, n, { ...existing, sinceMs: tickMs });
    await tx.query(`INSERT INTO ${n.observations} (name, result) VALUES ($1, $2::json)`, [
      result.name,
      JSON.stringify(result),
    ]);
    await tx.query(
      `DELETE FROM ${n.observations} WHERE name = $1 AND seq <= (
         SELECT seq FROM ${n.observations} WHERE name = $1
         ORDER BY seq DESC OFFSET ${MAX_OBSERVER_RESULTS} LIMIT 1)`,
      [result.name],
    );
    return true;
  });
}

export async function listObservations(
  db: Queryable,
  n: Names,
  name: string,
  limit: number,
): Promise<ObserverResult[]> {
  const take = Math.max(0, Math.min(Math.floor(limit), MAX_OBSERVER_RESULTS));
  const rows = await db.query<{ result: ObserverResult }>(
    `SELECT result FROM ${n.observations} WHERE name = $1 ORDER BY seq DESC LIMIT ${take}`,
    [name],
  );
  return rows.map((r) => r.result);
}

/**
 * What `query` matches at `now`, in one statement (one snapshot): the count,
 * and the first MAX_OBSERVER_IDS ids in id order (oldest first). Both walk
 * the (category, state, id) or (state, id) index, or the primary key, within
 * the id bound that `olderThanMs` sets; `task` filters the rows they reach.
 * By category alone, the ids merge the category's per-state ranges (as
 * `listJobs` does), so that no sort of the whole category is needed.
 */
export async function observe(
  db: Queryable,
  n: Names,
  query: ObserverQuery,
  now: number,
): Promise<Observation> {
  const values: unknown[] = [];
  const param = (value: unknown): string => {
    values.push(value);
    return `$${values.length}`;
  };
  const where: string[] = [];
  if (query.category !== undefined) where.push(`j.category = ${param(query.category)}`);
  if (query.task !== undefined) where.push(`j.task = ${param(query.task)}`);
  const latest = createdNoLaterThan(query, now);
  if (latest !== null) where.push(`j.id < ${param(idBelowTime(latest))}`);
  const state = query.state === undefined ? null : param(query.state);
  const filter = (extra: string[]) => [...where, ...extra].join(' AND ') || 'true';
  const first = (extra: string[]) =>
    `SELECT j.id FROM ${n.jobs} AS j WHERE ${filter(extra)} ORDER BY j.id LIMIT ${MAX_OBSERVER_IDS}`;
  const ids =
    query.category !== undefined && state === null
      ? `SELECT id FROM (${JOB_STATES.map((s) => `(${first([`j.state = '${s}'`])})`).join(
          ' UNION ALL ',
        )}) AS j ORDER BY id LIMIT ${MAX_OBSERVER_IDS}`
      : first(state === null ? [] : [`j.state = ${state}`]);
  const count = `SELECT count(*)::bigint FROM ${n.jobs} AS j WHERE ${filter(
    state === null ? [] : [`j.state = ${state}`],
  )}`;
  const rows = await db.query<{ count: string; ids: string[] }>(
    `SELECT (${count}) AS count, ARRAY(${ids}) AS ids`,
    values,
  );
  const row = rows[0]!;
  return { count: Number(row.count), ids: row.ids };
}
