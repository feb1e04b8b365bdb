/**
 * Schedules and observers through the engine: ticks fired by the leader's
 * scheduler with a fake clock (the balancer's interval stays real, 50 ms, so
 * the scheduler looks at the fake time that often), plus one real-time test.
 */
import { afterEach, describe, expect, it } from 'vitest';
import {
  scheduleKey,
  type EngineConfig,
  type Job,
  type ObserverResult,
  type ScheduleRequest,
} from '@cadre/core';
import { MemoryStore } from '@cadre/store';
import type { Logger } from './engine-options.js';
import {
  config,
  rejection,
  startEngine,
  stopAll,
  until,
  type Harness,
} from './test-support/harness.js';

afterEach(stopAll);

const T0 = Date.parse('2026-03-01T10:00:00.000Z');
const MINUTE = 60_000;

/** A clock the test moves by hand. */
function fakeClock(start = T0) {
  const clock = { at: start, now: () => clock.at };
  return clock;
}

/** Warnings and infos the engine logged. */
function recordingLogger(): Logger & { lines: string[] } {
  const lines: string[] = [];
  const keep = (_: object, msg?: string) => void lines.push(msg ?? '');
  return { lines, debug() {}, info: keep, warn: keep, error: keep };
}

const everyMinute = (patch: Partial<ScheduleRequest> = {}): ScheduleRequest => ({
  name: 'm',
  everyMs: MINUTE,
  job: { task: 'echo', input: { hi: 1 } },
  ...patch,
});

async function jobsOf(h: Harness, schedule = 'm'): Promise<Job[]> {
  const page = await h.engine.list({ limit: 1000 });
  return page.jobs.filter((j) => j.schedule === schedule).reverse();
}

/** The jobs' keys, oldest first. */
const keys = (jobs: readonly Job[]) => jobs.map((j) => j.key);

/** A restart over what `h` stored: a new engine on a copy of its store. */
async function restart(
  h: Harness,
  clock: ReturnType<typeof fakeClock>,
  over: Partial<EngineConfig> = {},
  logger?: Logger,
): Promise<Harness> {
  await h.stop();
  const store = new MemoryStore(await (h.store as MemoryStore).load());
  return startEngine(over, store, { clock, ...(logger ? { logger } : {}) });
}

