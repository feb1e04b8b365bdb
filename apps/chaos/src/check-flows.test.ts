import { describe, expect, it } from 'vitest';
import type { Job, Json } from '@cadre/client';
import { flowView } from '@cadre/core';
import {
  checkFlows,
  jsonEqual,
  type AcknowledgedFlow,
  type FlowFigures,
  type FlowObservation,
} from './check-flows.js';
import { parseExecLog } from './exec-log.js';
import type { FlowRequest } from './job-mix.js';
import { runFlow } from './test-support/flow-run.js';

const reportOnError = [{ task: 'echo', input: ['step failed'] }];

/** Ids in plan order: root, its successor, the successor's error callback, the last step. */
const chainOk: FlowRequest = {
  kind: 'chain',
  jobs: [
    { task: 'echo', input: { n: 1, flow: 'c1' } },
    { task: 'echo', input: ['step'], onError: reportOnError },
    { task: 'echo' },
  ],
};

/** Root, permanent (fails), its error callback, a dropped step, its error callback, a dropped step. */
const chainFails: FlowRequest = {
  kind: 'chain',
  jobs: [
    { task: 'echo', input: { n: 2, flow: 'c2' } },
    { task: 'permanent', onError: reportOnError },
    { task: 'echo', onError: reportOnError },
    { task: 'echo' },
  ],
};

/** Members, chord, the chord's error callback. */
const chord = (tag: string, second: string): FlowRequest => ({
  kind: 'group',
  jobs: [
    { task: 'echo', input: { n: 1, flow: tag } },
    { task: second, input: { n: 2, flow: tag } },
  ],
  callback: {
    task: 'echo',
    input: ['chord'],
    onError: [{ task: 'echo', input: ['chord failed'] }],
  },
});

const immutable: FlowRequest = {
  kind: 'chain',
  jobs: [
    { task: 'echo', input: { flow: 'c3' }, immutable: true },
    { task: 'echo', input: ['own'] },
  ],
};

const REQUESTS: Record<string, [string, FlowRequest]> = {
  f1: ['c1', chainOk],
  f2: ['c2', chainFails],
  f3: ['g1', chord('g1', 'echo')],
  f4: ['g2', chord('g2', 'permanent')],
  f5: ['c3', immutable],
};

interface World {
  jobs: Map<string, Job>;
  log: string[];
  flows: AcknowledgedFlow[];
  obs: Partial<FlowObservation>;
}

/** Every flow of REQUESTS, run to its end by core's rules and acknowledged. */
function world(): World {
  const jobs = new Map<string, Job>();
  const log: string[] = [];
  const flows: AcknowledgedFlow[] = [];
  for (const [id, [tag, request]] of Object.entries(REQUESTS)) {
    const run = runFlow(id, request);
    for (const job of run.jobs) jobs.set(job.id, job);
    log.push(...run.log);
    flows.push({ id, tag, request, jobIds: run.jobs.map((j) => j.id) });
  }
  return { jobs, log, flows, obs: {} };
}

function check(w: World): { kinds: Record<string, string[]>; figures: FlowFigures } {
  const jobs = [...w.jobs.values()];
  const ids = new Set(jobs.map((j) => j.flowId));
  const obs: FlowObservation = {
    flows: w.flows,
    flowsInDoubt: [],
    jobs,
    servedFlows: w.flows
      .filter((f) => ids.has(f.id))
      .map((f) =>
        flowView(
          f.id,
          jobs.filter((j) => j.flowId === f.id),
        )!,
      ),
    executions: parseExecLog(w.log.join('\n')).executions,
    ...w.obs,
  };
  const kinds: Record<string, string[]> = {};
  const figures = checkFlows(obs, (kind, example) => (kinds[kind] ??= []).push(example));
  return { kinds, figures };
}

function change(w: World, id: string, fields: Partial<Job>): void {
  w.jobs.set(id, { ...w.jobs.get(id)!, ...fields });
}

/** The job dropped (cancelled upstream, never started), its log lines gone. */
function dropped(w: World, id: string): void {
  change(w, id, {
    state: 'cancelled',
    attempts: 0,
    startedAt: null,
    result: null,
    lastError: { kind: 'upstream', message: 'upstream' },
  });
  w.log = w.log.filter((line) => !line.startsWith(`${id} `));
}

