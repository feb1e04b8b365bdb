/**
 * The local backend's schedules and observers (issue 13): their records and
 * each observer's latest results, in memory, written through the store as
 * side records (side-records.ts).
 *
 * - Changes of these records take turns: each reads what the one before it
 *   wrote, so that a tick and a pause (or two ticks) cannot both pass the
 *   fence against the same stale record.
 * - Like the jobs, a change is written first and applied once durable.
 * - A tick's job and the schedule's record go into one commit: the local
 *   backend's submit takes the record's mutation along (`SubmitWith`).
 */
import {
  MAX_OBSERVER_IDS,
  MAX_OBSERVER_RESULTS,
  createdNoLaterThan,
  keepsEvaluation,
  pausedSchedule,
  savedObserver,
  savedSchedule,
  tickedSchedule,
  type DeclaredIn,
  type Job,
  type JobIndex,
  type ObserverQuery,
  type ObserverRecord,
  type ObserverResult,
  type ObserverSpec,
  type ScheduleRecord,
  type ScheduleSpec,
} from '@cadre/core';
import type { Fired, JobSpec, Observation, SubmitResult } from './backend.js';
import { idBelowTime } from './ids.js';
import type { Mutation, StoredState } from './job-store.js';
import { applySide, sideOf, type SideMutation, type SideRecords } from './side-records.js';

/**
 * Submits `specs` like the backend's submit, and writes the mutations
 * `extra` makes of the results (their ids known, before the commit) in the
 * same commit.
 */
export type SubmitWith = (
  specs: readonly JobSpec[],
  now: number,
  extra: (results: readonly (SubmitResult | Promise<SubmitResult>)[]) => Mutation[],
) => Promise<SubmitResult[]>;

export interface LocalSchedulesOptions {
  /** Writes mutations durably (the backend's commit batcher). */
  commit: (mutations: Mutation[]) => Promise<void>;
  submitWith: SubmitWith;
}

export class LocalSchedules {
  readonly #o: LocalSchedulesOptions;
  #side: SideRecords = sideOf({});
  /** The change being written; the next waits for it. */
  #turn: Promise<unknown> = Promise.resolve();

  constructor(options: LocalSchedulesOptions) {
    this.#o = options;
  }

  /** Takes in what the store read back at start. */
  load(state: StoredState): void {
    this.#side = sideOf(state);
  }

  // ── schedules ────────────────────────────────────────────────────────────

