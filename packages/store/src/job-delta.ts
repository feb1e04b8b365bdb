/**
 * A job's change as the journal keeps it: the fields of its record that
 * changed, by id, rather than the whole record. A start or a finish is then a
 * few dozen bytes, and a job's input is serialised once, when it is submitted
 * (and again only in snapshots).
 *
 * The delta is taken field by field against the record it replaces, so it
 * holds whatever the transition changed, whichever it was: the store records
 * changes, it does not know the state machine. Applying the delta of
 * `prev → next` to `prev` gives `next`, field for field; recovery relies on
 * that.
 *
 * Times are epoch ms in a delta and become the record's ISO strings again
 * when it is applied. A time not written as `toISOString` writes the years
 * 100 to 9999 (never, in practice) is kept as its string, so that it too
 * comes back the same.
 */
import type { Job } from '@cadre/core';

/** Fields of a record that are ISO times, epoch ms in a delta. */
const TIME_FIELDS = ['runAt', 'createdAt', 'startedAt', 'finishedAt'] as const;
/** The other fields but the id, kept as they are. */
const PLAIN_FIELDS = [
  'key',
  'category',
  'task',
  'input',
  'state',
  'attempts',
  'maxRetries',
  'timeoutMs',
  'priority',
  'durationMs',
  'progress',
  'result',
  'lastError',
  'failure',
  'node',
  'flowId',
  'flowRole',
  'parents',
  'trigger',
  'schedule',
] as const;

type TimeField = (typeof TIME_FIELDS)[number];
type PlainField = (typeof PLAIN_FIELDS)[number];

// A field added to Job but missing from these lists would never reach the
// journal: that must not compile. (diffJobInto names each field again; a
// test changes each field of the lists alone and expects it in the delta.)
type NoneLeft<T extends never> = T;
type _EveryFieldListed = NoneLeft<Exclude<keyof Job, 'id' | TimeField | PlainField>>;

const TIMES: ReadonlySet<string> = new Set(TIME_FIELDS);
const FIELDS: ReadonlySet<string> = new Set([...TIME_FIELDS, ...PLAIN_FIELDS]);

/** The last instant a `Date` can hold. */
const MAX_TIME_MS = 8.64e15;

/** The changed fields of a job, by id; times as epoch ms (or, rarely, their ISO string). */
export type JobDelta = { id: string } & { [K in PlainField]?: Job[K] } & {
  [K in TimeField]?: number | string | null;
};

export interface DiffOptions {
  /** Leave `result` out even if it changed: the caller writes it itself (as JSON text). */
  withoutResult?: boolean;
}

/**
 * The fields of `next` that differ from `prev` (the record it replaces, same
 * id). Values are compared by identity: records are immutable values, so a
 * field a transition did not touch is the very same value.
 */
export function diffJob(prev: Job, next: Job, options?: DiffOptions): JobDelta {
  return diffJobInto({}, prev, next, options);
}

/**
 * As `diffJob`, written into `into` after the properties it already has (the
 * journal's envelope), so that the entry is one object.
 */
export function diffJobInto<T extends object>(
  into: T,
  prev: Job,
  next: Job,
  options?: DiffOptions,
): T & JobDelta {
  // Written out field by field: a loop over the names would make every read
  // and write a keyed (megamorphic) access, several times slower.
  const d = into as T & JobDelta;
  d.id = next.id;
  if (next.state !== prev.state) d.state = next.state;
  if (next.attempts !== prev.attempts) d.attempts = next.attempts;
  // Records of old releases have no priority (0).
  if (next.priority !== prev.priority) d.priority = next.priority ?? 0;
  // Records of old releases have no node; JSON has no undefined.
  if (next.node !== prev.node) d.node = next.node ?? null;
  if (next.runAt !== prev.runAt) d.runAt = deltaTime(next.runAt);
  if (next.startedAt !== prev.startedAt) d.startedAt = deltaTime(next.startedAt);
  if (next.finishedAt !== prev.finishedAt) d.finishedAt = deltaTime(next.finishedAt);
  if (next.durationMs !== prev.durationMs) d.durationMs = next.durationMs;
  if (next.progress !== prev.progress) d.progress = next.progress;
  if (next.lastError !== prev.lastError) d.lastError = next.lastError;
  if (next.failure !== prev.failure) d.failure = next.failure;
  if (next.input !== prev.input) d.input = next.input;
  if (next.key !== prev.key) d.key = next.key;
  if (next.category !== prev.category) d.category = next.category;
  if (next.task !== prev.task) d.task = next.task;
  if (next.maxRetries !== prev.maxRetries) d.maxRetries = next.maxRetries;
  if (next.timeoutMs !== prev.timeoutMs) d.timeoutMs = next.timeoutMs;
  if (next.createdAt !== prev.createdAt) d.createdAt = deltaTime(next.createdAt);
  // Set when a job is created and never changed; records of old releases have none.
  if (next.flowId !== prev.flowId) d.flowId = next.flowId ?? null;
  if (next.flowRole !== prev.flowRole) d.flowRole = next.flowRole ?? null;
  if (next.parents !== prev.parents) d.parents = next.parents ?? [];
  if (next.trigger !== prev.trigger) d.trigger = next.trigger ?? null;
  if (next.schedule !== prev.schedule) d.schedule = next.schedule ?? null;
  // Last, where a caller that writes the result itself puts it.
  if (next.result !== prev.result && options?.withoutResult !== true) d.result = next.result;
  return d;
}

