/**
 * Conformance: schedules (their records and the fence that fires a tick
 * once) and observers (their records, evaluations from the indexes, and
 * their kept results).
 */
import { describe, expect, it } from 'vitest';
import {
  MAX_OBSERVER_IDS,
  MAX_OBSERVER_RESULTS,
  checkObserver,
  checkSchedule,
  scheduleKey,
  type ObserverResult,
  type ScheduleSpec,
} from '@cadre/core';
import type { Backend, JobSpec } from '../backend.js';
import { claimOne, submitOne } from './conformance-jobs.js';
import { T0, rejection, spec, type Conformance } from './conformance-support.js';

const every = (name: string, patch: Partial<ScheduleSpec> = {}): ScheduleSpec => ({
  ...checkSchedule({ name, everyMs: 1000, job: { task: 'echo' } }),
  ...patch,
});

/** The spec of the job a tick makes, as the engine resolves it. */
const tickSpec = (name: string, tickMs: number): JobSpec =>
  spec({ key: scheduleKey(name, tickMs), schedule: name, input: { tick: tickMs } });

const result = (name: string, at: number, count: number, ids: string[] = []): ObserverResult => ({
  name,
  at: new Date(at).toISOString(),
  count,
  ids,
});

export function describeSchedules(suite: Conformance): void {
  describe('schedules', () => {
    it('saves, lists in name order, and keeps the record of a definition saved again', async () => {
      const { backend } = await suite.open();
      const b = await backend.saveSchedule(every('b'), 'api', T0);
      expect(b).toMatchObject({
        name: 'b',
        everyMs: 1000,
        cron: null,
        tz: null,
        catchUp: 'last',
        job: { task: 'echo' },
        paused: false,
        sinceMs: T0,
        revision: 1,
        lastRunAtMs: null,
        lastJobId: null,
        source: 'api',
      });
      await backend.saveSchedule(every('a', { cron: '0 9 * * *', everyMs: null }), 'config', T0);
      expect((await backend.schedules()).map((s) => s.name)).toEqual(['a', 'b']);
      expect(await backend.saveSchedule(every('b'), 'api', T0 + 5000)).toEqual(b);
      const changed = await backend.saveSchedule(every('b', { everyMs: 2000 }), 'api', T0 + 5000);
      expect(changed).toMatchObject({ everyMs: 2000, revision: 2, sinceMs: T0 + 5000 });
    });

    it('fires a tick once: one job with the tick key, and the record moves past it', async () => {
      const { backend } = await suite.open();
      const s = await backend.saveSchedule(every('t'), 'api', T0);
      const tick = T0 + 1000;
      const fired = await backend.fireSchedule('t', s.revision, tick, tickSpec('t', tick), tick);
      expect(fired!.job!.created).toBe(true);
      const job = fired!.job!.job;
      expect(job).toMatchObject({
        key: 'schedule:t:2026-01-01T00:00:01.000Z',
        schedule: 't',
        state: 'queued',
      });
      expect(fired!.schedule).toMatchObject({
        sinceMs: tick,
        lastRunAtMs: tick,
        lastJobId: job.id,
      });
      expect(await backend.get(job.id)).toEqual(job);
      // The same tick again, from the same node or after a restart: refused, no job.
      expect(
        await backend.fireSchedule('t', s.revision, tick, tickSpec('t', tick), tick),
      ).toBeNull();
      const { backend: again } = await suite.reopen(backend);
      expect(await again.fireSchedule('t', s.revision, tick, tickSpec('t', tick), tick)).toBeNull();
      expect((await again.schedules())[0]).toMatchObject({ sinceMs: tick, lastJobId: job.id });
      expect((await again.list({})).jobs.map((j) => j.id)).toEqual([job.id]);
    });

    it('two fires of one tick at once make one job', async () => {
      const { backend } = await suite.open();
      const s = await backend.saveSchedule(every('t'), 'api', T0);
      const tick = T0 + 1000;
      const both = await Promise.all([
        backend.fireSchedule('t', s.revision, tick, tickSpec('t', tick), tick),
        backend.fireSchedule('t', s.revision, tick, tickSpec('t', tick), tick),
      ]);
      expect(both.filter((f) => f !== null)).toHaveLength(1);
      expect((await backend.list({})).jobs).toHaveLength(1);
    });

    it('a tick at or before the last one done, or of another revision, is refused', async () => {
      const { backend } = await suite.open();
      const s = await backend.saveSchedule(every('t'), 'api', T0);
      expect(await backend.fireSchedule('t', s.revision, T0, tickSpec('t', T0), T0)).toBeNull();
      const t2 = T0 + 2000;
      expect(await backend.fireSchedule('t', s.revision, t2, tickSpec('t', t2), t2)).not.toBeNull();
      const t1 = T0 + 1000;
      expect(await backend.fireSchedule('t', s.revision, t1, tickSpec('t', t1), t2)).toBeNull();
      const t3 = T0 + 3000;
      expect(await backend.fireSchedule('t', s.revision + 1, t3, tickSpec('t', t3), t3)).toBeNull();
      expect(await backend.fireSchedule('nobody', 1, t3, tickSpec('nobody', t3), t3)).toBeNull();
      expect((await backend.list({})).jobs).toHaveLength(1);
    });

    it('a skipped tick moves the record past it and makes no job', async () => {
      const { backend } = await suite.open();
      const s = await backend.saveSchedule(every('t'), 'api', T0);
      const fired = await backend.fireSchedule('t', s.revision, T0 + 5000, null, T0 + 5000);
      expect(fired).toEqual({
        schedule: { ...s, sinceMs: T0 + 5000 },
        job: null,
      });
      expect((await backend.list({})).jobs).toHaveLength(0);
    });

    it('a tick whose key a job already holds answers that job, and counts as run', async () => {
      const { backend } = await suite.open();
      const s = await backend.saveSchedule(every('t'), 'api', T0);
      const tick = T0 + 1000;
      const mine = await submitOne(backend, { key: scheduleKey('t', tick) }, T0);
      const fired = await backend.fireSchedule('t', s.revision, tick, tickSpec('t', tick), tick);
      expect(fired!.job).toEqual({ job: mine, created: false });
      expect(fired!.schedule).toMatchObject({ sinceMs: tick, lastJobId: mine.id });
    });

    it('pauses and resumes: no tick while paused, none of the pause after', async () => {
      const { backend } = await suite.open();
      await backend.saveSchedule(every('t'), 'api', T0);
      const paused = (await backend.pauseSchedule('t', true, T0 + 100))!;
      expect(paused).toMatchObject({ paused: true, revision: 2 });
      const t1 = T0 + 1000;
      expect(await backend.fireSchedule('t', 2, t1, tickSpec('t', t1), t1)).toBeNull();
      const resumed = (await backend.pauseSchedule('t', false, T0 + 5500))!;
      expect(resumed).toMatchObject({ paused: false, revision: 3, sinceMs: T0 + 5500 });
      const t5 = T0 + 5000;
      expect(await backend.fireSchedule('t', 3, t5, tickSpec('t', t5), t5)).toBeNull();
      expect(await backend.pauseSchedule('nobody', true, T0)).toBeNull();
    });

    it('deletes, and keeps what it made', async () => {
      const { backend } = await suite.open();
      const s = await backend.saveSchedule(every('t'), 'api', T0);
      const tick = T0 + 1000;
      const fired = await backend.fireSchedule('t', s.revision, tick, tickSpec('t', tick), tick);
      expect(await backend.deleteSchedule('t')).toBe(true);
      expect(await backend.deleteSchedule('t')).toBe(false);
      expect(await backend.schedules()).toEqual([]);
      expect(await backend.get(fired!.job!.job.id)).not.toBeNull();
      const t2 = T0 + 2000;
      expect(await backend.fireSchedule('t', s.revision, t2, tickSpec('t', t2), t2)).toBeNull();
    });

    it('keeps the records across a restart', async () => {
      const { backend } = await suite.open();
      await backend.saveSchedule(every('a'), 'config', T0);
      await backend.saveSchedule(every('b', { catchUp: 'all', tz: null }), 'api', T0);
      await backend.pauseSchedule('b', true, T0 + 1);
      await backend.deleteSchedule('a');
      const before = await backend.schedules();
      const { backend: again } = await suite.reopen(backend);
      expect(await again.schedules()).toEqual(before);
    });

    it('a full queue refuses the tick: nothing is written', async () => {
      const { backend } = await suite.open({ limits: { maxQueuedTotal: 1 } });
      const s = await backend.saveSchedule(every('t'), 'api', T0);
      await submitOne(backend);
      const tick = T0 + 1000;
      expect(
        await rejection(backend.fireSchedule('t', s.revision, tick, tickSpec('t', tick), tick)),
      ).toBe('ERR_QUEUE_FULL');
      expect((await backend.schedules())[0]!.sinceMs).toBe(T0);
    });
  });

  describe('observers', () => {
    it('saves, lists in name order, deletes with its results', async () => {
      const { backend } = await suite.open();
      const spec1 = checkObserver({ name: 'z', query: { state: 'failed' }, everyMs: 1000 });
      const z = await backend.saveObserver(spec1, 'api', T0);
      expect(z).toEqual({ ...spec1, sinceMs: T0, revision: 1, source: 'api' });
      await backend.saveObserver(
        checkObserver({ name: 'a', query: {}, at: '09:00:00', tz: 'Europe/Paris' }),
        'config',
        T0,
      );
      expect((await backend.observers()).map((o) => o.name)).toEqual(['a', 'z']);
      expect(await backend.saveObserver(spec1, 'api', T0 + 1)).toEqual(z);
      expect(await backend.recordObservation(result('z', T0 + 1000, 0), 1, T0 + 1000)).toBe(true);
      expect(await backend.deleteObserver('z')).toBe(true);
      expect(await backend.deleteObserver('z')).toBe(false);
      expect(await backend.observations('z', 100)).toEqual([]);
      expect((await backend.observers()).map((o) => o.name)).toEqual(['a']);
    });

    it('keeps the latest results, newest first, each tick once, across a restart', async () => {
      const { backend } = await suite.open();
      await backend.saveObserver(checkObserver({ name: 'o', query: {}, everyMs: 1000 }), 'api', T0);
      const total = MAX_OBSERVER_RESULTS + 5;
      for (let i = 1; i <= total; i++) {
        const tick = T0 + i * 1000;
        expect(await backend.recordObservation(result('o', tick, i, [`id${i}`]), 1, tick)).toBe(
          true,
        );
      }
      // Once per tick, and never for another revision.
      expect(await backend.recordObservation(result('o', T0, 0), 1, T0 + total * 1000)).toBe(false);
      expect(await backend.recordObservation(result('o', T0, 0), 2, T0 + 999_000)).toBe(false);
      expect(await backend.recordObservation(result('nobody', T0, 0), 1, T0 + 1000)).toBe(false);
      const kept = await backend.observations('o', 1000);
      expect(kept).toHaveLength(MAX_OBSERVER_RESULTS);
      expect(kept[0]).toEqual(result('o', T0 + total * 1000, total, [`id${total}`]));
      expect(kept.at(-1)!.count).toBe(6);
      expect((await backend.observations('o', 3)).map((r) => r.count)).toEqual([
        total,
        total - 1,
        total - 2,
      ]);
      expect((await backend.observers())[0]!.sinceMs).toBe(T0 + total * 1000);
      const { backend: again } = await suite.reopen(backend);
      expect(await again.observations('o', 1000)).toEqual(kept);
    });

    it('counts matches by state, category, task and age; ids oldest first', async () => {
      const { backend } = await suite.open();
      const old = (await backend.submit([spec(), spec({ task: 'fib' }), spec()], T0)).map(
        (r) => r.job,
      );
      const mid = (await backend.submit([spec({ category: 'mail' }), spec()], T0 + 1000)).map(
        (r) => r.job,
      );
      const fresh = await submitOne(backend, {}, T0 + 2000);
      const running = await claimOne(backend, T0 + 2000);
      expect(running.id).toBe(old[0]!.id);
      const now = T0 + 2000;
      const observe = (query: Parameters<Backend['observe']>[0]) => backend.observe(query, now);

      expect(await observe({})).toEqual({
        count: 6,
        ids: [...old, ...mid, fresh].map((j) => j.id),
      });
      expect(await observe({ state: 'queued' })).toEqual({
        count: 5,
        ids: [old[1]!, old[2]!, ...mid, fresh].map((j) => j.id),
      });
      expect(await observe({ state: 'running', category: 'default' })).toEqual({
        count: 1,
        ids: [old[0]!.id],
      });
      expect(await observe({ category: 'mail' })).toEqual({ count: 1, ids: [mid[0]!.id] });
      expect(await observe({ task: 'fib' })).toEqual({ count: 1, ids: [old[1]!.id] });
      // Created at least 1 s before now: at T0 + 1000 or earlier.
      expect(await observe({ olderThanMs: 1000 })).toEqual({
        count: 5,
        ids: [...old, ...mid].map((j) => j.id),
      });
      expect(await observe({ olderThanMs: 1001, state: 'queued' })).toEqual({
        count: 2,
        ids: [old[1]!.id, old[2]!.id],
      });
      expect(await observe({ olderThanMs: 1000, task: 'echo', category: 'default' })).toEqual({
        count: 3,
        ids: [old[0]!.id, old[2]!.id, mid[1]!.id],
      });
      expect(await observe({ state: 'failed' })).toEqual({ count: 0, ids: [] });
      expect(await observe({ category: 'nowhere' })).toEqual({ count: 0, ids: [] });
    });

    it(`counts every match and keeps the first ${MAX_OBSERVER_IDS} ids`, async () => {
      const { backend } = await suite.open();
      const n = MAX_OBSERVER_IDS + 25;
      const jobs = (
        await backend.submit(
          Array.from({ length: n }, (_, i) => spec({ input: i })),
          T0,
        )
      ).map((r) => r.job.id);
      const seen = await backend.observe({ state: 'queued' }, T0 + 10);
      expect(seen.count).toBe(n);
      expect(seen.ids).toEqual(jobs.slice(0, MAX_OBSERVER_IDS));
    });
  });
}
