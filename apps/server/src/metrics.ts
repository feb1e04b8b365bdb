/**
 * Prometheus metrics on a Registry of our own (never prom-client's global
 * one, so that several apps can live in one process, as tests do).
 *
 * Counters and histograms are fed from `job:changed`; gauges are read from
 * the engine when scraped, so they are never stale and cost nothing between
 * scrapes.
 */
import type { CategoryView, Job, JobState } from '@cadre/core';
import type { Engine } from '@cadre/engine';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export interface Metrics {
  readonly registry: Registry;
  /** Prometheus text format. */
  render(): Promise<string>;
  readonly contentType: string;
  /** Stops listening to the engine. */
  close(): void;
}

const SECONDS_BUCKETS = [0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600];

export function createMetrics(engine: Engine): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });

  const finished = new Counter({
    name: 'cadre_jobs_finished_total',
    help: 'Attempts that ended, by category and outcome (succeeded, failed, cancelled, retried)',
    labelNames: ['category', 'outcome'] as const,
    registers: [registry],
  });
  const waitTime = new Histogram({
    name: 'cadre_job_wait_seconds',
    help: 'Time from when a job could run (createdAt or runAt) to the start of its attempt',
    labelNames: ['category'] as const,
    buckets: SECONDS_BUCKETS,
    registers: [registry],
  });
  const runTime = new Histogram({
    name: 'cadre_job_run_seconds',
    help: 'Duration of finished attempts',
    labelNames: ['category'] as const,
    buckets: SECONDS_BUCKETS,
    registers: [registry],
  });

  const perCategory = (name: string, help: string, pick: (c: CategoryView) => number) =>
    new Gauge({
      name,
      help,
      labelNames: ['category'] as const,
      registers: [registry],
      async collect() {
        this.reset();
        for (const c of await engine.categories()) this.set({ category: c.name }, pick(c));
      },
    });
  perCategory('cadre_jobs_queued', 'Jobs waiting for a worker', (c) => c.queued);
  perCategory('cadre_jobs_delayed', 'Jobs waiting for their runAt', (c) => c.delayed);
  perCategory('cadre_jobs_retrying', 'Jobs waiting for their retry backoff', (c) => c.retrying);
  perCategory('cadre_jobs_running', 'Jobs running now', (c) => c.running);
  perCategory(
    'cadre_workers_allocated',
    'Worker slots the balancer gives the category',
    (c) => c.allocated,
  );
  new Gauge({
    name: 'cadre_workers',
    help: 'Total worker threads',
    registers: [registry],
    async collect() {
      this.set((await engine.stats()).workers);
    },
  });

  const off = engine.on('job:changed', (job: Job, before: JobState | null) => {
    // Progress reports change a job without changing its state.
    if (before === job.state) return;
    const category = job.category;
    switch (job.state) {
      case 'running': {
        // From when it became due (runAt) or, if it never waited for a time, was created.
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
  });

  function observeRun(job: Job): void {
    if (job.durationMs !== null) runTime.observe({ category: job.category }, job.durationMs / 1000);
  }

  return {
    registry,
    contentType: registry.contentType,
    render: () => registry.metrics(),
    close: off,
  };
}
