/**
 * When recurring work comes due: the ticks of a schedule (schedules.ts) or
 * of an observer (observers.ts), and which of them to run after a gap.
 *
 * A tick is an instant, in epoch ms. A timing has ticks in one of two ways:
 * - `cron`: a cron expression of 5 fields, or 6 with seconds first, read in
 *   the time zone `tz` (UTC when null). croner parses it and walks the
 *   calendar: across a change to summer time a tick in the skipped hour runs
 *   at the first instant after the gap; across the change back, a fixed time
 *   of day runs once, and an interval (`*\/30 * * * *`) keeps its pace
 *   through both copies of the repeated hour.
 * - `everyMs`: every whole multiple of the period since the Unix epoch, so
 *   that the ticks do not move when the schedule is saved again or the
 *   leader changes (as BullMQ's `every`).
 *
 * Pure: the caller hands in every time, as with the rest of core.
 */
import { Cron } from 'croner';
import { Errors } from './errors.js';

export interface Timing {
  /** A cron expression: 5 fields, or 6 with seconds first; null with `everyMs`. */
  cron: string | null;
  /** A fixed period in ms; null with `cron`. */
  everyMs: number | null;
  /** The IANA time zone `cron` is read in; null = UTC. */
  tz: string | null;
}

/** What to do with the ticks that came due while nothing ran them (cadre was down, or no node led). */
export const CATCH_UP_MODES = ['none', 'last', 'all'] as const;
export type CatchUp = (typeof CATCH_UP_MODES)[number];

/**
 * The most missed ticks one catch-up (`all`) runs: the latest this many. A
 * schedule every second that was down for a day would otherwise start 86,400
 * jobs at once.
 */
export const MAX_CATCH_UP_TICKS = 100;

/** The shortest `everyMs`. */
export const MIN_EVERY_MS = 100;

/** Whether `tz` names a time zone this runtime knows (IANA names, and `UTC`). */
export function isTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

/** The prefix of a message about the whole of what `where` names: `schedules[2]: `, or none. */
export function whole(where: string): string {
  return where === '' ? '' : `${where.replace(/\.$/, '')}: `;
}

/** The ticks of one timing. Build it once per timing: a cron expression is parsed here. */
export class Ticks {
  readonly timing: Timing;
  readonly #cron: Cron | null;
  readonly #every: number;

  /**
   * Throws ERR_VALIDATION naming the field (`where` + `cron`, `tz`, `everyMs`)
   * for a timing that cannot tick: both or neither of cron and everyMs, a
   * cron expression croner refuses or that never fires, an unknown zone.
   */
  constructor(timing: Timing, where = '') {
    this.timing = timing;
    const { cron, everyMs, tz } = timing;
    if ((cron === null) === (everyMs === null)) {
      throw Errors.validation(`${whole(where)}give exactly one of cron and everyMs`, {
        field: where.replace(/\.$/, ''),
      });
    }
    if (tz !== null && !isTimeZone(tz)) {
      throw Errors.validation(`${where}tz: unknown time zone '${tz}'`, { field: `${where}tz` });
    }
    if (everyMs !== null) {
      if (tz !== null) {
        throw Errors.validation(`${where}tz: a time zone applies to cron only, not to everyMs`, {
          field: `${where}tz`,
        });
      }
      if (!Number.isSafeInteger(everyMs) || everyMs < MIN_EVERY_MS) {
        throw Errors.validation(`${where}everyMs: must be an integer of at least ${MIN_EVERY_MS}`, {
          field: `${where}everyMs`,
        });
      }
      this.#cron = null;
      this.#every = everyMs;
      return;
    }
    this.#every = 0;
    let parsed: Cron;
    try {
      parsed = new Cron(cron!, { mode: '5-or-6-parts', timezone: tz ?? 'UTC' });
    } catch (err) {
      const why = (err as Error).message.replace(/^CronPattern: /, '');
      throw Errors.validation(`${where}cron: ${why}`, { field: `${where}cron` });
    }
    // A date that never comes (the 30th of February) is refused now, not found out at run time.
    if (parsed.nextRun(new Date(0)) === null) {
      throw Errors.validation(`${where}cron: '${cron}' never fires`, { field: `${where}cron` });
    }
    this.#cron = parsed;
  }

  /** The first tick strictly after `afterMs`, or null if none comes. */
  next(afterMs: number): number | null {
    if (this.#cron === null) return (Math.floor(afterMs / this.#every) + 1) * this.#every;
    return this.#cron.nextRun(new Date(afterMs))?.getTime() ?? null;
  }

  /** The latest tick at or before `atMs`, or null if none came. */
  previous(atMs: number): number | null {
    if (this.#cron === null) return Math.floor(atMs / this.#every) * this.#every;
    // croner's previous runs are strictly before the reference.
    return this.#cron.previousRuns(1, new Date(atMs + 1))[0]?.getTime() ?? null;
  }

  /**
   * The latest `n` ticks (or fewer) in (sinceMs, atMs], oldest first. Walks
   * back from `atMs` one tick at a time, so a long gap costs `n` steps, not
   * one per tick missed.
   */
  latest(sinceMs: number, atMs: number, n: number): number[] {
    const out: number[] = [];
    for (let t = this.previous(atMs); t !== null && t > sinceMs && out.length < n;) {
      out.push(t);
      t = this.previous(t - 1);
    }
    return out.reverse();
  }
}

export interface DueTicks {
  /** The ticks to run now, oldest first. */
  fire: number[];
  /** The latest tick due (run or not): ticks up to it are done. Null when none is due. */
  through: number | null;
  /** Whether some due ticks are not run (catchUp `none`, or past MAX_CATCH_UP_TICKS). */
  skipped: boolean;
}

/**
 * Which ticks to run at `nowMs`, given that every tick up to `sinceMs` is
 * done. A tick is due when it is in (sinceMs, nowMs]; it is missed when it
 * was due for longer than `graceMs` (nothing ran it in time: cadre was down,
 * or no node led). By `catchUp`:
 * - `none`: runs the ticks due in time, skips the missed ones;
 * - `last`: runs the latest due tick alone, missed or not;
 * - `all`: runs every due tick, at most the latest MAX_CATCH_UP_TICKS.
 */
export function dueTicks(
  ticks: Ticks,
  sinceMs: number,
  nowMs: number,
  catchUp: CatchUp,
  graceMs: number,
): DueTicks {
  const through = ticks.previous(nowMs);
  if (through === null || through <= sinceMs) return { fire: [], through: null, skipped: false };
  switch (catchUp) {
    case 'last': {
      const skipped = ticks.latest(sinceMs, through - 1, 1).length > 0;
      return { fire: [through], through, skipped };
    }
    case 'all': {
      const fire = ticks.latest(sinceMs, nowMs, MAX_CATCH_UP_TICKS + 1);
      const skipped = fire.length > MAX_CATCH_UP_TICKS;
      return { fire: skipped ? fire.slice(1) : fire, through, skipped };
    }
    case 'none': {
      const missedBefore = Math.max(sinceMs, nowMs - graceMs - 1);
      const fire = ticks.latest(missedBefore, nowMs, MAX_CATCH_UP_TICKS);
      const skipped = ticks.latest(sinceMs, (fire[0] ?? through + 1) - 1, 1).length > 0;
      return { fire, through, skipped };
    }
  }
}