describe('checkFlows', () => {
  it('accepts chains and chords run by the rules, failing or not', () => {
    const { kinds, figures } = check(world());
    expect(kinds).toEqual({});
    expect(figures).toEqual({
      acknowledged: 5,
      jobs: 20,
      inDoubt: 0,
      inDoubtStored: 0,
      chains: 3,
      groups: 2,
      states: { running: 0, succeeded: 3, failed: 2, cancelled: 0 },
      fired: 8,
      dropped: 5,
      chordsRun: 1,
      chordsDropped: 1,
      errorCallbacksRun: 3,
    });
  });

  it('passes results, errors and a chord’s results as the checker expects', () => {
    const w = world();
    expect(w.jobs.get('f1-01')!.input).toEqual([{ n: 1, flow: 'c1' }, 'step']);
    expect(w.jobs.get('f2-04')!.input).toEqual(['permanent: never succeeds', 'step failed']);
    expect(w.jobs.get('f3-02')!.input).toEqual([
      [
        { n: 1, flow: 'g1' },
        { n: 2, flow: 'g1' },
      ],
      'chord',
    ]);
    expect(w.jobs.get('f5-01')!.input).toEqual(['own']);
  });

  it('flags an acknowledged flow or job that is missing, and a job its answer did not name', () => {
    const w = world();
    for (const id of ['f5-00', 'f5-01']) w.jobs.delete(id);
    w.jobs.delete('f1-03');
    w.flows[1] = { ...w.flows[1]!, jobIds: w.flows[1]!.jobIds.slice(1) };
    const { kinds } = check(w);
    expect(kinds['flow lost']).toEqual(['f5 (chain, 2 jobs)']);
    expect(kinds['flow job lost']).toEqual(['f1-03 of flow f1']);
    expect(kinds['flow job not in its answer']).toEqual(['f2-00 of flow f2']);
    expect(Object.keys(kinds)).toContain('flow shape');
  });

  it('flags a callback created twice, in its flow or in another', () => {
    const w = world();
    w.jobs.set('f3-99', { ...w.jobs.get('f3-02')!, id: 'f3-99' });
    w.flows[2] = { ...w.flows[2]!, jobIds: [...w.flows[2]!.jobIds, 'f3-99'] };
    expect(check(w).kinds['flow shape']).toEqual([
      'flow f3 (group): 1 jobs not in its request: f3-99 (chord echo)',
    ]);

    const v = world();
    v.jobs.set('x-02', { ...v.jobs.get('f3-02')!, id: 'x-02', flowId: 'x' });
    const { kinds } = check(v);
    expect(kinds['callbacks per parent']).toEqual([
      'f3-00 of flow f3: 2 jobs wait on it, 1 requested',
      'f3-01 of flow f3: 2 jobs wait on it, 1 requested',
    ]);
    expect(kinds['phantom flow']).toHaveLength(1);
  });

  it('flags a trigger that is not the one requested (an immutable step passing its result)', () => {
    const w = world();
    change(w, 'f5-01', { trigger: { on: 'success', pass: 'result' } });
    expect(check(w).kinds['flow shape']).toEqual([
      'flow f5 (chain): no job for its step echo (on success, pass nothing)',
    ]);
  });

  it('flags a step that ran after its parent failed, and one dropped after its parent succeeded', () => {
    const w = world();
    change(w, 'f2-03', {
      state: 'succeeded',
      attempts: 1,
      startedAt: '2025-01-01T00:00:01.000Z',
      lastError: null,
    });
    dropped(w, 'f1-03');
    const { kinds } = check(w);
    expect(kinds['callback ran, should have been dropped']).toEqual([
      'f2-03 (step echo, on success): parents f2-01 failed',
      // and so, the step having succeeded, its error callback should not have run either
      'f2-04 (callback echo, on error): parents f2-03 succeeded',
    ]);
    expect(kinds['callback dropped, should have run']).toEqual([
      'f1-03 (step echo, on success): parents f1-01 succeeded',
      'f2-05 (step echo, on success): parents f2-03 succeeded',
    ]);
  });

  it('flags a chord dropped though every member succeeded, and one run though one failed', () => {
    const w = world();
    dropped(w, 'f3-02');
    change(w, 'f4-02', { state: 'succeeded', attempts: 1, startedAt: '2025-01-01T00:00:01.000Z' });
    const { kinds } = check(w);
    expect(kinds['callback dropped, should have run']).toHaveLength(1);
    expect(kinds['callback ran, should have been dropped']).toEqual([
      'f4-02 (chord echo, on success): parents f4-00 succeeded, f4-01 failed',
      'f4-03 (callback echo, on error): parents f4-02 succeeded',
    ]);
  });

  it("flags a chord whose results are not in the group's order, and an error callback's wrong error", () => {
    const w = world();
    const input = w.jobs.get('f3-02')!.input as [Json[], string];
    change(w, 'f3-02', { input: [[...input[0]].reverse(), 'chord'] });
    change(w, 'f4-03', { input: ['another error', 'chord failed'] });
    const { kinds } = check(w);
    expect(kinds['callback input']).toHaveLength(2);
    expect(kinds['callback input']![0]).toMatch(/^f3-02 .* pass results/);
    expect(kinds['callback input']![1]).toMatch(/^f4-03 .* pass error/);
  });

  it('accepts keys in another order (jsonb), not other values', () => {
    const w = world();
    change(w, 'f1-01', { input: [{ flow: 'c1', n: 1 }, 'step'] });
    expect(check(w).kinds).toEqual({});
    expect(jsonEqual({ a: 1, b: [1, { c: null }] }, { b: [1, { c: null }], a: 1 })).toBe(true);
    expect(jsonEqual({ a: 1 }, { a: 1, b: 2 })).toBe(false);
    expect(jsonEqual([1, 2], [2, 1])).toBe(false);
    expect(jsonEqual(null, {})).toBe(false);
  });

  it('flags an error callback that did not run though its parent failed', () => {
    const w = world();
    dropped(w, 'f2-02');
    expect(check(w).kinds['callback dropped, should have run']).toEqual([
      'f2-02 (callback echo, on error): parents f2-01 failed',
    ]);
  });

  it('flags a callback that started before its parent finished, by its times or by the log', () => {
    const w = world();
    change(w, 'f1-01', { startedAt: '2024-12-31T23:59:59.000Z' });
    const i = w.log.indexOf('f1-03 1 1');
    w.log.splice(i, 1);
    w.log.unshift('f1-03 1 1');
    const { kinds } = check(w);
    expect(kinds['callback ran before its parent finished']).toEqual([
      expect.stringMatching(/^f1-01 .*: started 2024-12-31T23:59:59.000Z, f1-00 finished/),
      "f1-03 (step echo, on success): in the log before f1-01's last execution",
    ]);
  });

  it('flags a dropped callback that ran', () => {
    const w = world();
    w.log.push('f2-05 1 1');
    expect(check(w).kinds['dropped callback ran']).toEqual([
      'f2-05 (step echo, on success): 0 attempts',
    ]);
  });

  it('flags a first job cancelled, though nobody cancels', () => {
    const w = world();
    change(w, 'f1-00', { state: 'cancelled' });
    expect(Object.keys(check(w).kinds)).toContain('first job of a flow cancelled');
  });

  it('matches a flow whose answer a kill cut off by its tag, once; a flow nobody sent is a phantom', () => {
    const w = world();
    const cut = w.flows.splice(1, 1)[0]!;
    w.obs.flowsInDoubt = [
      { tag: cut.tag, request: cut.request },
      { tag: 'never-stored', request: chainOk },
    ];
    const { kinds, figures } = check(w);
    expect(kinds).toEqual({});
    expect(figures).toMatchObject({ acknowledged: 4, inDoubt: 2, inDoubtStored: 1, chains: 3 });

    for (const job of [...w.jobs.values()].filter((j) => j.flowId === 'f2')) {
      w.jobs.set(`${job.id}b`, {
        ...job,
        id: `${job.id}b`,
        flowId: 'f2b',
        parents: job.parents.map((p) => `${p}b`),
      });
    }
    expect(check(w).kinds['flow stored twice']).toHaveLength(1);
    w.obs.flowsInDoubt = [];
    expect(check(w).kinds['phantom flow']).toHaveLength(2);
  });

  it('flags GET /api/flows/:id when it misses a flow or says another state', () => {
    const w = world();
    const served = w.flows.map((f) =>
      flowView(
        f.id,
        [...w.jobs.values()].filter((j) => j.flowId === f.id),
      )!,
    );
    w.obs.servedFlows = [{ ...served[0]!, state: 'running' }, ...served.slice(2)];
    expect(check(w).kinds['flow view']).toEqual([
      'GET /api/flows/f1 says running, its jobs make it succeeded',
      'GET /api/flows/f2 did not find it',
    ]);
  });
});
