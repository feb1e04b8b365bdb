import { describe, expect, it } from 'vitest';
import { MAX_CATCH_UP_TICKS, Ticks, dueTicks, isTimeZone, type Timing } from './ticks.js';
import { isCadreError } from './errors.js';

const ms = (iso: string): number => Date.parse(iso);
const isos = (ticks: readonly number[]): string[] => ticks.map((t) => new Date(t).toISOString());
const cron = (expr: string, tz: string | null = null): Ticks =>
  new Ticks({ cron: expr, everyMs: null, tz });
const every = (everyMs: number): Ticks => new Ticks({ cron: null, everyMs, tz: null });

/** The ERR_VALIDATION message `new Ticks(timing)` throws. */
function refusal(timing: Timing): string {
  try {
    new Ticks(timing);
  } catch (err) {
    if (isCadreError(err) && err.code === 'ERR_VALIDATION') return err.message;
    throw err;
  }
  throw new Error('expected a refusal');
}

describe('Ticks: everyMs', () => {
  const t = every(60_000);

  it('ticks on whole multiples of the period since the epoch', () => {
    expect(t.next(ms('2024-01-01T10:00:30Z'))).toBe(ms('2024-01-01T10:01:00Z'));
    expect(t.next(ms('2024-01-01T10:01:00Z'))).toBe(ms('2024-01-01T10:02:00Z'));
    expect(t.previous(ms('2024-01-01T10:01:00Z'))).toBe(ms('2024-01-01T10:01:00Z'));
    expect(t.previous(ms('2024-01-01T10:01:59.999Z'))).toBe(ms('2024-01-01T10:01:00Z'));
  });

  it('lists the latest ticks of a range, oldest first, at most n', () => {
    const since = ms('2024-01-01T10:00:00Z');
    const at = ms('2024-01-01T10:05:30Z');
    expect(isos(t.latest(since, at, 10))).toEqual([
      '2024-01-01T10:01:00.000Z',
      '2024-01-01T10:02:00.000Z',
      '2024-01-01T10:03:00.000Z',
      '2024-01-01T10:04:00.000Z',
      '2024-01-01T10:05:00.000Z',
    ]);
    expect(isos(t.latest(since, at, 2))).toEqual([
      '2024-01-01T10:04:00.000Z',
      '2024-01-01T10:05:00.000Z',
    ]);
  });
});

describe('Ticks: cron', () => {
  it('reads 5 fields as minutes and 6 as seconds first, in UTC by default', () => {
    expect(cron('*/15 * * * *').next(ms('2024-01-01T10:07:00Z'))).toBe(ms('2024-01-01T10:15:00Z'));
    expect(cron('*/10 * * * * *').next(ms('2024-01-01T10:00:05Z'))).toBe(
      ms('2024-01-01T10:00:10Z'),
    );
    expect(cron('0 9 * * *').next(ms('2024-01-01T10:00:00Z'))).toBe(ms('2024-01-02T09:00:00Z'));
  });

  it('previous includes a tick exactly at the time given', () => {
    const t = cron('*/10 * * * * *');
    expect(t.previous(ms('2024-01-01T10:00:10Z'))).toBe(ms('2024-01-01T10:00:10Z'));
    expect(t.previous(ms('2024-01-01T10:00:09.999Z'))).toBe(ms('2024-01-01T10:00:00Z'));
  });

  it('reads the expression in its time zone', () => {
    const t = cron('0 9 * * *', 'America/New_York');
    // 09:00 EST is 14:00 UTC in January.
    expect(t.next(ms('2024-01-01T00:00:00Z'))).toBe(ms('2024-01-01T14:00:00Z'));
    // and 13:00 UTC in July (EDT).
    expect(t.next(ms('2024-07-01T00:00:00Z'))).toBe(ms('2024-07-01T13:00:00Z'));
  });

  describe('across the changes of summer time (Europe/Berlin, 2024)', () => {
    it('a time of day inside the skipped hour runs once, at the end of the gap', () => {
      const t = cron('30 2 * * *', 'Europe/Berlin');
      const ticks = t.latest(ms('2024-03-29T12:00:00Z'), ms('2024-04-01T12:00:00Z'), 10);
      expect(isos(ticks)).toEqual([
        '2024-03-30T01:30:00.000Z', // 02:30 CET
        '2024-03-31T01:00:00.000Z', // 02:30 does not exist: 03:00 CEST
        '2024-04-01T00:30:00.000Z', // 02:30 CEST
      ]);
    });

    it('a time of day inside the repeated hour runs once', () => {
      const t = cron('30 2 * * *', 'Europe/Berlin');
      const ticks = t.latest(ms('2024-10-26T12:00:00Z'), ms('2024-10-28T12:00:00Z'), 10);
      expect(isos(ticks)).toEqual([
        '2024-10-27T00:30:00.000Z', // 02:30 CEST, the first of the two
        '2024-10-28T01:30:00.000Z', // 02:30 CET
      ]);
    });

    it('an interval keeps its pace through both copies of the repeated hour', () => {
      const t = cron('*/30 * * * *', 'Europe/Berlin');
      const ticks = t.latest(ms('2024-10-27T00:00:00Z'), ms('2024-10-27T02:00:00Z'), 10);
      expect(isos(ticks)).toEqual([
        '2024-10-27T00:30:00.000Z', // 02:30 CEST
        '2024-10-27T01:00:00.000Z', // 02:00 CET
        '2024-10-27T01:30:00.000Z', // 02:30 CET
        '2024-10-27T02:00:00.000Z', // 03:00 CET
      ]);
    });
  });

  it('walks back a long gap in as many steps as ticks asked for', () => {
    const t = cron('* * * * * *');
    // A year of seconds lies between; only the latest three are visited.
    const ticks = t.latest(ms('2023-01-01T00:00:00Z'), ms('2024-01-01T00:00:00Z'), 3);
    expect(isos(ticks)).toEqual([
      '2023-12-31T23:59:58.000Z',
      '2023-12-31T23:59:59.000Z',
      '2024-01-01T00:00:00.000Z',
    ]);
  });
});

