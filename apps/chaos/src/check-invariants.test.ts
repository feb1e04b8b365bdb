import { describe, expect, it } from 'vitest';
import type { Job, JobState } from '@cadre/client';
import { flowView } from '@cadre/core';
import { ALL_STATES, checkInvariants, type ChaosObservation } from './check-invariants.js';
import { parseExecLog, type Execution } from './exec-log.js';
import type { FlowRequest } from './job-mix.js';
import { runFlow } from './test-support/flow-run.js';
import { category, job, stats } from './test-support/records.js';

/** Builds the observation the way the chaos run does: by-state lists derived from the jobs. */
function observe(
  jobs: Job[],
  log: string,
  overrides: Partial<ChaosObservation> = {},
): ChaosObservation {
  const jobsByState = Object.fromEntries(
    ALL_STATES.map((s) => [s, jobs.filter((j) => j.state === s)]),
  ) as Record<JobState, Job[]>;
  const { executions, malformed } = parseExecLog(log);
  return {
    acknowledged: jobs.filter((j) => j.flowId === null).map((j) => ({ id: j.id, key: j.key! })),
    inDoubt: [],
    jobs,
    jobsByState,
    categories: [category],
    stats,
    executions,
    malformedLogLines: malformed,
    killedEpochs: new Set([1]),
    flows: [],
    flowsInDoubt: [],
    servedFlows: [],
    ...overrides,
  };
}

const kinds = (obs: ChaosObservation): string[] => Object.keys(checkInvariants(obs).violations);

