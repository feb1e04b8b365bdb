/**
 * "Retry all failed in a category": pages through the failed jobs with the
 * API's cursor and retries each with bounded concurrency, reporting
 * progress. A job that changed state meanwhile (409) is skipped, not an error.
 */
import type { CadreClient } from '@cadre/client';
import { isCadreClientError } from '@cadre/client';

export interface RetryProgress {
  retried: number;
  skipped: number;
  failed: number;
  /** Failed jobs seen so far (grows as pages load). */
  seen: number;
  done: boolean;
  lastError?: string;
}

export interface RetryAllOptions {
  client: Pick<CadreClient, 'list' | 'retry'>;
  category: string;
  /** @defaultValue 8 */
  concurrency?: number;
  /** @defaultValue 500 */
  pageSize?: number;
  signal?: AbortSignal;
  onProgress?: (progress: RetryProgress) => void;
}

export async function retryAllFailed(options: RetryAllOptions): Promise<RetryProgress> {
  const { client, category, signal } = options;
  const concurrency = options.concurrency ?? 8;
  const progress: RetryProgress = { retried: 0, skipped: 0, failed: 0, seen: 0, done: false };
  const report = () => options.onProgress?.({ ...progress });

  // Collect ids first: retried jobs leave the `failed` list, which would
  // otherwise shift the cursor under us.
  const ids: string[] = [];
  let cursor: string | undefined;
  do {
    if (signal?.aborted) break;
    const page = await client.list({
      category,
      state: 'failed',
      limit: options.pageSize ?? 500,
      cursor,
    });
    for (const job of page.jobs) ids.push(job.id);
    progress.seen = ids.length;
    report();
    cursor = page.nextCursor ?? undefined;
  } while (cursor);

  let next = 0;
  const worker = async () => {
    while (next < ids.length && !signal?.aborted) {
      const id = ids[next++] as string;
      try {
        await client.retry(id);
        progress.retried += 1;
      } catch (err) {
        if (isCadreClientError(err) && (err.status === 409 || err.status === 404)) {
          progress.skipped += 1;
        } else {
          progress.failed += 1;
          progress.lastError = err instanceof Error ? err.message : String(err);
        }
      }
      report();
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, concurrency) }, worker));
  progress.done = true;
  report();
  return progress;
}