function deltaTime(iso: string | null): number | string | null {
  return iso === null ? null : (isoToMs(iso) ?? iso);
}

/** `job` with `delta` applied: what the record became. */
export function applyJobDelta(job: Job, delta: JobDelta): Job {
  const next: Record<string, unknown> = { ...job };
  for (const [field, value] of Object.entries(delta)) {
    if (!FIELDS.has(field)) continue;
    next[field] = typeof value === 'number' && TIMES.has(field) ? msToIso(value) : value;
  }
  return next as unknown as Job;
}

/**
 * The reason `value` is not a delta as `diffJob` writes it, or null. Keys
 * named in `envelope` belong to whatever carries the delta and are let be.
 */
export function jobDeltaProblem(
  value: Record<string, unknown>,
  envelope: readonly string[] = [],
): string | null {
  const { id } = value;
  if (typeof id !== 'string' || id === '') return 'a job delta needs a non-empty string id';
  for (const [field, v] of Object.entries(value)) {
    if (field === 'id' || envelope.includes(field)) continue;
    if (!FIELDS.has(field))
      return `job delta '${id}' has an unknown field ${JSON.stringify(field)}`;
    if (field === 'state' && typeof v !== 'string') return `job delta '${id}' has no valid state`;
    if (TIMES.has(field) && !isDeltaTime(v)) {
      return `job delta '${id}' has an invalid time in ${field}`;
    }
  }
  return null;
}

function isDeltaTime(v: unknown): boolean {
  if (v === null || typeof v === 'string') return true;
  return typeof v === 'number' && Number.isFinite(v) && Math.abs(v) <= MAX_TIME_MS;
}

function msToIso(ms: number): string {
  return new Date(ms).toISOString();
}

/**
 * The epoch ms of `iso` when it is exactly what `toISOString` writes (for the
 * years 100 to 9999), else null. Read by hand: `Date.parse` alone accepts
 * strings that would not come back the same, and checking by formatting the
 * result again would cost more than the parse.
 */
export function isoToMs(iso: string): number | null {
  if (
    iso.length !== 24 ||
    iso.charCodeAt(4) !== 0x2d || // -
    iso.charCodeAt(7) !== 0x2d ||
    iso.charCodeAt(10) !== 0x54 || // T
    iso.charCodeAt(13) !== 0x3a || // :
    iso.charCodeAt(16) !== 0x3a ||
    iso.charCodeAt(19) !== 0x2e || // .
    iso.charCodeAt(23) !== 0x5a // Z
  ) {
    return null;
  }
  const year = digits(iso, 0, 4);
  const month = digits(iso, 5, 2);
  const day = digits(iso, 8, 2);
  const hour = digits(iso, 11, 2);
  const minute = digits(iso, 14, 2);
  const second = digits(iso, 17, 2);
  const ms = digits(iso, 20, 3);
  if (
    year < 100 || // Date.UTC reads 0–99 as 1900–1999
    month < 1 ||
    month > 12 ||
    day < 1 ||
    day > daysInMonth(year, month) ||
    hour < 0 ||
    hour > 23 ||
    minute < 0 ||
    minute > 59 ||
    second < 0 ||
    second > 59 ||
    ms < 0
  ) {
    return null;
  }
  return Date.UTC(year, month - 1, day, hour, minute, second, ms);
}

/** The number written in `count` decimal digits at `from`, or -1 if one is not a digit. */
function digits(text: string, from: number, count: number): number {
  let n = 0;
  for (let i = from; i < from + count; i++) {
    const d = text.charCodeAt(i) - 0x30;
    if (d < 0 || d > 9) return -1;
    n = n * 10 + d;
  }
  return n;
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) return year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0) ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}
