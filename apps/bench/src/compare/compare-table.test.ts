import { describe, expect, it } from 'vitest';
import { compareRows, ioRows, type CompareFigures } from './compare-table.js';

const figures: CompareFigures = {
  raw: 40_000,
  cadreHttp: 8000,
  bullInProcess: 8000,
  bullThreads: [
    { threads: 2, rate: 3000 },
    { threads: 8, rate: 4000 },
  ],
  bullEndToEnd: 5000,
  concurrency: 50,
};

/** The row whose label starts with `label`. */
function row(rows: (string | number)[][], label: string): (string | number)[] {
  const found = rows.find((r) => String(r[0]).startsWith(label));
  if (!found) throw new Error(`no row '${label}'`);
  return found;
}

describe('compareRows', () => {
  it('takes the ratios against the ceiling and the peers, with the issue targets', () => {
    const rows = compareRows(figures);
    expect(row(rows, 'cadre HTTP / raw piscina')).toEqual([
      'cadre HTTP / raw piscina',
      0.2,
      '≥ 0.5',
    ]);
    expect(row(rows, 'cadre HTTP / BullMQ in process')).toEqual([
      'cadre HTTP / BullMQ in process',
      1,
      '≥ 2',
    ]);
    expect(row(rows, 'cadre HTTP / BullMQ sandboxed at its best')[1]).toBe(2);
    expect(row(rows, 'cadre HTTP / BullMQ end to end')[1]).toBe(1.6);
  });

  it('marks the best sandboxed thread count', () => {
    const rows = compareRows(figures);
    expect(row(rows, 'BullMQ sandboxed on 2 ')[2]).toBe('');
    expect(row(rows, 'BullMQ sandboxed on 8 ')[2]).toBe('← best');
  });

  it('says which figures could not run, and every ratio taken from them', () => {
    const rows = compareRows({
      ...figures,
      cadreHttp: null,
      bullThreads: [{ threads: 2, rate: null }],
    });
    expect(row(rows, 'cadre echo over HTTP')[1]).toBe('could not run');
    expect(row(rows, 'cadre HTTP / raw piscina')[1]).toBe('could not run');
    expect(row(rows, 'BullMQ sandboxed on 2 ')).toEqual([
      'BullMQ sandboxed on 2 worker threads, added in bulk first, jobs/s',
      'could not run',
      '',
    ]);
    expect(row(rows, 'BullMQ in process / raw piscina')[1]).toBe(0.2);
  });
});

describe('ioRows', () => {
  const io = { jobs: 2000, ms: 100, threads: 2, concurrency: 50, bullSeconds: 5 };

  it('gives each side its ideal: jobs over the slots, times the sleep', () => {
    const rows = ioRows({ ...io, cadre: { seconds: 2.5 } });
    expect(rows[0]![0]).toBe('2,000 jobs of sleep 100 ms');
    expect(rows[1]).toEqual(['cadre, 2 threads, category concurrency 50', 2.5, 800, 2]);
    expect(rows[2]).toEqual(['BullMQ in process, concurrency 50', 5, 400, 4]);
  });

  it('tells a server without the setting from a run that failed', () => {
    expect(ioRows({ ...io, cadre: { unavailable: 'unknown field' } })[1]!.slice(1, 3)).toEqual([
      'not available',
      '',
    ]);
    expect(ioRows({ ...io, cadre: null, bullSeconds: null }).map((r) => r[1])).toEqual([
      'done in s',
      'could not run',
      'could not run',
    ]);
  });
});
