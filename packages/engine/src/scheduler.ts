/**
 * The leader's schedules and observers (issue 13): which ticks are due, the
 * jobs they make, and the observers' evaluations.
 *
 * - Only the leader runs passes: the WorkerBalancer tells the scheduler each
 *   interval whether this node leads (`lead`), which also runs a pass; the
 *   leader keeps one timer for the next tick of any schedule or observer.
 * - A pass reads the records from the backend (another node may have changed
 *   them), works out each schedule's due ticks (core's `dueTicks`, by its
 *   `catchUp`) and hands each to the backend's `fireSchedule`, which makes
 *   the job and moves the record past the tick in one durable write, or
 *   refuses a tick already done. A leader that lost its lease mid-pass, or a
 *   process killed between two ticks, therefore never fires a tick twice.
 * - A schedule whose job cannot be made (its task or category is no longer
 *   configured) skips its due ticks, with a warning.
 * - An observer due at least once since its last evaluation is evaluated
 *   once (not once per missed tick), from the backend's indexes, and the
 *   result is kept, fenced like a tick, then handed to `onResult`.
 * - A tick that cannot be written (the backend is unavailable, a queue is
 *   full) leaves the record as it was: the next interval's pass tries again.
 */
import {
  MAX_OBSERVER_IDS,
  Ticks,
  dueTicks,
  isCadreError,
  observerTiming,
  scheduleKey,
  toErrorMessage,
  type JobRequest,
  type ObserverRecord,
  type ObserverResult,
  type ScheduleRecord,
  type Timing,
} from '@cadre/core';
import type { Backend, JobSpec } from '@cadre/store';
import type { Clock, Logger } from './engine-options.js';

const MAX_TIMER_MS = 2 ** 31 - 1;

export interface SchedulerOptions {
  backend: Backend;
  clock: Clock;
  log: Logger;
  /** Resolves a schedule's job request against the config; throws when it cannot be made. */
  resolve(request: JobRequest, now: number): JobSpec;
  /** A tick due for longer than this was missed (catchUp `none` skips it). */
  graceMs: number;
  /** An observer's evaluation, once kept. */
  onResult(result: ObserverResult): void;
}

export class Scheduler {
  readonly #o: SchedulerOptions;
  /** Each timing's ticks, by its text: a cron expression is parsed once. */
  readonly #ticks = new Map<string, Ticks>();
  #leading = false;
  #stopped = false;
  #timer: NodeJS.Timeout | null = null;
  #running: Promise<void> | null = null;
  #again = false;
  /** Schedules whose job could not be made, by name and revision: warned about once. */
  readonly #warned = new Map<string, number>();

  constructor(options: SchedulerOptions) {
    this.#o = options;
  }

  /** Whether this node leads now: a leader runs a pass, any other node stops its timer. */
  lead(leading: boolean): Promise<void> {
    this.#leading = leading;
    if (leading) return this.poke();
    this.#disarm();
    return Promise.resolve();
  }

  /**
   * Runs a pass now if this node leads (a schedule or observer was saved, or
   * a tick is due). At most one runs at a time; asks made meanwhile run once
   * after it.
   */
  poke(): Promise<void> {
    if (!this.#leading || this.#stopped) return Promise.resolve();
    this.#again = true;
    this.#running ??= this.#passWhileAsked();
    return this.#running;
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    this.#disarm();
    await this.#running;
  }

  /** The ticks of `timing` (cached). Throws ERR_VALIDATION for a timing that cannot tick. */
  ticks(timing: Timing): Ticks {
    const key = `${timing.cron}|${timing.everyMs}|${timing.tz}`;
    let ticks = this.#ticks.get(key);
    if (!ticks) this.#ticks.set(key, (ticks = new Ticks(timing)));
    return ticks;
  }

  async #passWhileAsked(): Promise<void> {
    try {
      while (this.#again && !this.#stopped && this.#leading) {
        this.#again = false;
        await this.#pass();
      }
    } catch (err) {
      this.#o.log.warn({ err }, 'schedules: a pass failed; trying again at the next tick');
    } finally {
      // In the same turn as the last check: an ask made after it starts a new run.
      this.#running = null;
    }
  }

