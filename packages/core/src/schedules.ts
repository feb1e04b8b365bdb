/**
 * Recurring schedules (issue 13): a job request made into a job at each tick
 * of a cron expression or a fixed period (ticks.ts).
 *
 * - Each tick makes one job, with the idempotency key
 *   `schedule:<name>:<tick ISO time>` and `Job.schedule` naming the schedule.
 * - A tick fires exactly once: the backend records the job and the tick it
 *   came from in one durable write, and refuses a tick at or before the last
 *   one recorded (`sinceMs`), whichever node or process asks.
 * - `sinceMs` only moves forward. Creating a schedule, changing its timing
 *   and resuming it set it to that moment: ticks before it are not run.
 *   While paused, no tick runs; on resume, the ticks of the pause are not
 *   run either (a pause is a decision, not an outage).
 * - Ticks missed while cadre was down follow `catchUp` (ticks.ts `dueTicks`).
 */
import { Errors } from './errors.js';
import { CATCH_UP_MODES, Ticks, type CatchUp } from './ticks.js';
import type { JobRequest } from './views.js';

/** What `POST /api/schedules` and the config's `schedules[]` take. */
export interface ScheduleRequest {
  name: string;
  /** 5 fields, or 6 with seconds first. Exactly one of `cron` and `everyMs`. */
  cron?: string;
  /** A period in ms (≥ 100); ticks fall on whole multiples of it since the Unix epoch. */
  everyMs?: number;
  /** The IANA time zone of `cron`. @defaultValue UTC */
  tz?: string;
  /** The job each tick makes; a `key` is refused (the tick's key is the schedule's). */
  job: JobRequest;
  /** @defaultValue 'last' */
  catchUp?: CatchUp;
}

/** A schedule's definition, defaults filled in. */
export interface ScheduleSpec {
  name: string;
  cron: string | null;
  everyMs: number | null;
  tz: string | null;
  job: JobRequest;
  catchUp: CatchUp;
}

/** Where a schedule or an observer was declared. */
export type DeclaredIn = 'config' | 'api';

/** A schedule as the backend keeps it. Times are epoch ms. */
export interface ScheduleRecord extends ScheduleSpec {
  paused: boolean;
  /** Every tick at or before this is done: run, skipped, or before the schedule (or its timing, or its resume). */
  sinceMs: number;
  /** Grows with every change of the definition or pause: a tick worked out from an older one is refused. */
  revision: number;
  /** The tick that made the latest job, or null. */
  lastRunAtMs: number | null;
  lastJobId: string | null;
  /**
   * `config`: declared in the config file, created or updated at each start,
   * and deleted at a start whose config no longer declares it; `api`: made
   * through the API, kept until deleted.
   */
  source: DeclaredIn;
}

/** A schedule as the API reports it (shared/API.md). */
export interface ScheduleView {
  name: string;
  cron: string | null;
  everyMs: number | null;
  tz: string | null;
  paused: boolean;
  /** The next tick from now on; null while paused. */
  nextRunAt: string | null;
  /** The tick that made the latest job. */
  lastRunAt: string | null;
  lastJobId: string | null;
  catchUp: CatchUp;
  job: JobRequest;
  source: DeclaredIn;
}

/** Schedule and observer names go into job keys, URLs and log lines: the rule of category names. */
const NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;

/** Throws ERR_VALIDATION unless `name` is 1..64 letters, digits, `_ . -`, starting with a letter or digit. */
export function checkName(name: unknown, where = 'name'): string {
  if (typeof name !== 'string' || !NAME.test(name)) {
    throw Errors.validation(
      `${where}: must be 1..64 letters, digits, _ . - (starting with a letter or digit)`,
      { field: where },
    );
  }
  return name;
}

/**
 * Checks a request's own rules and fills in the defaults: ERR_VALIDATION
 * naming the field (`where` is prefixed: `schedules[2].`). The job request
 * itself is the engine's to check (its task and category).
 */