describe('checkInvariants', () => {
  it('accepts a clean history, with a designed retry and a re-run after a kill', () => {
    const jobs = [
      job('a', {}),
      job('b', { task: 'flaky', input: { failTimes: 1 }, attempts: 2, result: { attempt: 2 } }),
      job('c', { attempts: 2, lastError: { message: 'x', kind: 'lost' } }),
    ];
    const log = [
      'a 1 2',
      'a 1 2 ok',
      'b 1 1',
      'b 2 2',
      'b 2 2 ok',
      'c 1 1',
      'c 1 1 ok',
      'c 2 2',
      'c 2 2 ok',
    ];
    const verdict = checkInvariants(observe(jobs, log.join('\n')));
    expect(verdict.violations).toEqual({});
    expect(verdict.figures).toMatchObject({ acknowledged: 3, lost: 0, rerun: 1, duplicates: 1 });
  });

  it('reads executions in log order: a cluster retries on a node process started earlier', () => {
    const jobs = [
      job('a', { task: 'flaky', input: { failTimes: 1 }, attempts: 2, result: { attempt: 2 } }),
    ];
    // Attempt 1 fails by design on epoch 3; attempt 2 runs on epoch 2, alive all along.
    const obs = observe(jobs, 'a 1 3\na 2 2\na 2 2 ok', { killedEpochs: new Set() });
    expect(checkInvariants(obs).violations).toEqual({});
  });

  it('flags an acknowledged job that is missing', () => {
    const obs = observe([job('a', {})], 'a 1 2\na 1 2 ok');
    obs.acknowledged = [...obs.acknowledged, { id: 'gone', key: 'k-gone' }];
    expect(kinds(obs)).toContain('lost');
  });

  it('flags a stored job nobody sent, and accepts one whose answer was cut off', () => {
    const jobs = [job('a', {}), job('b', {})];
    const obs = observe(jobs, 'a 1 2\na 1 2 ok\nb 1 2\nb 1 2 ok', {
      acknowledged: [{ id: 'a', key: 'k-a' }],
    });
    expect(kinds(obs)).toContain('phantom job');
    obs.inDoubt = [{ key: 'k-b', batch: 0 }];
    expect(kinds(obs)).toEqual([]);
  });

  it('flags a job still pending and non-zero counters', () => {
    const obs = observe([job('a', { state: 'queued', attempts: 0 })], '');
    obs.categories = [{ ...category, queued: 1 }];
    obs.stats = { ...stats, queued: 1 };
    expect(kinds(obs)).toEqual(
      expect.arrayContaining(['not terminal', 'category counters', 'stats counters']),
    );
  });

  it('flags a listing by state that disagrees with the full listing', () => {
    const obs = observe([job('a', {})], 'a 1 2\na 1 2 ok');
    obs.jobsByState = { ...obs.jobsByState, failed: [job('a', {})] };
    expect(kinds(obs)).toContain('listing by state');
  });

  it('flags a successful execution repeated in the same process', () => {
    const obs = observe(
      [job('a', { attempts: 2, lastError: { message: 'x', kind: 'lost' } })],
      'a 1 2\na 1 2 ok\na 2 2\na 2 2 ok',
    );
    expect(kinds(obs)).toEqual(
      expect.arrayContaining([
        'ran again without a failure or a kill',
        'duplicate success outside a kill',
      ]),
    );
  });

  it('flags a re-run after a process that was not killed', () => {
    const obs = observe(
      [job('a', { attempts: 2, lastError: { message: 'x', kind: 'lost' } })],
      'a 1 2\na 2 3\na 2 3 ok',
    );
    expect(kinds(obs)).toContain('ran again after a clean stop');
  });

  it('flags extra attempts that no loss explains, and a success that never ran', () => {
    expect(kinds(observe([job('a', { attempts: 2 })], 'a 1 1\na 2 2\na 2 2 ok'))).toContain(
      'extra attempts without a loss',
    );
    expect(kinds(observe([job('a', {})], 'a 1 2'))).toContain('succeeded without a logged success');
  });

  it('accepts extra attempts that a hand back of claimed-ahead jobs followed (cluster)', () => {
    // Claimed ahead by a node killed before it ran it (lost, counted), then
    // claimed ahead and handed back by another (interrupted, given back), then run.
    const interrupted = { message: 'handed back', kind: 'interrupted' } as const;
    expect(
      kinds(observe([job('a', { attempts: 2, lastError: interrupted })], 'a 2 2\na 2 2 ok')),
    ).toEqual([]);
  });

  it('flags a job designed to fail that succeeded, and wrong results', () => {
    expect(kinds(observe([job('a', { task: 'fail' })], 'a 1 2\na 1 2 ok'))).toContain(
      'designed to fail, succeeded',
    );
    expect(kinds(observe([job('a', { result: { n: 2 } })], 'a 1 2\na 1 2 ok'))).toContain(
      'wrong result',
    );
  });

  it('accepts a job failed by losses only, but not by its own error when designed to succeed', () => {
    const lostJob = job('a', {
      state: 'failed',
      attempts: 4,
      result: null,
      failure: 'max_retries',
      lastError: { message: 'x', kind: 'lost' },
    });
    expect(kinds(observe([lostJob], 'a 1 1'))).toEqual([]);
    const failed = { ...lostJob, lastError: { message: 'x', kind: 'exception' as const } };
    expect(kinds(observe([failed], 'a 4 1'))).toContain('designed to succeed, failed');
  });

  it('counts an attempt executed twice when its start was not yet durable', () => {
    const obs = observe([job('a', {})], 'a 1 1\na 1 2\na 1 2 ok');
    const verdict = checkInvariants(obs);
    expect(verdict.ok).toBe(true);
    expect(verdict.figures.sameAttemptReruns).toBe(1);
  });

  it('flags malformed log lines', () => {
    const executions: Execution[] = parseExecLog('a 1 2\nbroken\n').executions;
    expect(executions).toHaveLength(1);
    expect(kinds(observe([job('a', {})], 'a 1 2\na 1 2 ok\nbroken'))).toContain('executions log');
  });
  it('checks flows beside lone jobs: steps dropped after a failure were cancelled by nobody', () => {
    const request: FlowRequest = {
      kind: 'chain',
      jobs: [
        { task: 'echo', input: { n: 1, flow: 't' } },
        { task: 'permanent' },
        { task: 'echo', onError: [{ task: 'echo', input: ['step failed'] }] },
      ],
    };
    const flow = runFlow('f', request);
    const jobs = [job('a', {}), ...flow.jobs];
    const obs = observe(jobs, ['a 1 2', 'a 1 2 ok', ...flow.log].join('\n'), {
      flows: [{ id: 'f', tag: 't', request, jobIds: flow.jobs.map((j) => j.id) }],
      servedFlows: [flowView('f', flow.jobs)!],
    });
    const verdict = checkInvariants(obs);
    expect(verdict.violations).toEqual({});
    expect(verdict.figures.states).toMatchObject({ succeeded: 3, failed: 1, cancelled: 1 });
    expect(verdict.figures.flows).toMatchObject({
      acknowledged: 1,
      chains: 1,
      fired: 2,
      dropped: 1,
    });
    expect(verdict.figures.flows.states.failed).toBe(1);
  });

  it('flags a callback left waiting, and the waiting counters', () => {
    const request: FlowRequest = {
      kind: 'chain',
      jobs: [{ task: 'echo', input: { flow: 't' } }, { task: 'echo' }],
    };
    const flow = runFlow('f', request);
    flow.jobs[1] = { ...flow.jobs[1]!, state: 'waiting', attempts: 0, input: null };
    const obs = observe(flow.jobs, flow.log.slice(0, 2).join('\n'), {
      flows: [{ id: 'f', tag: 't', request, jobIds: flow.jobs.map((j) => j.id) }],
      stats: { ...stats, waiting: 1 },
      categories: [{ ...category, waiting: 1 }],
    });
    expect(kinds(obs)).toEqual(
      expect.arrayContaining(['not terminal', 'stats counters', 'category counters']),
    );
  });

  it("reads a callback's own settings from the last element of its input", () => {
    const step = job('b', {
      key: null,
      task: 'flaky',
      input: [{ n: 1 }, { failTimes: 1 }],
      attempts: 2,
      result: { attempt: 2 },
      flowId: 'f',
      flowRole: 'step',
      parents: ['a'],
      trigger: { on: 'success', pass: 'result' },
    });
    const first = job('a', { key: null, input: { n: 1 }, flowId: 'f', flowRole: 'step' });
    const log = ['a 1 1', 'a 1 1 ok', 'b 1 1', 'b 2 1', 'b 2 1 ok'].join('\n');
    expect(checkInvariants(observe([first, step], log)).figures.rerun).toBe(0);
    expect(kinds(observe([first, step], log))).not.toContain(
      'ran again without a failure or a kill',
    );
  });
});
