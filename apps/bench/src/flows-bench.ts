/**
 * Flows end to end over HTTP (issue 12): two-step chains of `echo`, each
 * created by its own POST /api/chains, against plain `echo` jobs on the same
 * server in the same run. Every rate counts jobs (a chain is two) from the
 * first request until the server has seen them all succeed.
 */
import type { CadreClient, ChainRequest, JobRequest } from '@cadre/client';
import { CHECKED_INPUT } from './engine-bench.js';

/** A chain: echo, then echo of its result ([result], the second step having no arguments of its own). */
const CHAIN: ChainRequest = { jobs: [{ task: 'echo', input: CHECKED_INPUT }, { task: 'echo' }] };

/** Requests in flight at once for the one-chain-per-request runs: enough to fill a group commit. */
export const CHAINS_IN_FLIGHT = 64;

/** Runs `send(i)` for i in 0..n-1, `inFlight` at a time. */
async function inFlightLoop(
  n: number,
  inFlight: number,
  send: (i: number) => Promise<unknown>,
): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(inFlight, n) }, async () => {
      while (next < n) await send(next++);
    }),
  );
}

/** Waits until `n` more jobs than `before` have succeeded. */
async function succeeded(client: CadreClient, before: number, n: number): Promise<void> {
  while ((await client.stats()).succeeded - before < n) {
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Runs `send`, then waits for `jobs` successes; jobs/s over the whole. */
async function timed(
  client: CadreClient,
  jobs: number,
  send: () => Promise<void>,
): Promise<number> {
  const before = (await client.stats()).succeeded;
  const t0 = performance.now();
  await send();
  await succeeded(client, before, jobs);
  return jobs / ((performance.now() - t0) / 1000);
}

/** `chains` two-step chains, one POST /api/chains each, until every second step has succeeded; jobs/s. */
export function chainRate(
  client: CadreClient,
  chains: number,
  inFlight = CHAINS_IN_FLIGHT,
): Promise<number> {
  return timed(client, chains * 2, () =>
    inFlightLoop(chains, inFlight, () => client.submitChain(CHAIN)),
  );
}

/** The same jobs without flows and with as many requests: `pairs` requests of two plain echo jobs; jobs/s. */
export function pairRate(
  client: CadreClient,
  pairs: number,
  inFlight = CHAINS_IN_FLIGHT,
): Promise<number> {
  const pair = [CHAIN.jobs[0]!, CHAIN.jobs[0]!];
  return timed(client, pairs * 2, () => inFlightLoop(pairs, inFlight, () => client.submit(pair)));
}

/**
 * `n` echo jobs each with an echo success callback (POST /api/jobs, `onSuccess`),
 * 4 clients × batches of `batch` jobs (so 2 × `batch` jobs a request); jobs/s.
 */
export function callbackRate(client: CadreClient, n: number, batch = 500): Promise<number> {
  const request: JobRequest = { task: 'echo', input: CHECKED_INPUT, onSuccess: [{ task: 'echo' }] };
  const requests = Math.ceil(n / batch);
  return timed(client, n * 2, () =>
    inFlightLoop(requests, 4, (i) =>
      client.submit(Array.from({ length: Math.min(batch, n - i * batch) }, () => request)),
    ),
  );
}
