/**
 * Setting up and cleaning up server state from the specs, through the same
 * typed client the dashboard uses.
 */
import {
  createClient,
  isCadreClientError,
  type CadreClient,
  type CategoryView,
  type Job,
  type JobState,
} from '@cadre/client';
import { BASE_URL } from './env.js';

export const api: CadreClient = createClient({ url: BASE_URL });

const ACTIVE: JobState[] = ['waiting', 'queued', 'delayed', 'retrying', 'running'];

/** Cancels every job that has not finished, so that the next test starts on an idle server. */
export async function cancelActive(client: CadreClient = api): Promise<void> {
  for (const state of ACTIVE) {
    for (;;) {
      const page = await client.list({ state, limit: 1000 });
      if (page.jobs.length === 0) break;
      await Promise.all(
        page.jobs.map((job) =>
          client.cancel(job.id).catch((err: unknown) => {
            // It finished meanwhile.
            if (!(isCadreClientError(err) && err.status === 409)) throw err;
          }),
        ),
      );
    }
  }
}

/** Puts the categories' settings back as they were. */
export async function restoreCategories(saved: readonly CategoryView[], client: CadreClient = api) {
  for (const c of saved) {
    await client.patchCategory(c.name, {
      weight: c.weight,
      minWorkers: c.minWorkers,
      maxWorkers: c.maxWorkers,
      paused: c.paused,
      concurrency: c.concurrency,
      rateLimit: c.rateLimit,
    });
  }
}

export async function category(name: string, client: CadreClient = api): Promise<CategoryView> {
  const found = (await client.categories()).find((c) => c.name === name);
  if (!found) throw new Error(`no category ${name}`);
  return found;
}

/** Polls until the job reaches `state`, or throws after `timeoutMs`. */
export async function waitForState(id: string, state: JobState, timeoutMs = 15_000): Promise<Job> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const job = await api.get(id, { waitMs: state === 'running' ? 0 : 1000 });
    if (job.state === state) return job;
    if (Date.now() > deadline) throw new Error(`job ${id} is ${job.state}, not ${state}`);
    if (state === 'running') await new Promise((r) => setTimeout(r, 50));
  }
}

/**
 * Checks that `check` holds on every poll for `ms`: for asserting that
 * something does NOT happen (a paused category starts nothing).
 */
export async function holdsFor(ms: number, check: () => Promise<void>): Promise<void> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    await check();
    await new Promise((r) => setTimeout(r, 100));
  }
}
