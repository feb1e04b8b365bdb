import type { Job, JobState } from '@cadre/core';
import { describe, expect, it } from 'vitest';
import { Buckets, JobTally } from './job-tally.js';
import { T0, jobRecord } from './test-support/job-record.js';

const iso = (ms: number) => new Date(T0 + ms).toISOString();

const job = jobRecord;

describe('Buckets', () => {
  it('counts a value on a bound in that bound, and past the last in +Inf', () => {
    const b = new Buckets([1, 2]);
    for (const v of [0, 1, 1.5, 2, 2.5, 100]) b.observe(v);
    expect(b.counts).toEqual([2, 2, 2]);
    expect(b.count).toBe(6);
    expect(b.sum).toBe(107);
  });
});

describe('JobTally', () => {
  const at = (state: JobState, changes: Partial<Job> = {}) => job({ state, ...changes });

  it('counts outcomes and run times by category', () => {
    const t = new JobTally([1, 10]);
    t.record(at('succeeded', { durationMs: 500 }), 'running');
    t.record(at('failed', { category: 'email', durationMs: 2000 }), 'running');
    t.record(at('retrying', { durationMs: 20_000 }), 'running');
    t.record(at('cancelled', { durationMs: 1000 }), 'running');
    expect(t.categories.get('default')!.finished).toEqual({
      succeeded: 1,
      failed: 0,
      cancelled: 1,
      retried: 1,
    });
    expect(t.categories.get('default')!.run.counts).toEqual([2, 0, 1]);
    expect(t.categories.get('email')!.finished.failed).toBe(1);
    expect(t.categories.get('email')!.run.counts).toEqual([0, 1, 0]);
  });

  it('observes no run time for a job that finished without running', () => {
    const t = new JobTally([1]);
    t.record(at('cancelled', { durationMs: null }), 'queued');
    t.record(at('cancelled', { durationMs: 300 }), 'retrying');
    expect(t.categories.get('default')!.finished.cancelled).toBe(2);
    expect(t.categories.get('default')!.run.count).toBe(0);
  });

  it('counts a dropped callback as cancelled, and a fired one waits from when it fired', () => {
    const t = new JobTally([1, 10]);
    // Created waiting at T0; its parent took 20 s; fired (runAt) then.
    t.record(at('waiting'), null);
    t.record(at('queued', { runAt: iso(20_000) }), 'waiting');
    t.record(at('running', { runAt: iso(20_000), startedAt: iso(20_500) }), 'queued');
    t.record(
      at('cancelled', { lastError: { message: 'job j0 failed', kind: 'upstream' } }),
      'waiting',
    );
    const tally = t.categories.get('default')!;
    expect(tally.wait.counts).toEqual([1, 0, 0]);
    expect(tally.finished.cancelled).toBe(1);
    expect(tally.run.count).toBe(0);
  });

  it('measures the wait from runAt, else createdAt, to the start', () => {
    const t = new JobTally([1, 10]);
    t.record(at('running', { startedAt: iso(500) }), 'queued');
    t.record(at('running', { runAt: iso(4000), startedAt: iso(6000) }), 'queued');
    // A start a clock step put before its due time waited nothing.
    t.record(at('running', { runAt: iso(4000), startedAt: iso(3000) }), 'queued');
    const wait = t.categories.get('default')!.wait;
    expect(wait.counts).toEqual([2, 1, 0]);
    expect(wait.sum).toBeCloseTo(2.5);
  });

  it('ignores progress, new jobs, and a start without its time', () => {
    const t = new JobTally([1]);
    t.record(at('queued'), null);
    t.record(at('running', { startedAt: iso(5), progress: 50 }), 'running');
    t.record(at('running', { startedAt: null }), 'queued');
    t.record(at('delayed', { runAt: iso(1000) }), null);
    expect(t.categories.size).toBe(0);
  });
});
