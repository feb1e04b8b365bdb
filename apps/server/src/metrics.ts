/**
 * Prometheus metrics on a Registry of our own (never prom-client's global
 * one, so that several apps can live in one process, as tests do).
 *
 * Counters and histograms are counted from `job:changed` into a JobTally,
 * plain numbers, and handed to prom-client when scraped; gauges are read from
 * the engine when scraped, so they are never stale and cost nothing between
 * scrapes.
 */
import type { CategoryView } from '@cadre/core';
import type { Engine } from '@cadre/engine';
import { Counter, Gauge, Registry, collectDefaultMetrics, type Metric } from 'prom-client';
import { JobTally, OUTCOMES, type Buckets, type CategoryTally } from './job-tally.js';

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

  const tally = new JobTally(SECONDS_BUCKETS);
  new Counter({
    name: 'cadre_jobs_finished_total',
    help: 'Attempts that ended, by category and outcome (succeeded, failed, cancelled, retried)',
    labelNames: ['category', 'outcome'] as const,
    registers: [registry],
    collect() {
      this.reset();
      for (const [category, t] of tally.categories) {
        for (const outcome of OUTCOMES) {
          if (t.finished[outcome] > 0) this.inc({ category, outcome }, t.finished[outcome]);
        }
      }
    },
  });
  registry.registerMetric(
    talliedHistogram(
      'cadre_job_wait_seconds',
      'Time from when a job could run (createdAt or runAt) to the start of its attempt',
      tally,
      (t) => t.wait,
    ),
  );
  registry.registerMetric(
    talliedHistogram('cadre_job_run_seconds', 'Duration of finished attempts', tally, (t) => t.run),
  );

  // A category is left out where `pick` gives null (a wait target it has not, no wait in the last minute).
  const perCategory = (name: string, help: string, pick: (c: CategoryView) => number | null) =>
    new Gauge({
      name,
      help,
      labelNames: ['category'] as const,
      registers: [registry],
      async collect() {
        this.reset();
        for (const c of await engine.categories()) {
          const v = pick(c);
          if (v !== null) this.set({ category: c.name }, v);
        }
      },
    });
  perCategory('cadre_jobs_queued', 'Jobs waiting for a worker', (c) => c.queued);
  perCategory('cadre_jobs_waiting', 'Callbacks waiting for their parents', (c) => c.waiting);
  perCategory('cadre_jobs_delayed', 'Jobs waiting for their runAt', (c) => c.delayed);
  perCategory('cadre_jobs_retrying', 'Jobs waiting for their retry backoff', (c) => c.retrying);
  perCategory('cadre_jobs_running', 'Jobs running now', (c) => c.running);
  perCategory(
    'cadre_workers_allocated',
    'Worker slots the balancer gives the category',
    (c) => c.allocated,
  );
  // Wait targets (issue 14), in seconds.
  const seconds = (ms: number | null) => (ms === null ? null : ms / 1000);
  perCategory(
    'cadre_category_target_wait_seconds',
    "The wait the category's jobs should not exceed (targetWaitMs)",
    (c) => seconds(c.targetWaitMs),
  );
  perCategory(
    'cadre_category_wait_p95_seconds',
    '95th percentile wait of the attempts started over the last minute, over the cluster',
    (c) => seconds(c.waitP95Ms),
  );
  new Gauge({
    name: 'cadre_workers',
    help: 'Total worker threads',
    registers: [registry],
    async collect() {
      this.set((await engine.stats()).workers);
    },
  });

  const off = engine.on('job:changed', (job, before) => tally.record(job, before));

  return {
    registry,
    contentType: registry.contentType,
    render: () => registry.metrics(),
    close: off,
  };
}

/** One line of a metric, as prom-client's registry reads it. */
interface Sample {
  metricName: string;
  labels: Record<string, string | number>;
  value: number;
}

/**
 * A histogram labelled by category whose buckets a JobTally counts, read when
 * scraped. It gives the registry what prom-client's own Histogram would for
 * the same observations (metrics.test.ts compares the two), but prom-client
 * has no way to add buckets counted elsewhere to its Histogram, hence this
 * object of the shape its registry reads (`name`, `help`, `type`, `get`,
 * `reset`).
 */
function talliedHistogram(
  name: string,
  help: string,
  tally: JobTally,
  pick: (t: CategoryTally) => Buckets,
): Metric {
  const metric = {
    name,
    help,
    type: 'histogram',
    aggregator: 'sum',
    get() {
      const values: Sample[] = [];
      for (const [category, t] of tally.categories) {
        const b = pick(t);
        // A category appears once it has an observation, as with prom-client.
        if (b.count === 0) continue;
        let cumulative = 0;
        b.bounds.forEach((le, i) => {
          cumulative += b.counts[i]!;
          values.push({
            metricName: `${name}_bucket`,
            labels: { le, category },
            value: cumulative,
          });
        });
        values.push(
          { metricName: `${name}_bucket`, labels: { le: '+Inf', category }, value: b.count },
          { metricName: `${name}_sum`, labels: { category }, value: b.sum },
          { metricName: `${name}_count`, labels: { category }, value: b.count },
        );
      }
      return Promise.resolve({
        name,
        help,
        type: metric.type,
        aggregator: metric.aggregator,
        values,
      });
    },
    /** The counts belong to the tally, which lives as long as the server. */
    reset(): void {},
  };
  return metric as unknown as Metric;
}
