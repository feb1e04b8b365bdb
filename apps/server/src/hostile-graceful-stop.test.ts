// Graceful stop under load: the real entry point holding thousands of
// acknowledged jobs (some running, most queued, some delayed) stops on
// SIGTERM within its grace period and exits 0; restarted on the same data
// directory it has every one of them, and then finishes them all.
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createClient, type CadreClient } from '@cadre/client';
import type { Job, JobRequest, JobState } from '@cadre/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, spawnMain } from './test-support/spawn-main.js';
import { until } from './test-support/test-server.js';

const tmp = mkdtempSync(join(tmpdir(), 'cadre-stop-'));
const children: ChildProcess[] = [];
beforeAll(ensureBuilt, 120_000);
afterAll(() => {
  for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
  rmSync(tmp, { recursive: true, force: true });
});

const GRACE_MS = 2000;
const SLEEPS = 6;
const SLEEP_MS = 4000; // well beyond the grace: the running ones are handed back
const DELAYED = 200;
const QUEUED = 5000 - SLEEPS - DELAYED;
const MARK = 'load-input-7f3a';

async function listAll(client: CadreClient): Promise<Job[]> {
  const jobs: Job[] = [];
  let cursor: string | null = null;
  do {
    const page = await client.list({ limit: 1000, ...(cursor === null ? {} : { cursor }) });
    jobs.push(...page.jobs);
    cursor = page.nextCursor;
  } while (cursor !== null);
  return jobs;
}

function countByState(jobs: readonly Job[]): Partial<Record<JobState, number>> {
  const counts: Partial<Record<JobState, number>> = {};
  for (const j of jobs) counts[j.state] = (counts[j.state] ?? 0) + 1;
  return counts;
}

describe('graceful stop under load', () => {
  it('stops within the grace period and loses no acknowledged job', async () => {
    const env = {
      CADRE_DATA: join(tmp, 'data'),
      CADRE_GRACE_MS: String(GRACE_MS),
      LOG_LEVEL: 'info',
    };
    const first = spawnMain(env);
    children.push(first.child);
    const client = createClient({ url: await first.ready() });

    // 'default' paused keeps its thousands of jobs waiting until after the restart.
    await client.patchCategory('default', { paused: true });
    // The sleeps go last, so that they start just before the stop, however slow the submissions.
    const requests: JobRequest[] = [
      ...Array.from({ length: DELAYED }, (_, i) => ({
        task: 'echo',
        input: { i, mark: MARK },
        delayMs: 1000,
      })),
      ...Array.from({ length: QUEUED }, (_, i) => ({ task: 'echo', input: { i, mark: MARK } })),
      ...Array.from({ length: SLEEPS }, () => ({ task: 'sleep', input: { ms: SLEEP_MS } })),
    ];
    const acked: Job[] = [];
    for (let i = 0; i < requests.length; i += 1000) {
      acked.push(...(await client.submit(requests.slice(i, i + 1000))));
    }
    expect(acked).toHaveLength(5000);
    await until(
      () => client.stats(),
      (s) => s.running === 2,
    );

    const stopping = Date.now();
    first.child.kill('SIGTERM');
    expect(await first.exited).toBe(0);
    // The grace, plus the pool's teardown and the final flush.
    expect(Date.now() - stopping).toBeLessThan(GRACE_MS + 3000);
    expect(first.output()).toContain('cadre stopped');

    const second = spawnMain(env);
    children.push(second.child);
    const client2 = createClient({ url: await second.ready() });
    const after = await listAll(client2);
    expect(after.map((j) => j.id).sort()).toEqual(acked.map((j) => j.id).sort());
    // Nothing finished: the sleeps outlast the grace, and 'default' is still paused.
    const counts = countByState(after);
    expect(counts.succeeded ?? 0).toBe(0);
    expect(counts.failed ?? 0).toBe(0);
    expect((counts.queued ?? 0) + (counts.running ?? 0) + (counts.delayed ?? 0)).toBe(5000);
    // Those that ran were handed back without spending their attempt.
    const interrupted = after.filter((j) => j.lastError?.kind === 'interrupted');
    expect(interrupted.length).toBeGreaterThanOrEqual(2);
    // (The restarted server may have started them again: that attempt is the only one counted.)
    for (const j of interrupted) {
      expect(j.task).toBe('sleep');
      expect(j.attempts).toBe(j.state === 'running' ? 1 : 0);
    }

    await client2.patchCategory('default', { paused: false });
    await until(
      () => client2.stats(),
      (s) => s.queued + s.running + s.delayed + s.retrying === 0,
      40_000,
    );
    const done = await listAll(client2);
    expect(countByState(done)).toEqual({ succeeded: 5000 });
    const echoed = done.find((j) => j.task === 'echo')!;
    expect(echoed.result).toEqual(echoed.input);

    second.child.kill('SIGTERM');
    expect(await second.exited).toBe(0);
    // Inputs and results never reach the log at info.
    expect(first.output() + second.output()).not.toContain(MARK);
  }, 60_000);
});
