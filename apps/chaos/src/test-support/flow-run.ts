/**
 * Runs a flow request to its end in memory by core's own rules (createJob,
 * transition, settleDependents), one job at a time: the stored jobs and the
 * executions log a correct server would leave. The checker's tests start
 * from it and break one thing at a time.
 */
import type { Job } from '@cadre/client';
import { createJob, settleDependents, transition, type FlowGraph } from '@cadre/core';
import { plan } from '../check-flows.js';
import type { FlowRequest } from '../job-mix.js';

export interface FlowRun {
  jobs: Job[];
  /** The executions log: `id 1 1` and `id 1 1 ok` lines. */
  log: string[];
}

/**
 * Every job runs once: `permanent` and `fail` fail for good, any other task
 * succeeds with its input as result (as echo does). Ids are `${flowId}-NN`
 * in the planner's order; each step of the run is one millisecond.
 */
export function runFlow(flowId: string, request: FlowRequest): FlowRun {
  const planned = plan(request);
  const ids = planned.map((_, i) => `${flowId}-${String(i).padStart(2, '0')}`);
  let now = Date.parse('2025-01-01T00:00:00.000Z');
  const jobs = new Map<string, Job>();
  for (const [i, p] of planned.entries()) {
    const job = createJob(
      {
        id: ids[i]!,
        key: null,
        category: 'fast',
        task: p.request.task,
        input: p.request.input ?? null,
        maxRetries: 0,
        timeoutMs: null,
        runAtMs: null,
        flowId,
        flowRole: p.role,
        parents: p.parents.map((k) => ids[k]!),
        trigger: p.trigger,
      },
      now,
    );
    jobs.set(job.id, job);
  }
  const graph: FlowGraph = {
    job: (id) => jobs.get(id),
    children: (id) => [...jobs.values()].filter((j) => j.parents.includes(id)).map((j) => j.id),
  };
  const log: string[] = [];
  for (;;) {
    const next = [...jobs.values()].find((j) => j.state === 'queued');
    if (next === undefined) break;
    now += 1;
    const running = transition(next, { type: 'start', node: 'local' }, now);
    log.push(`${running.id} 1 1`);
    now += 1;
    const fails = running.task === 'permanent' || running.task === 'fail';
    if (!fails) log.push(`${running.id} 1 1 ok`);
    const done = transition(
      running,
      {
        type: 'settle',
        outcome: fails
          ? { kind: 'error', message: `${running.task}: never succeeds`, retryable: false }
          : { kind: 'ok', value: running.input },
        retryDelayMs: 0,
      },
      now,
    );
    jobs.set(done.id, done);
    for (const changed of settleDependents(done, graph, now)) jobs.set(changed.id, changed);
  }
  return { jobs: [...jobs.values()], log };
}
