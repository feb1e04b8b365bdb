/**
 * Schedules (issue 13): their records, and the transaction that fires a tick.
 * Every change of a record reads it under its row's lock, applies core's
 * rule (savedSchedule, pausedSchedule, tickedSchedule) and writes it back,
 * so that changes from any node take turns.
 */
import {
  pausedSchedule,
  savedSchedule,
  tickedSchedule,
  type DeclaredIn,
  type Job,
  type ScheduleRecord,
  type ScheduleSpec,
} from '@cadre/core';
import type { BackendLimits, SubmitResult } from '@cadre/store';
import type { Db, Queryable } from '../db.js';
import type { Names } from '../names.js';
import { submitJobsIn } from './submit.js';

async function lockedSchedule(
  tx: Queryable,
  n: Names,
  name: string,
): Promise<ScheduleRecord | null> {
  const rows = await tx.query<{ record: ScheduleRecord }>(
    `SELECT record FROM ${n.schedules} WHERE name = $1 FOR UPDATE`,
    [name],
  );
  return rows[0]?.record ?? null;
}

async function writeSchedule(tx: Queryable, n: Names, record: ScheduleRecord): Promise<void> {
  await tx.query(
    `INSERT INTO ${n.schedules} AS s (name, record) VALUES ($1, $2::json)
     ON CONFLICT (name) DO UPDATE SET record = EXCLUDED.record`,
    [record.name, JSON.stringify(record)],
  );
}

export function saveSchedule(
  db: Db,
  n: Names,
  spec: ScheduleSpec,
  source: DeclaredIn,
  now: number,
): Promise<ScheduleRecord> {
  return db.transaction(async (tx) => {
    const existing = await lockedSchedule(tx, n, spec.name);
    const next = savedSchedule(existing, spec, source, now);
    if (next !== existing) await writeSchedule(tx, n, next);
    return next;
  });
}

export async function listSchedules(db: Queryable, n: Names): Promise<ScheduleRecord[]> {
  const rows = await db.query<{ record: ScheduleRecord }>(
    `SELECT record FROM ${n.schedules} ORDER BY name`,
  );
  return rows.map((r) => r.record);
}

export async function deleteSchedule(db: Queryable, n: Names, name: string): Promise<boolean> {
  const rows = await db.query(`DELETE FROM ${n.schedules} WHERE name = $1 RETURNING name`, [name]);
  return rows.length > 0;
}

export function pauseSchedule(
  db: Db,
  n: Names,
  name: string,
  paused: boolean,
  now: number,
): Promise<ScheduleRecord | null> {
  return db.transaction(async (tx) => {
    const existing = await lockedSchedule(tx, n, name);
    if (existing === null) return null;
    const next = pausedSchedule(existing, paused, now);
    if (next !== existing) await writeSchedule(tx, n, next);
    return next;
  });
}

export interface TickWrite {
  limits: BackendLimits;
  origin: string;
  /** Waiting jobs by category, recently counted (see `submitJobs`). */
  recent: ReadonlyMap<string, number>;
}

/**
 * Marks a tick done in one transaction, under the schedule's row lock: the
 * job `job` (null: skipped) is inserted as `submit` inserts it, or the job
 * that holds its key is its answer, and the record moves past the tick.
 * Null, and nothing written, when `tickedSchedule` refuses the tick.
 */
export function fireTick(
  db: Db,
  n: Names,
  name: string,
  revision: number,
  tickMs: number,
  job: Job | null,
  write: TickWrite,
): Promise<{ schedule: ScheduleRecord; job: SubmitResult | null } | null> {
  return db.transaction(async (tx) => {
    const existing = await lockedSchedule(tx, n, name);
    if (existing === null || tickedSchedule(existing, revision, tickMs, '') === null) return null;
    if (job === null) {
      const skipped = tickedSchedule(existing, revision, tickMs, null)!;
      await writeSchedule(tx, n, skipped);
      return { schedule: skipped, job: null };
    }
    const { created, existing: holders } = await submitJobsIn(
      tx,
      n,
      write.limits,
      [job],
      write.origin,
      write.recent,
    );
    const result: SubmitResult =
      created.length > 0
        ? { job: created[0]!, created: true }
        : { job: holders.get(job.key!)!, created: false };
    const ticked = tickedSchedule(existing, revision, tickMs, result.job.id)!;
    await writeSchedule(tx, n, ticked);
    return { schedule: ticked, job: result };
  });
}