describe('schedules with a fake clock', () => {
  it('fires each tick once, as a job with the tick key naming the schedule', async () => {
    const clock = fakeClock();
    const h = await startEngine({}, new MemoryStore(), { clock });
    const { schedule, created } = await h.engine.saveSchedule(everyMinute());
    expect(created).toBe(true);
    expect(schedule).toMatchObject({
      name: 'm',
      cron: null,
      everyMs: MINUTE,
      tz: null,
      paused: false,
      nextRunAt: '2026-03-01T10:01:00.000Z',
      lastRunAt: null,
      lastJobId: null,
    });
    clock.at = T0 + MINUTE + 5;
    await until(async () => (await jobsOf(h)).length === 1, 5000, 'the first tick');
    // Time stands still: however many passes run, no second job.
    await until(async () => (await h.engine.list({ state: 'succeeded' })).jobs.length === 1);
    clock.at = T0 + 2 * MINUTE + 5;
    await until(async () => (await jobsOf(h)).length === 2, 5000, 'the second tick');
    const jobs = await jobsOf(h);
    expect(keys(jobs)).toEqual([
      'schedule:m:2026-03-01T10:01:00.000Z',
      'schedule:m:2026-03-01T10:02:00.000Z',
    ]);
    expect(jobs[0]).toMatchObject({ task: 'echo', input: { hi: 1 }, schedule: 'm' });
    expect(await h.engine.schedule('m')).toMatchObject({
      lastRunAt: '2026-03-01T10:02:00.000Z',
      lastJobId: jobs[1]!.id,
      nextRunAt: '2026-03-01T10:03:00.000Z',
    });
  });

  it('reads a 6-field cron expression in its time zone', async () => {
    const clock = fakeClock(Date.parse('2026-03-01T08:59:50.000Z'));
    const h = await startEngine({}, new MemoryStore(), { clock });
    // 10:00:00 in Paris (UTC+1 in March) is 09:00:00 UTC.
    await h.engine.saveSchedule({
      name: 'paris',
      cron: '0 0 10 * * *',
      tz: 'Europe/Paris',
      job: { task: 'echo' },
    });
    expect((await h.engine.schedule('paris')).nextRunAt).toBe('2026-03-01T09:00:00.000Z');
    clock.at = Date.parse('2026-03-01T09:00:00.010Z');
    await until(async () => (await jobsOf(h, 'paris')).length === 1, 5000, 'the tick');
    expect(keys(await jobsOf(h, 'paris'))).toEqual(['schedule:paris:2026-03-01T09:00:00.000Z']);
  });

  describe('ticks missed while cadre was down follow catchUp', () => {
    // Down from 10:00:30 to 10:10:30: the ticks 10:01 to 10:10 were missed.
    const missed = async (catchUp: 'none' | 'last' | 'all', logger = recordingLogger()) => {
      const clock = fakeClock();
      const first = await startEngine({}, new MemoryStore(), { clock });
      await first.engine.saveSchedule(everyMinute({ catchUp }));
      clock.at = T0 + 30_000;
      await new Promise((r) => setTimeout(r, 120));
      clock.at = T0 + 10 * MINUTE + 30_000;
      const h = await restart(first, clock, {}, logger);
      return { h, clock, logger };
    };

    it('all runs each of them, in order', async () => {
      const { h } = await missed('all');
      await until(async () => (await jobsOf(h)).length === 10, 5000, 'ten jobs');
      expect(keys(await jobsOf(h))).toEqual(
        Array.from({ length: 10 }, (_, i) => scheduleKey('m', T0 + (i + 1) * MINUTE)),
      );
    });

    it('last runs the latest alone', async () => {
      const { h, clock, logger } = await missed('last');
      await until(async () => (await jobsOf(h)).length === 1, 5000, 'one job');
      expect(keys(await jobsOf(h))).toEqual([scheduleKey('m', T0 + 10 * MINUTE)]);
      expect(logger.lines.some((l) => l.includes("were skipped (catchUp 'last')"))).toBe(true);
      // And the next tick runs as usual.
      clock.at = T0 + 11 * MINUTE;
      await until(async () => (await jobsOf(h)).length === 2, 5000, 'the next tick');
    });

    it('none runs none of them, and the next tick as usual', async () => {
      const { h, clock } = await missed('none');
      await until(
        async () => (await h.engine.schedule('m')).nextRunAt === '2026-03-01T10:11:00.000Z',
      );
      await new Promise((r) => setTimeout(r, 200));
      expect(await jobsOf(h)).toEqual([]);
      clock.at = T0 + 11 * MINUTE;
      await until(async () => (await jobsOf(h)).length === 1, 5000, 'the next tick');
      expect(keys(await jobsOf(h))).toEqual([scheduleKey('m', T0 + 11 * MINUTE)]);
    });
  });

  it('paused, it fires nothing; resumed, not the ticks of the pause', async () => {
    const clock = fakeClock();
    const h = await startEngine({}, new MemoryStore(), { clock });
    await h.engine.saveSchedule(everyMinute({ catchUp: 'all' }));
    const paused = await h.engine.pauseSchedule('m', true);
    expect(paused).toMatchObject({ paused: true, nextRunAt: null });
    clock.at = T0 + 5 * MINUTE + 30_000;
    await new Promise((r) => setTimeout(r, 200));
    expect(await jobsOf(h)).toEqual([]);
    expect((await h.engine.pauseSchedule('m', false)).nextRunAt).toBe('2026-03-01T10:06:00.000Z');
    clock.at = T0 + 6 * MINUTE;
    await until(async () => (await jobsOf(h)).length === 1, 5000, 'the tick after the resume');
    expect(keys(await jobsOf(h))).toEqual([scheduleKey('m', T0 + 6 * MINUTE)]);
  });

  it('saving it again keeps its ticks; a new timing restarts them from then', async () => {
    const clock = fakeClock();
    const h = await startEngine({}, new MemoryStore(), { clock });
    await h.engine.saveSchedule(everyMinute());
    clock.at = T0 + MINUTE;
    await until(async () => (await jobsOf(h)).length === 1);
    const again = await h.engine.saveSchedule(everyMinute({ job: { task: 'echo', input: 2 } }));
    expect(again).toMatchObject({
      created: false,
      schedule: { lastRunAt: '2026-03-01T10:01:00.000Z' },
    });
    const changed = await h.engine.saveSchedule(everyMinute({ everyMs: 2 * MINUTE }));
    expect(changed.schedule.nextRunAt).toBe('2026-03-01T10:02:00.000Z');
    expect((await h.engine.schedules()).map((s) => s.name)).toEqual(['m']);
  });

  it('deletes, and answers ERR_SCHEDULE_NOT_FOUND after', async () => {
    const h = await startEngine({}, new MemoryStore(), { clock: fakeClock() });
    await h.engine.saveSchedule(everyMinute());
    await h.engine.deleteSchedule('m');
    expect((await rejection(h.engine.schedule('m'))).code).toBe('ERR_SCHEDULE_NOT_FOUND');
    expect((await rejection(h.engine.deleteSchedule('m'))).code).toBe('ERR_SCHEDULE_NOT_FOUND');
    expect((await rejection(h.engine.pauseSchedule('m', true))).code).toBe(
      'ERR_SCHEDULE_NOT_FOUND',
    );
  });

  it('refuses a schedule whose job names an unknown task, naming the field', async () => {
    const h = await startEngine({}, new MemoryStore(), { clock: fakeClock() });
    const err = await rejection(h.engine.saveSchedule(everyMinute({ job: { task: 'nope' } })));
    expect(err).toMatchObject({ code: 'ERR_UNKNOWN_TASK', details: { field: 'job.task' } });
    const bad = await rejection(h.engine.saveSchedule(everyMinute({ cron: '* * * * *' })));
    expect(bad).toMatchObject({
      code: 'ERR_VALIDATION',
      message: 'give exactly one of cron and everyMs',
    });
  });
});