  saveSchedule(spec: ScheduleSpec, source: DeclaredIn, now: number): Promise<ScheduleRecord> {
    return this.#inTurn(async () => {
      const existing = this.#side.schedules[spec.name] ?? null;
      const next = savedSchedule(existing, spec, source, now);
      if (next !== existing) await this.#write({ op: 'schedule', name: spec.name, schedule: next });
      return next;
    });
  }

  schedules(): ScheduleRecord[] {
    return byName(this.#side.schedules);
  }

  deleteSchedule(name: string): Promise<boolean> {
    return this.#inTurn(async () => {
      if (this.#side.schedules[name] === undefined) return false;
      await this.#write({ op: 'schedule', name, schedule: null });
      return true;
    });
  }

  pauseSchedule(name: string, paused: boolean, now: number): Promise<ScheduleRecord | null> {
    return this.#inTurn(async () => {
      const existing = this.#side.schedules[name];
      if (existing === undefined) return null;
      const next = pausedSchedule(existing, paused, now);
      if (next !== existing) await this.#write({ op: 'schedule', name, schedule: next });
      return next;
    });
  }

  fireSchedule(
    name: string,
    revision: number,
    tickMs: number,
    spec: JobSpec | null,
    now: number,
  ): Promise<Fired | null> {
    return this.#inTurn(async (): Promise<Fired | null> => {
      const existing = this.#side.schedules[name];
      if (existing === undefined) return null;
      if (spec === null) {
        const skipped = tickedSchedule(existing, revision, tickMs, null);
        if (skipped === null) return null;
        await this.#write({ op: 'schedule', name, schedule: skipped });
        return { schedule: skipped, job: null };
      }
      if (tickedSchedule(existing, revision, tickMs, '') === null) return null;
      let ticked: ScheduleRecord | null = null;
      const [result] = await this.#o.submitWith([spec], now, ([first]) => {
        // A submission of the same key still in flight answers later: the
        // tick is then recorded without its job (only a client that makes up
        // a schedule's key itself can cause this).
        const jobId = first === undefined || first instanceof Promise ? null : first.job.id;
        ticked = tickedSchedule(existing, revision, tickMs, jobId)!;
        return [{ op: 'schedule', name, schedule: ticked }];
      });
      const schedule = ticked as unknown as ScheduleRecord;
      // Durable with the job: it takes effect.
      applySide(this.#side, { op: 'schedule', name, schedule });
      return { schedule, job: result ?? null };
    });
  }

  // ── observers ────────────────────────────────────────────────────────────

  saveObserver(spec: ObserverSpec, source: DeclaredIn, now: number): Promise<ObserverRecord> {
    return this.#inTurn(async () => {
      const existing = this.#side.observers[spec.name] ?? null;
      const next = savedObserver(existing, spec, source, now);
      if (next !== existing) await this.#write({ op: 'observer', name: spec.name, observer: next });
      return next;
    });
  }

  observers(): ObserverRecord[] {
    return byName(this.#side.observers);
  }

  deleteObserver(name: string): Promise<boolean> {
    return this.#inTurn(async () => {
      if (this.#side.observers[name] === undefined) return false;
      await this.#write({ op: 'observer', name, observer: null });
      return true;
    });
  }

  recordObservation(result: ObserverResult, revision: number, tickMs: number): Promise<boolean> {
    return this.#inTurn(async () => {
      const existing = this.#side.observers[result.name];
      if (existing === undefined || !keepsEvaluation(existing, revision, tickMs)) return false;
      // The fence moves with the result, in one commit.
      await this.#write(
        { op: 'observer', name: result.name, observer: { ...existing, sinceMs: tickMs } },
        { op: 'observation', result },
      );
      return true;
    });
  }

  observations(name: string, limit: number): ObserverResult[] {
    const list = this.#side.observations[name] ?? [];
    return list.slice(-Math.min(limit, MAX_OBSERVER_RESULTS)).reverse();
  }

  // ── internals ────────────────────────────────────────────────────────────

  /** Runs `change` once the change before it has settled. */
  #inTurn<T>(change: () => Promise<T>): Promise<T> {
    const run = this.#turn.then(change);
    this.#turn = run.catch(() => undefined);
    return run;
  }

  /** Writes `mutations` durably, then applies them. */
  async #write(...mutations: SideMutation[]): Promise<void> {
    await this.#o.commit(mutations);
    for (const m of mutations) applySide(this.#side, m);
  }
}

function byName<T>(records: Record<string, T>): T[] {
  return Object.keys(records)
    .sort()
    .map((name) => records[name]!);
}

/**
 * What `query` matches at `now`, from the listing index: the ids created at
 * or before `now - olderThanMs` sort below `idBelowTime` of it, so the age
 * is a bound on the id; the count comes from the trees' sizes, and the
 * ids from a walk of the first ones. A `task` filter reads each selected
 * job's record, so its cost grows with the jobs of the category and state.
 */
export function observeIndex(
  index: JobIndex,
  jobs: ReadonlyMap<string, Job>,
  query: ObserverQuery,
  now: number,
): Observation {
  const latest = createdNoLaterThan(query, now);
  const filter = {
    category: query.category,
    state: query.state,
    below: latest === null ? undefined : idBelowTime(latest),
  };
  const task = query.task;
  const accept = task === undefined ? undefined : (id: string) => jobs.get(id)?.task === task;
  return {
    count: index.count(filter, accept),
    ids: index.oldest(filter, MAX_OBSERVER_IDS, accept),
  };
}
