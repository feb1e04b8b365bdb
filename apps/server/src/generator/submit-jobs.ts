/**
 * Sends a run's jobs in batches, a few requests in flight, paced by a token
 * bucket when a rate is asked for. Every job carries an idempotency key, so a
 * batch is simply sent again after a 429, a 503 or a dropped connection: the
 * server answers the jobs it already has instead of creating them twice.
 */
import { isCadreClientError, type CadreClient, type Job } from '@cadre/client';
import { toGeneratorError } from './describe-error.js';
import { GeneratorError } from './errors.js';
import type { GeneratorIo } from './io.js';
import type { PlannedJob } from './plan.js';
import { TokenBucket } from './token-bucket.js';

export interface SubmitOptions {
  count: number;
  batch: number;
  concurrency: number;
  rate: number | null;
}

export interface SubmitResult {
  /** The created jobs, by job index. */
  jobs: Job[];
  /** Earliest `createdAt` (server clock) among them, ms. */
  oldestCreatedMs: number;
}

/** Sends of one batch after 503s or network errors before giving up. */
const MAX_TRANSIENT_RETRIES = 5;
/** 429s are the server pacing us, not failing: wait much longer for them. */
const MAX_THROTTLED_RETRIES = 60;

export async function submitJobs(
  client: CadreClient,
  plan: { job(i: number): PlannedJob },
  options: SubmitOptions,
  io: GeneratorIo,
  onProgress: (accepted: number) => void,
): Promise<SubmitResult> {
  const jobs: Job[] = new Array<Job>(options.count);
  const batches = Math.ceil(options.count / options.batch);
  const bucket = options.rate === null ? null : new TokenBucket(options.rate, options.batch);
  let next = 0;
  let accepted = 0;
  let failure: Error | null = null;
  let oldestCreatedMs = Infinity;

  const lane = async () => {
    while (failure === null && next < batches) {
      const b = next++;
      const from = b * options.batch;
      const to = Math.min(options.count, from + options.batch);
      const requests = [];
      for (let i = from; i < to; i++) requests.push(plan.job(i).request);
      if (bucket) {
        const waitMs = bucket.reserve(requests.length, io.now());
        if (waitMs > 0) await io.sleep(waitMs);
      }
      try {
        const created = await sendBatch(client, requests, io);
        for (let k = 0; k < created.length; k++) {
          const job = created[k];
          if (!job) continue;
          jobs[from + k] = job;
          oldestCreatedMs = Math.min(oldestCreatedMs, Date.parse(job.createdAt));
        }
        accepted += created.length;
        onProgress(accepted);
      } catch (err) {
        failure ??= toGeneratorError(err, 'submitting jobs');
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(options.concurrency, batches) }, lane));
  if (failure) throw failure;
  return { jobs, oldestCreatedMs };
}

async function sendBatch(
  client: CadreClient,
  requests: PlannedJob['request'][],
  io: GeneratorIo,
): Promise<Job[]> {
  let transient = 0;
  let throttled = 0;
  for (;;) {
    try {
      return await client.submit(requests);
    } catch (err) {
      if (!isCadreClientError(err)) throw err;
      if (err.status === 429) {
        if (++throttled > MAX_THROTTLED_RETRIES) {
          throw new GeneratorError(`the server kept answering 429 (${err.message}); giving up`);
        }
        await io.sleep((err.retryAfterS ?? 1) * 1000);
        continue;
      }
      const isTransient = err.code === 'ERR_UNREACHABLE' || err.status === 503 || err.status >= 500;
      if (!isTransient || transient >= MAX_TRANSIENT_RETRIES) throw err;
      transient += 1;
      await io.sleep(Math.min(4000, 250 * 2 ** (transient - 1)));
    }
  }
}
