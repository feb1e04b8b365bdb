import { describe, expect, it } from 'vitest';
import { isCadreError } from './errors.js';
import {
  checkSchedule,
  pausedSchedule,
  savedSchedule,
  scheduleKey,
  scheduleView,
  tickedSchedule,
  type ScheduleRequest,
} from './schedules.js';
import { Ticks } from './ticks.js';

const T0 = Date.parse('2024-01-01T00:00:00Z');
const job = { task: 'echo', input: { hello: 1 } };

function refusal(request: ScheduleRequest): string {
  try {
    checkSchedule(request);
  } catch (err) {
    if (isCadreError(err) && err.code === 'ERR_VALIDATION') return err.message;
    throw err;
  }
  throw new Error('expected a refusal');
}

describe('checkSchedule', () => {
  it('fills in the defaults: UTC, catchUp last', () => {
    expect(checkSchedule({ name: 'n', everyMs: 1000, job })).toEqual({
      name: 'n',
      cron: null,
      everyMs: 1000,
      tz: null,
      job,
      catchUp: 'last',
    });
  });

  it.each<[string, ScheduleRequest, string]>([
    [
      'both',
      { name: 'n', cron: '* * * * *', everyMs: 1000, job },
      'exactly one of cron and everyMs',
    ],
    ['neither', { name: 'n', job }, 'exactly one of cron and everyMs'],
    ['a bad cron', { name: 'n', cron: 'every day', job }, 'cron: '],
    ['a bad zone', { name: 'n', cron: '* * * * *', tz: 'Atlantis/Capital', job }, 'tz: unknown'],
    ['a bad name', { name: 'a b', everyMs: 1000, job }, 'name: must be'],
    ['a key', { name: 'n', everyMs: 1000, job: { ...job, key: 'k' } }, 'job.key: '],
    [
      'a bad catchUp',
      { name: 'n', everyMs: 1000, job, catchUp: 'some' as never },
      'catchUp: must be one of none, last, all',
    ],
  ])('refuses %s, naming it', (_, request, message) => {
    expect(refusal(request)).toContain(message);
  });
});

describe('a schedule record', () => {
  const spec = checkSchedule({ name: 'n', everyMs: 1000, job });
  const created = savedSchedule(null, spec, 'api', T0);

  it('starts at its creation: no tick before it runs', () => {
    expect(created).toMatchObject({ paused: false, sinceMs: T0, revision: 1, lastRunAtMs: null });
    expect(tickedSchedule(created, 1, T0, 'j')).toBeNull();
  });

  it('a tick after since runs once: the same tick again is refused', () => {
    const ticked = tickedSchedule(created, 1, T0 + 1000, 'j1')!;
    expect(ticked).toMatchObject({ sinceMs: T0 + 1000, lastRunAtMs: T0 + 1000, lastJobId: 'j1' });
    expect(tickedSchedule(ticked, 1, T0 + 1000, 'j2')).toBeNull();
  });

  it('a skipped tick moves since and keeps the last run', () => {
    const skipped = tickedSchedule(created, 1, T0 + 1000, null)!;
    expect(skipped).toMatchObject({ sinceMs: T0 + 1000, lastRunAtMs: null, lastJobId: null });
  });

  it('a tick worked out from another revision is refused', () => {
    expect(tickedSchedule(created, 2, T0 + 1000, 'j')).toBeNull();
  });

  it('saving the same definition again changes nothing', () => {
    expect(savedSchedule(created, { ...spec, job: { ...job } }, 'api', T0 + 5000)).toBe(created);
  });

  it('a new job keeps the ticks; a new timing restarts them from the change', () => {
    const ran = tickedSchedule(created, 1, T0 + 1000, 'j1')!;
    const newJob = savedSchedule(ran, { ...spec, job: { task: 'other' } }, 'api', T0 + 5000);
    expect(newJob).toMatchObject({ sinceMs: T0 + 1000, revision: 2, lastJobId: 'j1' });
    const newTiming = savedSchedule(ran, { ...spec, everyMs: 2000 }, 'api', T0 + 5000);
    expect(newTiming).toMatchObject({ sinceMs: T0 + 5000, revision: 2, lastJobId: 'j1' });
  });

  it('paused, no tick runs; resumed, the ticks of the pause are not run', () => {
    const paused = pausedSchedule(created, true, T0 + 500);
    expect(tickedSchedule(paused, paused.revision, T0 + 1000, 'j')).toBeNull();
    const resumed = pausedSchedule(paused, false, T0 + 10_000);
    expect(resumed).toMatchObject({ paused: false, sinceMs: T0 + 10_000 });
    expect(tickedSchedule(resumed, resumed.revision, T0 + 9000, 'j')).toBeNull();
    expect(tickedSchedule(resumed, resumed.revision, T0 + 11_000, 'j')).not.toBeNull();
    expect(pausedSchedule(resumed, false, T0 + 20_000)).toBe(resumed);
  });

  it('reports its next and last run as ISO times', () => {
    const ran = tickedSchedule(created, 1, T0 + 1000, 'j1')!;
    const view = scheduleView(ran, new Ticks(ran), T0 + 1500);
    expect(view).toMatchObject({
      name: 'n',
      cron: null,
      everyMs: 1000,
      tz: null,
      paused: false,
      nextRunAt: '2024-01-01T00:00:02.000Z',
      lastRunAt: '2024-01-01T00:00:01.000Z',
      lastJobId: 'j1',
    });
    expect(scheduleView(pausedSchedule(ran, true, T0), new Ticks(ran), T0).nextRunAt).toBeNull();
  });

  it('keys each tick by the schedule and the tick ISO time', () => {
    expect(scheduleKey('nightly', T0 + 1000)).toBe('schedule:nightly:2024-01-01T00:00:01.000Z');
  });
});
