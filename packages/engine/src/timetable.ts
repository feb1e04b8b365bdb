/**
 * The schedules and observers of the cluster, as the engine's callers see
 * them (issue 13): requests checked against the config, records kept by the
 * backend, views with their next ticks. The Scheduler fires the ticks and
 * evaluates the observers on the leader; this is the side of the API, and of
 * the config's declarations, saved at start.
 */
import {
  Errors,
  MAX_OBSERVER_RESULTS,
  checkObserver,
  checkSchedule,
  isCadreError,
  observerTiming,
  observerView,
  scheduleView,
  type DeclaredIn,
  type EngineConfig,
  type JobRequest,
  type ObserverRecord,
  type ObserverRequest,
  type ObserverResult,
  type ObserverSpec,
  type ObserverView,
  type ScheduleRecord,
  type ScheduleRequest,
  type ScheduleSpec,
  type ScheduleView,
} from '@cadre/core';
import type { Backend, JobSpec } from '@cadre/store';
import type { CategorySettings } from './category-settings.js';
import type { Clock, Logger } from './engine-options.js';
import type { RequestResolver } from './request-resolver.js';
import type { Scheduler } from './scheduler.js';

export interface TimetableOptions {
  config: EngineConfig;
  backend: Backend;
  resolver: RequestResolver;
  /** The engine's categories (configured and orphaned), by name. */
  categories: ReadonlyMap<string, CategorySettings>;
  scheduler: Scheduler;
  clock: Clock;
  log: Logger;
}

/**
 * A schedule's job as a spec: the resolver's errors name the field under
 * `path` (`job.task`).
 */
export function resolveScheduled(
  resolver: RequestResolver,
  request: JobRequest,
  path: string,
  now: number,
): JobSpec {
  try {
    return resolver.resolve(request, { index: 0, path, top: path }, now);
  } catch (err) {
    if (isCadreError(err)) {
      const details = (err.details ?? {}) as { field?: string };
      (err as { details: unknown }).details = {
        ...details,
        field: details.field ? `${path}.${details.field}` : path,
      };
    }
    throw err;
  }
}

export class Timetable {
  readonly #o: TimetableOptions;

  constructor(options: TimetableOptions) {
    this.#o = options;
  }

  // ── schedules ────────────────────────────────────────────────────────────

  async saveSchedule(
    request: ScheduleRequest,
    now: number,
  ): Promise<{ schedule: ScheduleView; created: boolean }> {
    const { backend, scheduler } = this.#o;
    const spec = this.#checkSchedule(request, '', now);
    const existed = (await backend.schedules()).some((s) => s.name === spec.name);
    const record = await backend.saveSchedule(spec, 'api', now);
    void scheduler.poke();
    return { schedule: this.#scheduleView(record), created: !existed };
  }

  async schedules(): Promise<ScheduleView[]> {
    return (await this.#o.backend.schedules()).map((r) => this.#scheduleView(r));
  }

  async schedule(name: string): Promise<ScheduleView> {
    const record = (await this.#o.backend.schedules()).find((s) => s.name === name);
    if (!record) throw Errors.scheduleNotFound(name);
    return this.#scheduleView(record);
  }

  async deleteSchedule(name: string): Promise<void> {
    if (!(await this.#o.backend.deleteSchedule(name))) throw Errors.scheduleNotFound(name);
  }

  async pauseSchedule(name: string, paused: boolean): Promise<ScheduleView> {
    const record = await this.#o.backend.pauseSchedule(name, paused, this.#o.clock.now());
    if (!record) throw Errors.scheduleNotFound(name);
    void this.#o.scheduler.poke();
    return this.#scheduleView(record);
  }

  // ── observers ────────────────────────────────────────────────────────────

  async saveObserver(
    request: ObserverRequest,
    now: number,
  ): Promise<{ observer: ObserverView; created: boolean }> {
    const { backend, scheduler } = this.#o;
    const spec = this.#checkObserver(request, '');
    const existed = (await backend.observers()).some((o) => o.name === spec.name);
    const record = await backend.saveObserver(spec, 'api', now);
    void scheduler.poke();
    return { observer: this.#observerView(record), created: !existed };
  }

  async observers(): Promise<ObserverView[]> {
    return (await this.#o.backend.observers()).map((r) => this.#observerView(r));
  }

  async deleteObserver(name: string): Promise<void> {
    if (!(await this.#o.backend.deleteObserver(name))) throw Errors.observerNotFound(name);
  }

  async observerResults(name: string): Promise<ObserverResult[]> {
    const { backend } = this.#o;
    if (!(await backend.observers()).some((o) => o.name === name)) {
      throw Errors.observerNotFound(name);
    }
    return backend.observations(name, MAX_OBSERVER_RESULTS);
  }

  // ── the config's declarations ────────────────────────────────────────────

  /**
   * Saves the schedules and observers the config declares, and deletes those
   * an earlier config declared that this one no longer does. A declaration
   * that is invalid stops the start, naming it (`schedules[1].cron`).
   */
  async saveDeclared(now: number): Promise<void> {
    const { config, backend, log } = this.#o;
    const schedules = (config.schedules ?? []).map((r, i) =>
      this.#checkSchedule(r, `schedules[${i}].`, now),
    );
    const observers = (config.observers ?? []).map((r, i) =>
      this.#checkObserver(r, `observers[${i}].`),
    );
    const source: DeclaredIn = 'config';
    for (const spec of schedules) await backend.saveSchedule(spec, source, now);
    for (const spec of observers) await backend.saveObserver(spec, source, now);
    const declared = (names: { name: string }[]) => new Set(names.map((x) => x.name));
    const keepSchedules = declared(schedules);
    for (const s of await backend.schedules()) {
      if (s.source === 'config' && !keepSchedules.has(s.name)) {
        await backend.deleteSchedule(s.name);
        log.info({ schedule: s.name }, `schedule '${s.name}' is no longer in the config: deleted`);
      }
    }
    const keepObservers = declared(observers);
    for (const o of await backend.observers()) {
      if (o.source === 'config' && !keepObservers.has(o.name)) {
        await backend.deleteObserver(o.name);
        log.info({ observer: o.name }, `observer '${o.name}' is no longer in the config: deleted`);
      }
    }
  }

  // ── helpers ──────────────────────────────────────────────────────────────

  /** Checks a schedule's request and its job against the config; `where` prefixes the fields. */
  #checkSchedule(request: ScheduleRequest, where: string, now: number): ScheduleSpec {
    const spec = checkSchedule(request, where);
    resolveScheduled(this.#o.resolver, spec.job, `${where}job`, now);
    return spec;
  }

  /** Checks an observer's request; its category and task must be configured. */
  #checkObserver(request: ObserverRequest, where: string): ObserverSpec {
    const spec = checkObserver(request, where);
    const { category, task } = spec.query;
    if (category !== undefined && !this.#o.categories.has(category)) {
      const err = Errors.unknownCategory(category);
      (err as { details: unknown }).details = { field: `${where}query.category` };
      throw err;
    }
    if (task !== undefined && ![...this.#o.resolver.tasks].some((t) => t.name === task)) {
      const err = Errors.unknownTask(task);
      (err as { details: unknown }).details = { field: `${where}query.task` };
      throw err;
    }
    return spec;
  }

  #scheduleView(record: ScheduleRecord): ScheduleView {
    return scheduleView(record, this.#o.scheduler.ticks(record), this.#o.clock.now());
  }

  #observerView(record: ObserverRecord): ObserverView {
    return observerView(
      record,
      this.#o.scheduler.ticks(observerTiming(record)),
      this.#o.clock.now(),
    );
  }
}