describe('schedules declared in the config', () => {
  const declared = (over: Partial<ScheduleRequest> = {}): Partial<EngineConfig> => ({
    schedules: [everyMinute({ name: 'from-config', ...over })],
  });

  it('are saved at start, updated at the next, and deleted once the config drops them', async () => {
    const clock = fakeClock();
    const h = await startEngine(declared(), new MemoryStore(), { clock });
    await h.engine.saveSchedule(everyMinute({ name: 'from-api' }));
    expect((await h.engine.schedules()).map((s) => [s.name, s.source])).toEqual([
      ['from-api', 'api'],
      ['from-config', 'config'],
    ]);
    const updated = await restart(h, clock, declared({ catchUp: 'none' }));
    expect(await updated.engine.schedule('from-config')).toMatchObject({ catchUp: 'none' });
    const dropped = await restart(updated, clock, {});
    expect((await dropped.engine.schedules()).map((s) => s.name)).toEqual(['from-api']);
  });

  it('stop the start when invalid, naming the declaration', async () => {
    const err = await rejection(
      startEngine(
        declared({ tz: 'Mars/Base', cron: '* * * * *', everyMs: undefined }),
        new MemoryStore(),
      ),
    );
    expect(err).toMatchObject({ code: 'ERR_VALIDATION' });
    expect(err.message).toBe("schedules[0].tz: unknown time zone 'Mars/Base'");
  });

  it('a schedule whose task is no longer configured skips its ticks with a warning', async () => {
    const clock = fakeClock();
    const h = await startEngine({}, new MemoryStore(), { clock });
    await h.engine.saveSchedule(everyMinute({ job: { task: 'sleep', input: { ms: 1 } } }));
    const logger = recordingLogger();
    const restarted = await restart(
      h,
      clock,
      { tasks: config().tasks.filter((t) => t.name !== 'sleep') },
      logger,
    );
    clock.at = T0 + MINUTE;
    await until(
      () => logger.lines.some((l) => l.includes('its job cannot be made')),
      5000,
      'a warning',
    );
    await until(
      async () => (await restarted.engine.schedule('m')).nextRunAt === '2026-03-01T10:02:00.000Z',
    );
    expect(await jobsOf(restarted)).toEqual([]);
  });
});

