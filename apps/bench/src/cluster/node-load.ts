/**
 * Load over HTTP on one node or spread over a cluster's nodes, with the
 * same code for the local and the PostgreSQL backends: throughput until the
 * queues are empty, and submit→start latency at a given rate.
 */
import type { CadreClient } from '@cadre/client';
import type { Job, Json } from '@cadre/core';
import { percentile } from '../percentiles.js';
import { pollUntil } from './poll-until.js';

export interface BenchJob {
  task: string;
  input: Json;
}

export interface RateOptions {
  /** Concurrent submitting loops. @defaultValue 4 */
  clients?: number;
  /** Jobs per POST. @defaultValue 1000 */
  batch?: number;
  /** @defaultValue 300 s */
  limitMs?: number;
}

/**
 * Submits `n` jobs as `submitSpread` does, then waits until no job is queued
 * or running; jobs/s from the first post.
 */
export async function spreadRate(
  nodes: readonly CadreClient[],
  n: number,
  job: BenchJob,
  options: RateOptions = {},
): Promise<number> {
  const t0 = performance.now();
  await submitSpread(nodes, n, job, options);
  await idle(nodes[0]!, options.limitMs ?? 300_000);
  const rate = n / ((performance.now() - t0) / 1000);
  await noFailures(nodes[0]!);
  return rate;
}

/**
 * Processing alone, as the peers are measured: `n` jobs are submitted into
 * `category` while it is paused, then it is resumed and timed until no job
 * is queued or running; jobs/s from the resume.
 */
export async function processingRate(
  nodes: readonly CadreClient[],
  n: number,
  job: BenchJob,
  category = 'default',
  options: RateOptions = {},
): Promise<number> {
  await nodes[0]!.patchCategory(category, { paused: true });
  await submitSpread(nodes, n, job, options);
  const t0 = performance.now();
  await nodes[0]!.patchCategory(category, { paused: false });
  await idle(nodes[0]!, options.limitMs ?? 300_000);
  const rate = n / ((performance.now() - t0) / 1000);
  await noFailures(nodes[0]!);
  return rate;
}

/** `clients` loops post batches of `job`, each batch to the next node in turn, until `n` are accepted. */
export async function submitSpread(
  nodes: readonly CadreClient[],
  n: number,
  job: BenchJob,
  options: RateOptions = {},
): Promise<void> {
  const { clients = 4, batch = 1000 } = options;
  let sent = 0;
  let turn = 0;
  await Promise.all(
    Array.from({ length: clients }, async () => {
      while (sent < n) {
        const size = Math.min(batch, n - sent);
        sent += size;
        const node = nodes[turn++ % nodes.length]!;
        await node.submit(Array.from({ length: size }, () => job));
      }
    }),
  );
}

/**
 * Posts `job` at `rate` jobs/s for `seconds` (a batch every 10 ms, spread
 * over the nodes), waits until all have run, and takes startedAt − createdAt
 * of each (server clocks), in ms.
 */
export async function startLatency(
  nodes: readonly CadreClient[],
  rate: number,
  seconds: number,
  job: BenchJob,
): Promise<{ p50: number; p99: number; n: number }> {
  const tickMs = 10;
  const batch = Math.max(1, Math.round((rate * tickMs) / 1000));
  const t0 = performance.now();
  const end = t0 + seconds * 1000;
  const posts: Promise<Job[]>[] = [];
  for (let i = 0; ; i++) {
    const due = t0 + ((i * batch) / rate) * 1000;
    if (due >= end) break;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    posts.push(nodes[i % nodes.length]!.submit(Array.from({ length: batch }, () => job)));
  }
  const submitted = new Set((await Promise.all(posts)).flat().map((j) => j.id));
  await idle(nodes[0]!, 300_000);
  const latencies: number[] = [];
  // Newest first: the jobs just submitted are the first pages.
  let cursor: string | undefined;
  while (latencies.length < submitted.size) {
    const page = await nodes[0]!.list({ limit: 1000, ...(cursor ? { cursor } : {}) });
    for (const j of page.jobs) {
      if (submitted.has(j.id) && j.startedAt) {
        latencies.push(Date.parse(j.startedAt) - Date.parse(j.createdAt));
      }
    }
    if (page.nextCursor === null) break;
    cursor = page.nextCursor;
  }
  if (latencies.length < submitted.size) {
    throw new Error(`${submitted.size - latencies.length} of ${submitted.size} jobs never started`);
  }
  return { p50: percentile(latencies, 50), p99: percentile(latencies, 99), n: latencies.length };
}

/** No job queued or running, as the database (or the one node) says. */
async function idle(client: CadreClient, limitMs: number): Promise<void> {
  await pollUntil(
    limitMs,
    async () => {
      const [queued, running] = await Promise.all([
        client.list({ state: 'queued', limit: 1 }),
        client.list({ state: 'running', limit: 1 }),
      ]);
      return queued.jobs.length === 0 && running.jobs.length === 0;
    },
    20,
  );
}

/** The bench's tasks never fail: a failed or retrying job means the run measured something else. */
async function noFailures(client: CadreClient): Promise<void> {
  for (const state of ['failed', 'retrying'] as const) {
    const page = await client.list({ state, limit: 1 });
    const job = page.jobs[0];
    if (job) {
      throw new Error(
        `job ${job.id} is ${state}: ${job.lastError?.kind ?? ''} ${job.lastError?.message ?? ''}`,
      );
    }
  }
}