export function checkSchedule(request: ScheduleRequest, where = ''): ScheduleSpec {
  checkName(request.name, `${where}name`);
  const catchUp = request.catchUp ?? 'last';
  if (!CATCH_UP_MODES.includes(catchUp)) {
    throw Errors.validation(`${where}catchUp: must be one of ${CATCH_UP_MODES.join(', ')}`, {
      field: `${where}catchUp`,
    });
  }
  if (request.job.key !== undefined) {
    throw Errors.validation(
      `${where}job.key: a scheduled job takes its key from its tick (schedule:<name>:<tick>)`,
      { field: `${where}job.key` },
    );
  }
  const spec: ScheduleSpec = {
    name: request.name,
    cron: request.cron ?? null,
    everyMs: request.everyMs ?? null,
    tz: request.tz ?? null,
    job: request.job,
    catchUp,
  };
  new Ticks(spec, where);
  return spec;
}

/** Whether two definitions tick alike: a change of timing restarts the ticks from the change. */
export function sameTiming(
  a: Pick<ScheduleSpec, 'cron' | 'everyMs' | 'tz'>,
  b: Pick<ScheduleSpec, 'cron' | 'everyMs' | 'tz'>,
): boolean {
  return a.cron === b.cron && a.everyMs === b.everyMs && a.tz === b.tz;
}

/** The idempotency key of the job a tick makes. */
export function scheduleKey(name: string, tickMs: number): string {
  return `schedule:${name}:${new Date(tickMs).toISOString()}`;
}

/** The report of a schedule at `nowMs`; `ticks` are its timing's. */
export function scheduleView(record: ScheduleRecord, ticks: Ticks, nowMs: number): ScheduleView {
  const next = record.paused ? null : ticks.next(Math.max(record.sinceMs, nowMs));
  return {
    name: record.name,
    cron: record.cron,
    everyMs: record.everyMs,
    tz: record.tz,
    paused: record.paused,
    nextRunAt: next === null ? null : new Date(next).toISOString(),
    lastRunAt: record.lastRunAtMs === null ? null : new Date(record.lastRunAtMs).toISOString(),
    lastJobId: record.lastJobId,
    catchUp: record.catchUp,
    job: record.job,
    source: record.source,
  };
}

/**
 * The record after `spec` is saved at `nowMs` (created, or updated in place
 * of `existing`). An update keeps the pause and the last run; a change of
 * timing restarts the ticks from now. Saving the same definition again (each
 * node of a cluster does, at start) changes nothing.
 */
export function savedSchedule(
  existing: ScheduleRecord | null,
  spec: ScheduleSpec,
  source: DeclaredIn,
  nowMs: number,
): ScheduleRecord {
  if (existing === null) {
    return {
      ...spec,
      paused: false,
      sinceMs: nowMs,
      revision: 1,
      lastRunAtMs: null,
      lastJobId: null,
      source,
    };
  }
  const unchanged =
    sameTiming(existing, spec) &&
    existing.catchUp === spec.catchUp &&
    existing.source === source &&
    JSON.stringify(existing.job) === JSON.stringify(spec.job);
  if (unchanged) return existing;
  return {
    ...existing,
    ...spec,
    sinceMs: sameTiming(existing, spec) ? existing.sinceMs : Math.max(existing.sinceMs, nowMs),
    revision: existing.revision + 1,
    source,
  };
}

/** The record after a pause or a resume at `nowMs`: the ticks of a pause are not run. */
export function pausedSchedule(
  record: ScheduleRecord,
  paused: boolean,
  nowMs: number,
): ScheduleRecord {
  if (record.paused === paused) return record;
  return {
    ...record,
    paused,
    sinceMs: paused ? record.sinceMs : Math.max(record.sinceMs, nowMs),
    revision: record.revision + 1,
  };
}

/**
 * The record once tick `tickMs`, worked out from revision `revision`, is
 * done: with the job it made (`jobId`), or skipped (null). Null when the
 * tick must not run: the definition changed since (another revision), the
 * schedule is paused, or the tick is not after the last one done. This is
 * the fence that makes a tick fire once.
 */
export function tickedSchedule(
  record: ScheduleRecord,
  revision: number,
  tickMs: number,
  jobId: string | null,
): ScheduleRecord | null {
  if (record.revision !== revision || record.paused || tickMs <= record.sinceMs) return null;
  return jobId === null
    ? { ...record, sinceMs: tickMs }
    : { ...record, sinceMs: tickMs, lastRunAtMs: tickMs, lastJobId: jobId };
}
