/**
 * Generates load from the browser, like the CLI's job generator: `count`
 * jobs of `task` into `category` at `ratePerSec`, with a share of them
 * swapped for the `fail` task so that retries and failures show up too.
 * Jobs go out in batches (one POST per tick), never one request per job.
 */
import type { CadreClient, JobRequest } from '@cadre/client';

type Json = JobRequest['input'];

export interface LoadSpec {
  category: string;
  task: string;
  input: Json;
  count: number;
  /** Jobs per second; 0 or less = as fast as the server takes them. */
  ratePerSec: number;
  /** 0..1: the share of jobs that run the `fail` task instead. */
  failShare: number;
}

export interface LoadProgress {
  submitted: number;
  total: number;
  done: boolean;
  error?: string;
}

/** The largest batch the API takes in one request. */
export const MAX_BATCH = 10_000;

/** Whether job number `i` is one of the failing share, spread evenly over the run. */
export function isFailing(i: number, failShare: number): boolean {
  const share = Math.min(1, Math.max(0, failShare));
  return Math.floor((i + 1) * share) > Math.floor(i * share);
}

export function buildRequests(spec: LoadSpec, from: number, n: number): JobRequest[] {
  const out: JobRequest[] = [];
  for (let i = from; i < from + n; i++) {
    out.push(
      isFailing(i, spec.failShare)
        ? { task: 'fail', category: spec.category, input: null, maxRetries: 0 }
        : { task: spec.task, category: spec.category, input: spec.input },
    );
  }
  return out;
}

export interface RunLoadOptions {
  client: Pick<CadreClient, 'submit'>;
  spec: LoadSpec;
  signal?: AbortSignal;
  onProgress?: (progress: LoadProgress) => void;
  /** @defaultValue 200 */
  tickMs?: number;
  /** @defaultValue 2000: an unlimited rate still goes in slices so the page stays responsive. */
  maxBatch?: number;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

const realSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export async function runLoad(options: RunLoadOptions): Promise<LoadProgress> {
  const { client, spec, signal } = options;
  const now = options.now ?? (() => performance.now());
  const sleep = options.sleep ?? realSleep;
  const tickMs = options.tickMs ?? 200;
  const maxBatch = Math.min(options.maxBatch ?? 2000, MAX_BATCH);
  const total = Math.max(0, Math.floor(spec.count));
  const progress: LoadProgress = { submitted: 0, total, done: false };
  const started = now();

  while (progress.submitted < total && !signal?.aborted) {
    const due =
      spec.ratePerSec > 0
        ? Math.min(total, Math.floor(((now() - started) / 1000) * spec.ratePerSec) + 1)
        : total;
    const n = Math.min(due - progress.submitted, maxBatch);
    if (n > 0) {
      try {
        await client.submit(buildRequests(spec, progress.submitted, n));
      } catch (err) {
        progress.error = err instanceof Error ? err.message : String(err);
        break;
      }
      progress.submitted += n;
      options.onProgress?.({ ...progress });
    }
    if (progress.submitted < total && n < maxBatch) await sleep(tickMs);
  }
  progress.done = true;
  options.onProgress?.({ ...progress });
  return progress;
}
