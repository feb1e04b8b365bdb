import { Emitter, type Job, type JobState } from '@cadre/core';
import type { Engine, EngineEvents } from '@cadre/engine';
import fc from 'fast-check';
import { Counter, Histogram, Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { createMetrics } from './metrics.js';
import { T0, jobRecord } from './test-support/job-record.js';

const iso = (ms: number) => new Date(T0 + ms).toISOString();
const BUCKETS = [0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600];
const NAMES = ['cadre_jobs_finished_total', 'cadre_job_wait_seconds', 'cadre_job_run_seconds'];

/** What createMetrics uses of an engine: its job events, and no categories for the gauges. */
function fakeEngine() {
  const events = new Emitter<EngineEvents>();
  const engine = {
    on: events.on.bind(events),
    categories: () => Promise.resolve([]),
    stats: () => Promise.resolve({ workers: 2 }),
  } as unknown as Engine;
  return {
    engine,
    emit: (job: Job, before: JobState | null) => events.emit('job:changed', job, before),
  };
}

/**
 * The metrics as they were counted before the tally: prom-client's own
 * Counter and Histograms, fed per job. createMetrics must expose the same
 * lines (series may come in another order, which means nothing to Prometheus).
 */
function reference() {
  const registry = new Registry();
  const finished = new Counter({
    name: 'cadre_jobs_finished_total',
    help: 'Attempts that ended, by category and outcome (succeeded, failed, cancelled, retried)',
    labelNames: ['category', 'outcome'] as const,
    registers: [registry],
  });
  const histogram = (name: string, help: string) =>
    new Histogram({
      name,
      help,
      labelNames: ['category'] as const,
      buckets: BUCKETS,
      registers: [registry],
    });
  const waitTime = histogram(
    'cadre_job_wait_seconds',
    'Time from when a job could run (createdAt or runAt) to the start of its attempt',
  );
  const runTime = histogram('cadre_job_run_seconds', 'Duration of finished attempts');
  const observeRun = (job: Job) => {
    if (job.durationMs !== null) runTime.observe({ category: job.category }, job.durationMs / 1000);
  };
  const record = (job: Job, before: JobState | null) => {
    if (before === job.state) return;
    const category = job.category;
    switch (job.state) {
      case 'running': {
        const from = Date.parse(job.runAt ?? job.createdAt);
        const started = job.startedAt === null ? NaN : Date.parse(job.startedAt);
        if (Number.isFinite(from) && Number.isFinite(started)) {
          waitTime.observe({ category }, Math.max(0, started - from) / 1000);
        }
        break;
      }
      case 'retrying':
        finished.inc({ category, outcome: 'retried' });
        observeRun(job);
        break;
      case 'succeeded':
      case 'failed':
      case 'cancelled':
        finished.inc({ category, outcome: job.state });
        if (before === 'running') observeRun(job);
        break;
      default:
        break;
    }
  };
  return { registry, record };
}

const job = jobRecord;

/** Milliseconds, often right on a bucket's bound, sometimes past the last. */
const ms = fc.oneof(
  fc.constantFrom(0, ...BUCKETS.map((s) => s * 1000)),
  fc.integer({ min: 0, max: 5_000_000 }),
);

type Change = [Job, JobState | null];

const change: fc.Arbitrary<Change> = fc.oneof(
  fc
    .record({ category: fc.constantFrom('default', 'email') })
    .map(({ category }) => [job({ category }), null] as [Job, JobState | null]),
  fc
    .record({
      category: fc.constantFrom('default', 'email'),
      delayedBy: fc.option(ms),
      waited: ms,
      before: fc.constantFrom<JobState>('queued', 'running'),
    })
    .map(({ category, delayedBy, waited, before }): Change => {
      const from = delayedBy ?? 0;
      const runAt = delayedBy === null ? null : iso(from);
      return [job({ category, state: 'running', runAt, startedAt: iso(from + waited) }), before];
    }),
  fc
    .record({
      category: fc.constantFrom('default', 'email'),
      state: fc.constantFrom<JobState>('succeeded', 'failed', 'cancelled', 'retrying'),
      before: fc.constantFrom<JobState>('running', 'queued', 'retrying', 'waiting'),
      durationMs: fc.option(ms),
    })
    .map(({ category, state, before, durationMs }): Change => [
      job({ category, state, durationMs }),
      before,
    ]),
  // A callback created waiting, then fired.
  fc
    .record({ category: fc.constantFrom('default', 'email'), fired: fc.boolean(), at: ms })
    .map(({ category, fired, at }): Change =>
      fired
        ? [job({ category, state: 'queued', runAt: iso(at) }), 'waiting']
        : [job({ category, state: 'waiting' }), null],
    ),
);

const lines = (text: string) => text.split('\n').sort();

describe('createMetrics', () => {
  it('exposes the job counters and histograms as prom-client counts them', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(change, { maxLength: 60 }), async (changes) => {
        const { engine, emit } = fakeEngine();
        const metrics = createMetrics(engine);
        const ref = reference();
        for (const [j, before] of changes) {
          emit(j, before);
          ref.record(j, before);
        }
        for (const name of NAMES) {
          expect(lines(await metrics.registry.getSingleMetricAsString(name))).toEqual(
            lines(await ref.registry.getSingleMetricAsString(name)),
          );
        }
        metrics.close();
      }),
      { numRuns: 200 },
    );
  });

  it('counts each category’s finished jobs, once, and stops at close', async () => {
    const { engine, emit } = fakeEngine();
    const metrics = createMetrics(engine);
    for (let i = 0; i < 3; i++) {
      emit(job({ state: 'running', startedAt: iso(20) }), 'queued');
      emit(job({ state: 'running', startedAt: iso(20), progress: 50 }), 'running');
      emit(job({ state: 'succeeded', durationMs: 30 }), 'running');
    }
    emit(job({ category: 'email', state: 'failed', durationMs: 7000 }), 'running');
    const text = await metrics.render();
    expect(text).toContain('cadre_jobs_finished_total{category="default",outcome="succeeded"} 3');
    expect(text).toContain('cadre_jobs_finished_total{category="email",outcome="failed"} 1');
    expect(text).toContain('cadre_job_wait_seconds_bucket{le="0.05",category="default"} 3');
    expect(text).toContain('cadre_job_wait_seconds_count{category="default"} 3');
    expect(text).toContain('cadre_job_run_seconds_bucket{le="5",category="email"} 0');
    expect(text).toContain('cadre_job_run_seconds_bucket{le="10",category="email"} 1');
    expect(text).toContain('cadre_job_run_seconds_sum{category="email"} 7');
    expect(text).not.toContain('cadre_job_wait_seconds_count{category="email"}');
    // Scraping twice counts nothing twice.
    expect(await metrics.render()).toContain(
      'cadre_jobs_finished_total{category="default",outcome="succeeded"} 3',
    );

    metrics.close();
    emit(job({ state: 'succeeded', durationMs: 30 }), 'running');
    expect(await metrics.render()).toContain(
      'cadre_jobs_finished_total{category="default",outcome="succeeded"} 3',
    );
  });
});
