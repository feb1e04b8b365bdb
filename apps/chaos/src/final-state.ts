/**
 * Reading a server once the load has stopped: wait until nothing is pending,
 * then take everything the checker needs (check-invariants.ts). The same for
 * one server and for any node of a cluster, which answers for all of it.
 */
import {
  isCadreClientError,
  type CadreClient,
  type CategoryView,
  type Flow,
  type Job,
  type JobState,
  type Stats,
} from '@cadre/client';
import { ALL_STATES } from './check-invariants.js';

export interface FinalState {
  jobs: Job[];
  jobsByState: Record<JobState, Job[]>;
  categories: CategoryView[];
  stats: Stats;
  /** The flows named, as GET /api/flows/:id answers them; those it does not find are left out. */
  servedFlows: Flow[];
}

/** Waits until nothing is delayed, queued, retrying or running. */
export async function drain(client: CadreClient, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const s = await client.stats();
    const pending = s.queued + s.running + s.delayed + s.retrying;
    if (pending === 0) return;
    if (Date.now() > deadline) {
      throw new Error(`still ${pending} jobs pending after ${timeoutMs} ms: ${JSON.stringify(s)}`);
    }
    await sleep(250);
  }
}

/** Every job (newest first), or every job in `state`, page by page. */
export async function listAll(client: CadreClient, state?: JobState): Promise<Job[]> {
  const jobs: Job[] = [];
  let cursor: string | undefined;
  do {
    const page = await client.list({
      limit: 1000,
      ...(state ? { state } : {}),
      ...(cursor ? { cursor } : {}),
    });
    jobs.push(...page.jobs);
    cursor = page.nextCursor ?? undefined;
  } while (cursor !== undefined);
  return jobs;
}

export async function readFinalState(
  client: CadreClient,
  flowIds: readonly string[] = [],
): Promise<FinalState> {
  const jobs = await listAll(client);
  const categories = await client.categories();
  const stats = await client.stats();
  const jobsByState = {} as Record<JobState, Job[]>;
  for (const state of ALL_STATES) jobsByState[state] = await listAll(client, state);
  const servedFlows: Flow[] = [];
  for (const id of flowIds) {
    try {
      servedFlows.push(await client.getFlow(id));
    } catch (err) {
      if (!isCadreClientError(err) || err.status !== 404) throw err;
    }
  }
  return { jobs, jobsByState, categories, stats, servedFlows };
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