describe('schedules in real time', () => {
  it('everyMs fires tick after tick, each once, on the period', async () => {
    const h = await startEngine();
    // catchUp 'all': a tick found late (a slow turn of the event loop) still runs.
    await h.engine.saveSchedule({
      name: 'fast',
      everyMs: 200,
      job: { task: 'echo' },
      catchUp: 'all',
    });
    await until(async () => (await jobsOf(h, 'fast')).length >= 4, 10_000, 'four ticks');
    const ticks = (await jobsOf(h, 'fast')).map((j) =>
      Date.parse(j.key!.slice('schedule:fast:'.length)),
    );
    // The first is the first multiple of 200 ms after the save; no tick in between is missing.
    for (let i = 1; i < ticks.length; i++) expect(ticks[i]! - ticks[i - 1]!).toBe(200);
    expect(ticks.every((t) => t % 200 === 0)).toBe(true);
  });
});

describe('observers', () => {
  it('evaluate on the leader at each tick, keep the result and tell the listeners', async () => {
    const clock = fakeClock();
    const h = await startEngine({}, new MemoryStore(), { clock });
    const results: ObserverResult[] = [];
    h.engine.on('observer:result', (r) => results.push(r));
    const [a, b] = (await h.engine.submit([{ task: 'echo' }, { task: 'echo' }])).map((r) => r.job);
    await until(async () => (await h.engine.list({ state: 'succeeded' })).jobs.length === 2);
    const { observer, created } = await h.engine.saveObserver({
      name: 'done',
      query: { state: 'succeeded', olderThanMs: 0 },
      everyMs: 10_000,
    });
    expect(created).toBe(true);
    expect(observer).toMatchObject({ name: 'done', everyMs: 10_000, at: null, tz: null });
    expect(observer.nextRunAt).toBe('2026-03-01T10:00:10.000Z');
    clock.at = T0 + 10_000;
    await until(() => results.length === 1, 5000, 'an evaluation');
    expect(results[0]).toEqual({
      name: 'done',
      at: '2026-03-01T10:00:10.000Z',
      count: 2,
      ids: [a!.id, b!.id],
    });
    // A long gap is one evaluation, not one per missed tick.
    clock.at = T0 + 100_000;
    await until(() => results.length === 2, 5000, 'a second evaluation');
    await new Promise((r) => setTimeout(r, 150));
    expect(results).toHaveLength(2);
    expect((await h.engine.observerResults('done')).map((r) => r.at)).toEqual([
      '2026-03-01T10:01:40.000Z',
      '2026-03-01T10:00:10.000Z',
    ]);
    await h.engine.deleteObserver('done');
    expect((await rejection(h.engine.observerResults('done'))).code).toBe('ERR_OBSERVER_NOT_FOUND');
  });

  it('refuses a query of an unknown category or task, naming the field', async () => {
    const h = await startEngine({}, new MemoryStore(), { clock: fakeClock() });
    const cat = await rejection(
      h.engine.saveObserver({ name: 'o', query: { category: 'nope' }, everyMs: 1000 }),
    );
    expect(cat).toMatchObject({
      code: 'ERR_UNKNOWN_CATEGORY',
      details: { field: 'query.category' },
    });
    const task = await rejection(
      h.engine.saveObserver({ name: 'o', query: { task: 'nope' }, everyMs: 1000 }),
    );
    expect(task).toMatchObject({ code: 'ERR_UNKNOWN_TASK', details: { field: 'query.task' } });
  });

  it('declared in the config, run daily at a time of day in their zone', async () => {
    const clock = fakeClock(Date.parse('2026-03-01T07:59:00.000Z'));
    const h = await startEngine(
      {
        observers: [
          { name: 'morning', query: { state: 'failed' }, at: '09:00:00', tz: 'Europe/Berlin' },
        ],
      },
      new MemoryStore(),
      { clock },
    );
    const results: ObserverResult[] = [];
    h.engine.on('observer:result', (r) => results.push(r));
    expect((await h.engine.observers())[0]).toMatchObject({
      name: 'morning',
      source: 'config',
      nextRunAt: '2026-03-01T08:00:00.000Z',
    });
    clock.at = Date.parse('2026-03-01T08:00:00.000Z');
    await until(() => results.length === 1, 5000, 'the morning evaluation');
    expect(results[0]).toMatchObject({ count: 0, ids: [] });
  });
});
