/**
 * Submits the chaos mix against one server until told to stop or until the
 * server is gone, and books every request: acknowledged (an answer with the
 * ids), in doubt (no answer: a kill may or may not have let it in), or
 * rejected (a 4xx, which the chaos mix should never cause). Some requests
 * are flows (a chain, or a group with a chord), booked apart with the ids
 * of every job their answer named.
 */
import { isCadreClientError, type CadreClient, type JobRequest } from '@cadre/client';
import type { Acknowledged, InDoubt } from './check-invariants.js';
import type { AcknowledgedFlow, InDoubtFlow } from './check-flows.js';
import { chaosChain, chaosGroup, chaosRequest, type FlowRequest } from './job-mix.js';
import type { Rng } from './rng.js';

export interface Ledger {
  acknowledged: Acknowledged[];
  inDoubt: InDoubt[];
  flows: AcknowledgedFlow[];
  flowsInDoubt: InDoubtFlow[];
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
    flows: [],
    flowsInDoubt: [],
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
  /** Share of the requests that are a flow (half chains, half groups); 0 for none. @defaultValue 0.3 */
  flowShare?: number;
  runId: string;
  signal: AbortSignal;
}

/** Resolves once every loop has stopped (aborted, or the server stopped answering). */
export async function driveLoad(options: LoadOptions): Promise<void> {
  await Promise.all(Array.from({ length: options.concurrency }, () => loop(options)));
}

async function loop(o: LoadOptions): Promise<void> {
  while (!o.signal.aborted) {
    const sent = o.rng.chance(o.flowShare ?? 0.3) ? await submitFlow(o) : await submitJobs(o);
    if (sent === null) return;
    await pause((sent * o.concurrency * 1000) / o.rate, o.signal);
  }
}

/** One batch of jobs (or a lone one); the jobs sent, or null once the server is gone. */
async function submitJobs(o: LoadOptions): Promise<number | null> {
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
    return size;
  } catch (err) {
    if (rejected(o, err)) return size;
    for (const r of requests) o.ledger.inDoubt.push({ key: r.key!, batch });
    return failed(o, err) ? size : null;
  }
}

/** One chain or group; the jobs it holds, or null once the server is gone. */
async function submitFlow(o: LoadOptions): Promise<number | null> {
  const tag = `${o.runId}-f${o.ledger.nextKey++}`;
  const request = o.rng.chance(0.5) ? chaosChain(o.rng, tag) : chaosGroup(o.rng, tag);
  const size = jobsIn(request);
  try {
    const flow =
      request.kind === 'chain'
        ? await o.client.submitChain({ jobs: request.jobs })
        : await o.client.submitGroup({ jobs: request.jobs, callback: request.callback });
    const jobs = [...flow.jobs, ...(flow.callback ? [flow.callback] : []), ...flow.callbacks];
    o.ledger.flows.push({ id: flow.id, tag, request, jobIds: jobs.map((j) => j.id) });
    return size;
  } catch (err) {
    if (rejected(o, err)) return size;
    o.ledger.flowsInDoubt.push({ tag, request });
    return failed(o, err) ? size : null;
  }
}

/** A 4xx: booked as rejected (the chaos mix should never cause one). */
function rejected(o: LoadOptions, err: unknown): boolean {
  if (!isCadreClientError(err) || err.status < 400 || err.status >= 500) return false;
  o.ledger.rejected.push(`${err.status} ${err.code}: ${err.message}`);
  return true;
}

/**
 * After booking the request in doubt: true if the server answered (a 5xx),
 * which is reported; false if it is unreachable, i.e. this server was killed.
 */
function failed(o: LoadOptions, err: unknown): boolean {
  if (!isCadreClientError(err) || err.status < 500) return false;
  o.ledger.serverErrors.push(`${err.status} ${err.code}: ${err.message}`);
  return true;
}

/** Jobs a flow request creates, callbacks included. */
function jobsIn(request: FlowRequest): number {
  const count = (r: JobRequest): number =>
    1 +
    (r.onSuccess ?? []).reduce((n, c) => n + count(c), 0) +
    (r.onError ?? []).reduce((n, c) => n + count(c), 0);
  const jobs = request.jobs.reduce((n, r) => n + count(r), 0);
  return request.kind === 'group' && request.callback ? jobs + count(request.callback) : jobs;
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