  async #pass(): Promise<void> {
    const { backend, clock } = this.#o;
    const [schedules, observers] = await Promise.all([backend.schedules(), backend.observers()]);
    let next = Infinity;
    for (const schedule of schedules) {
      if (this.#stopped || !this.#leading) return;
      const after = await this.#runSchedule(schedule, clock.now());
      if (after !== null) next = Math.min(next, after);
    }
    for (const observer of observers) {
      if (this.#stopped || !this.#leading) return;
      const after = await this.#runObserver(observer, clock.now());
      if (after !== null) next = Math.min(next, after);
    }
    this.#arm(next);
  }

  /** Fires the schedule's due ticks; returns its next tick after now, or null. */
  async #runSchedule(schedule: ScheduleRecord, now: number): Promise<number | null> {
    if (schedule.paused) return null;
    const { name } = schedule;
    let ticks: Ticks;
    try {
      ticks = this.ticks(schedule);
    } catch (err) {
      this.#warnOnce(schedule, `its timing cannot tick here: ${toErrorMessage(err)}`);
      return null;
    }
    const due = dueTicks(ticks, schedule.sinceMs, now, schedule.catchUp, this.#o.graceMs);
    if (due.through !== null) {
      if (due.skipped) {
        this.#o.log.info(
          { schedule: name, catchUp: schedule.catchUp, through: iso(due.through) },
          `schedule '${name}': ticks missed while no node ran them were skipped (catchUp '${schedule.catchUp}')`,
        );
      }
      try {
        await this.#fire(schedule, due.fire, due.through, now);
      } catch (err) {
        this.#o.log.warn(
          { schedule: name, err },
          `schedule '${name}': could not fire its tick (${toErrorMessage(err)}); trying again at the next interval`,
        );
        return null;
      }
    }
    return ticks.next(Math.max(schedule.sinceMs, now));
  }

  /** Fires `fire` in order; ticks up to `through` that are not fired are skipped. */
  async #fire(
    schedule: ScheduleRecord,
    fire: readonly number[],
    through: number,
    now: number,
  ): Promise<void> {
    const { backend } = this.#o;
    const { name, revision } = schedule;
    let spec: JobSpec | null = null;
    try {
      spec = this.#o.resolve(schedule.job, now);
    } catch (err) {
      if (!isCadreError(err)) throw err;
      this.#warnOnce(schedule, `its job cannot be made (${err.message}); its ticks are skipped`);
    }
    if (spec === null || fire.length === 0) {
      await backend.fireSchedule(name, revision, through, null, now);
      return;
    }
    this.#warned.delete(name);
    for (const tick of fire) {
      const fired = await backend.fireSchedule(
        name,
        revision,
        tick,
        { ...spec, key: scheduleKey(name, tick), schedule: name },
        now,
      );
      // Changed meanwhile (deleted, paused, saved again, fired elsewhere): the next pass sees it.
      if (fired === null) return;
    }
  }

  /** Evaluates the observer if a tick of it is due; returns its next tick after now, or null. */
  async #runObserver(observer: ObserverRecord, now: number): Promise<number | null> {
    const { backend } = this.#o;
    let ticks: Ticks;
    try {
      ticks = this.ticks(observerTiming(observer));
    } catch (err) {
      this.#o.log.warn(
        { observer: observer.name, err },
        `observer '${observer.name}': its timing cannot tick here`,
      );
      return null;
    }
    const due = ticks.previous(now);
    if (due !== null && due > observer.sinceMs) {
      try {
        const seen = await backend.observe(observer.query, now);
        const result: ObserverResult = {
          name: observer.name,
          at: iso(now),
          count: seen.count,
          ids: seen.ids.slice(0, MAX_OBSERVER_IDS),
        };
        if (await backend.recordObservation(result, observer.revision, due)) {
          this.#o.onResult(result);
        }
      } catch (err) {
        this.#o.log.warn(
          { observer: observer.name, err },
          `observer '${observer.name}': could not evaluate (${toErrorMessage(err)}); trying again at the next interval`,
        );
        return null;
      }
    }
    return ticks.next(Math.max(observer.sinceMs, now));
  }

  #warnOnce(schedule: ScheduleRecord, what: string): void {
    if (this.#warned.get(schedule.name) === schedule.revision) return;
    this.#warned.set(schedule.name, schedule.revision);
    this.#o.log.warn({ schedule: schedule.name }, `schedule '${schedule.name}': ${what}`);
  }

  /** Wakes at `at` (epoch ms, by the clock) for the next tick of anything. */
  #arm(at: number): void {
    this.#disarm();
    if (!Number.isFinite(at) || this.#stopped || !this.#leading) return;
    const wait = Math.min(Math.max(0, at - this.#o.clock.now()), MAX_TIMER_MS);
    this.#timer = setTimeout(() => {
      this.#timer = null;
      void this.poke();
    }, wait);
  }

  #disarm(): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
  }
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}
