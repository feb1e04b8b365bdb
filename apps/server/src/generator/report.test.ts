import type { Job } from '@cadre/core';
import { describe, expect, it } from 'vitest';
import { buildReport, formatReport, formatTable, type ReportInput } from './report.js';

const T0 = Date.parse('2026-01-01T00:00:00.000Z');
const iso = (ms: number) => new Date(T0 + ms).toISOString();

function job(over: Partial<Job> & { id: string; category: string }): Job {
  return {
    key: null,
    task: 'echo',
    input: null,
    state: 'succeeded',
    attempts: 1,
    maxRetries: 0,
    timeoutMs: null,
    priority: 0,
    runAt: null,
    createdAt: iso(0),
    startedAt: iso(10),
    finishedAt: iso(20),
    durationMs: 10,
    progress: null,
    result: null,
    lastError: null,
    failure: null,
    node: null,
    flowId: null,
    flowRole: null,
    parents: [],
    trigger: null,
    schedule: null,
    ...over,
  };
}

const input = (jobs: Job[], over: Partial<ReportInput> = {}): ReportInput => ({
  runId: 'r1',
  url: 'http://127.0.0.1:3000',
  categories: ['reports', 'images'],
  submitted: { reports: 3, images: 2 },
  jobs,
  allocation: { reports: 3, images: 1, default: 0 },
  workers: 4,
  elapsedMs: 2000,
  submitMs: 500,
  waited: true,
  timedOut: false,
  ...over,
});

describe('buildReport', () => {
  const jobs = [
    job({
      id: 'a',
      category: 'reports',
      startedAt: iso(100),
      finishedAt: iso(150),
      durationMs: 50,
    }),
    job({
      id: 'b',
      category: 'reports',
      state: 'failed',
      startedAt: iso(300),
      finishedAt: iso(1000),
      durationMs: 5,
    }),
    // delayed: its wait counts from runAt, not from createdAt
    job({
      id: 'c',
      category: 'reports',
      runAt: iso(500),
      startedAt: iso(520),
      finishedAt: iso(530),
      durationMs: 9,
    }),
    job({
      id: 'd',
      category: 'images',
      state: 'cancelled',
      startedAt: null,
      finishedAt: iso(200),
      durationMs: null,
    }),
    job({
      id: 'e',
      category: 'images',
      state: 'queued',
      startedAt: null,
      finishedAt: null,
      durationMs: null,
    }),
  ];

  it('counts each category and the totals', () => {
    const report = buildReport(input(jobs));
    const [reports, images] = report.categories;
    expect(reports).toMatchObject({
      category: 'reports',
      submitted: 3,
      succeeded: 2,
      failed: 1,
      cancelled: 0,
      pending: 0,
      allocation: 3,
    });
    expect(images).toMatchObject({
      category: 'images',
      submitted: 2,
      succeeded: 0,
      failed: 0,
      cancelled: 1,
      pending: 1,
      allocation: 1,
    });
    expect(report.total).toMatchObject({
      category: 'total',
      submitted: 5,
      succeeded: 2,
      failed: 1,
      cancelled: 1,
      pending: 1,
      allocation: 4,
    });
    expect(report.submitRate).toBe(10);
    expect(report.workers).toBe(4);
  });

  it('measures wait from when a job could run, and run time from durationMs', () => {
    const [reports] = buildReport(input(jobs)).categories;
    expect(reports?.waitMs).toEqual({ p50: 100, p95: 300, p99: 300 });
    expect(reports?.runMs).toEqual({ p50: 9, p95: 50, p99: 50 });
  });

  it('computes throughput from the first creation to the last finish', () => {
    const report = buildReport(input(jobs));
    expect(report.categories[0]?.throughput).toBeCloseTo(3); // 3 jobs in 1 s
    expect(report.categories[1]?.throughput).toBeCloseTo(5); // 1 job in 0.2 s
    expect(report.total.throughput).toBeCloseTo(4); // 4 jobs in 1 s
  });

  it('has no latencies or throughput without finished jobs, and no allocation without stats', () => {
    const report = buildReport(input([], { allocation: null, workers: null }));
    expect(report.total).toMatchObject({
      pending: 5,
      waitMs: { p50: null, p95: null, p99: null },
      throughput: null,
      allocation: null,
    });
  });
});

describe('formatTable', () => {
  it('aligns names left and numbers right, with the last row below a rule', () => {
    expect(
      formatTable(
        ['name', 'n'],
        [
          ['a', '1'],
          ['bb', '100'],
          ['total', '101'],
        ],
      ),
    ).toEqual(['name     n', '-----  ---', 'a        1', 'bb     100', '-----  ---', 'total  101']);
  });
});

describe('formatReport', () => {
  it('prints a table per category with totals and a summary', () => {
    const text = formatReport(buildReport(input([])));
    const lines = text.trimEnd().split('\n');
    expect(lines[0]).toBe('cadre generate: run r1 against http://127.0.0.1:3000');
    expect(lines[2]).toMatch(
      /^category\s+submitted\s+succeeded\s+failed\s+cancelled\s+pending\s+wait p50\s+wait p95\s+wait p99\s+run p50\s+run p99\s+jobs\/s\s+alloc$/,
    );
    expect(lines[4]).toMatch(/^reports\s+3\s+0\s+0\s+0\s+3\s+-\s+-\s+-\s+-\s+-\s+-\s+3$/);
    expect(lines[7]).toMatch(/^total\s+5\s+0\s+0\s+0\s+5(\s+-){6}\s+4$/);
    expect(lines[9]).toBe('submitted 5 jobs in 0.5 s (10.0 jobs/s); elapsed 2.0 s; 4 workers');
    // every table line has the same width up to its last column
    const widths = new Set(
      lines
        .slice(2, 8)
        .filter((l) => !l.startsWith('-'))
        .map((l) => l.length),
    );
    expect(widths.size).toBe(1);
  });

  it('shows latencies in ms and says when jobs were left unfinished', () => {
    const jobs = [job({ id: 'a', category: 'reports', startedAt: iso(12), durationMs: 7 })];
    const waited = formatReport(buildReport(input(jobs, { timedOut: true })));
    expect(waited).toMatch(
      /^reports\s+3\s+1\s+0\s+0\s+2\s+12 ms\s+12 ms\s+12 ms\s+7 ms\s+7 ms\s+50\.0\s+3$/m,
    );
    expect(waited).toContain('gave up waiting: 4 jobs had not finished');
    const notWaited = formatReport(buildReport(input(jobs, { waited: false })));
    expect(notWaited).toContain('4 jobs had not finished yet (use --wait to wait for them)');
  });
});
