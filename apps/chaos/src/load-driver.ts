/**
 * Submits the chaos mix against one server until told to stop or until the
 * server is gone, and books every request: acknowledged (an answer with the
 * ids), in doubt (no answer: a kill may or may not have let it in), or
 * rejected (a 4xx, which the chaos mix should never cause).
 */
import { isCadreClientError, type CadreClient, type JobRequest } from '@cadre/client';
import { chaosRequest } from './job-mix.js';
import type { Acknowledged, InDoubt } from './check-invariants.js';
import type { Rng } from './rng.js';

export interface Ledger {
  acknowledged: Acknowledged[];
  inDoubt: InDoubt[];
  rejected: string[];
  /** 5xx answers: booked in doubt, and reported (a live server should not answer them). */
  serverErrors: string[];
  nextKey: number;
  nextBatch: number;
}

export function createLedger(): Ledger {
  return {
    acknowledged: [],
    inDoubt: [],
    rejected: [],
    serverErrors: [],
    nextKey: 0,
    nextBatch: 0,
  };
}

export interface LoadOptions {
  client: CadreClient;
  rng: Rng;
  ledger: Ledger;
  /** Requests in flight at once. */
  concurrency: number;
  /** Largest batch; a third of the requests carry one job. */
  maxBatch: number;
  /** Jobs per second, all loops together: keeps the backlog within what the final drain can finish. */
  rate: number;
  runId: string;
  signal: AbortSignal;
}

/** Resolves once every loop has stopped (aborted, or the server stopped answering). */
export async function driveLoad(options: LoadOptions): Promise<void> {
  await Promise.all(Array.from({ length: options.concurrency }, () => loop(options)));
}

async function loop(o: LoadOptions): Promise<void> {
  while (!o.signal.aborted) {
    const size = o.rng.chance(0.35) ? 1 : o.rng.int(2, o.maxBatch);
    const batch = o.ledger.nextBatch++;
    const requests: JobRequest[] = [];
    for (let i = 0; i < size; i++) {
      requests.push(chaosRequest(o.rng, `${o.runId}-${o.ledger.nextKey++}`));
    }
    try {
      const jobs =
        size === 1 ? [await o.client.submit(requests[0]!)] : await o.client.submit(requests);
      for (const [i, job] of jobs.entries()) {
        o.ledger.acknowledged.push({ id: job.id, key: requests[i]!.key! });
      }
    } catch (err) {
      if (isCadreClientError(err) && err.status >= 400 && err.status < 500) {
        o.ledger.rejected.push(`${err.status} ${err.code}: ${err.message}`);
        continue;
      }
      for (const r of requests) o.ledger.inDoubt.push({ key: r.key!, batch });
      if (isCadreClientError(err) && err.status >= 500) {
        o.ledger.serverErrors.push(`${err.status} ${err.code}: ${err.message}`);
        continue;
      }
      // Unreachable: this server was killed.
      return;
    }
    await pause((size * o.concurrency * 1000) / o.rate, o.signal);
  }
}

function pause(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}