describe('Ticks: what is refused', () => {
  it.each<[string, Timing, string]>([
    ['neither', { cron: null, everyMs: null, tz: null }, 'give exactly one of cron and everyMs'],
    [
      'both',
      { cron: '* * * * *', everyMs: 1000, tz: null },
      'give exactly one of cron and everyMs',
    ],
    ['too few fields', { cron: '* * *', everyMs: null, tz: null }, 'cron: invalid configuration'],
    ['7 fields', { cron: '* * * * * * *', everyMs: null, tz: null }, 'cron: mode'],
    ['a minute of 61', { cron: '61 * * * *', everyMs: null, tz: null }, 'cron: Invalid value'],
    ['a date that never comes', { cron: '0 0 30 2 *', everyMs: null, tz: null }, 'never fires'],
    ['an unknown zone', { cron: '* * * * *', everyMs: null, tz: 'Mars/Olympus' }, 'tz: unknown'],
    ['a zone with everyMs', { cron: null, everyMs: 1000, tz: 'UTC' }, 'tz: a time zone applies'],
    ['a period under 100 ms', { cron: null, everyMs: 99, tz: null }, 'everyMs: must be'],
    ['a fractional period', { cron: null, everyMs: 1000.5, tz: null }, 'everyMs: must be'],
  ])('%s', (_, timing, message) => {
    expect(refusal(timing)).toContain(message);
  });

  it('names the field with the prefix given', () => {
    try {
      new Ticks({ cron: 'x', everyMs: null, tz: null }, 'schedules[2].');
      expect.unreachable();
    } catch (err) {
      expect((err as Error).message).toMatch(/^schedules\[2\]\.cron: /);
    }
  });

  it('knows IANA zones and UTC', () => {
    expect(isTimeZone('UTC')).toBe(true);
    expect(isTimeZone('Asia/Kolkata')).toBe(true);
    expect(isTimeZone('Nowhere/Land')).toBe(false);
  });
});

describe('dueTicks', () => {
  const t = every(1000);
  const since = ms('2024-01-01T00:00:00Z');
  const grace = 2000;

  it('nothing is due before the first tick after since', () => {
    expect(dueTicks(t, since, since + 999, 'last', grace)).toEqual({
      fire: [],
      through: null,
      skipped: false,
    });
  });

  it('a tick due in time runs under every mode', () => {
    for (const mode of ['none', 'last', 'all'] as const) {
      expect(dueTicks(t, since, since + 1005, mode, grace)).toEqual({
        fire: [since + 1000],
        through: since + 1000,
        skipped: false,
      });
    }
  });

  // Down from since to since + 10.5 s: ticks 1..10 s are due, 1..8 s missed.
  const now = since + 10_500;

  it('none runs the ticks due in time and skips the missed ones', () => {
    expect(dueTicks(t, since, now, 'none', grace)).toEqual({
      fire: [since + 9000, since + 10_000],
      through: since + 10_000,
      skipped: true,
    });
  });

  it('none after a gap with no tick in time runs nothing and moves past them', () => {
    const r = dueTicks(every(5000), since, since + 9000, 'none', grace);
    expect(r).toEqual({ fire: [], through: since + 5000, skipped: true });
  });

  it('last runs the latest due tick alone', () => {
    expect(dueTicks(t, since, now, 'last', grace)).toEqual({
      fire: [since + 10_000],
      through: since + 10_000,
      skipped: true,
    });
  });

  it('all runs each due tick, oldest first', () => {
    const r = dueTicks(t, since, now, 'all', grace);
    expect(r.fire).toEqual(Array.from({ length: 10 }, (_, i) => since + 1000 * (i + 1)));
    expect(r).toMatchObject({ through: since + 10_000, skipped: false });
  });

  it(`all runs at most the latest ${MAX_CATCH_UP_TICKS} of a long gap`, () => {
    const r = dueTicks(t, since, since + 86_400_000, 'all', grace);
    expect(r.fire).toHaveLength(MAX_CATCH_UP_TICKS);
    expect(r.fire.at(-1)).toBe(since + 86_400_000);
    expect(r.fire[0]).toBe(since + 86_400_000 - (MAX_CATCH_UP_TICKS - 1) * 1000);
    expect(r.skipped).toBe(true);
  });

  it('a tick at or before since never runs again', () => {
    expect(dueTicks(t, since + 10_000, now, 'all', grace).fire).toEqual([]);
  });

  it('catches up cron ticks in their zone, across a change of summer time', () => {
    const daily = cron('30 2 * * *', 'Europe/Berlin');
    const r = dueTicks(daily, ms('2024-03-29T12:00:00Z'), ms('2024-04-01T12:00:00Z'), 'all', grace);
    expect(isos(r.fire)).toEqual([
      '2024-03-30T01:30:00.000Z',
      '2024-03-31T01:00:00.000Z',
      '2024-04-01T00:30:00.000Z',
    ]);
  });
});
