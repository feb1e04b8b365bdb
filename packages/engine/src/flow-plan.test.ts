import { describe, expect, it } from 'vitest';
import type { CadreError, JobRequest } from '@cadre/core';
import type { JobSpec } from '@cadre/store';
import { MAX_CALLBACK_DEPTH } from '@cadre/core';
import { planChain, planGroup, planJobs, type Resolve } from './flow-plan.js';

/** Resolves a request to a spec that remembers its task and input. */
const resolve: Resolve = (r) => ({
  key: r.key ?? null,
  category: 'default',
  task: r.task,
  input: r.input ?? null,
  maxRetries: 0,
  timeoutMs: null,
  runAtMs: null,
});

const shape = (specs: JobSpec[]) =>
  specs.map((s) => ({ task: s.task, role: s.flowRole, parents: s.parents, trigger: s.trigger }));

function refusal(fn: () => unknown): CadreError {
  try {
    fn();
  } catch (err) {
    return err as CadreError;
  }
  throw new Error('expected a refusal');
}

describe('planJobs', () => {
  it('puts each callback after its parent, naming it by index, with what it receives', () => {
    const plan = planJobs(
      [
        { task: 'a' },
        {
          task: 'b',
          onSuccess: [{ task: 'c', onError: [{ task: 'd' }] }],
          onError: [{ task: 'e' }],
        },
        { task: 'f', immutable: true, onSuccess: [{ task: 'g', input: 'own' }] },
      ],
      resolve,
    );
    expect(plan.roots).toEqual([0, 1, 5]);
    expect(shape(plan.specs)).toEqual([
      { task: 'a', role: null, parents: [], trigger: null },
      { task: 'b', role: null, parents: [], trigger: null },
      { task: 'c', role: null, parents: [1], trigger: { on: 'success', pass: 'result' } },
      { task: 'd', role: null, parents: [2], trigger: { on: 'error', pass: 'error' } },
      { task: 'e', role: null, parents: [1], trigger: { on: 'error', pass: 'error' } },
      { task: 'f', role: null, parents: [], trigger: null },
      { task: 'g', role: null, parents: [5], trigger: { on: 'success', pass: 'nothing' } },
    ]);
  });

  it('refuses keys anywhere near callbacks, and delays on callbacks', () => {
    const keyed = refusal(() =>
      planJobs([{ task: 'a', key: 'k', onSuccess: [{ task: 'b' }] }], resolve),
    );
    expect(keyed.message).toMatch(/^jobs\[0\]\.key is not allowed here/);
    const delayed = refusal(() =>
      planJobs([{ task: 'a', onError: [{ task: 'b', delayMs: 5 }] }], resolve),
    );
    expect(delayed.details).toEqual({ index: 0, field: 'onError[0].delayMs' });
    expect(planJobs([{ task: 'a', key: 'k' }], resolve).specs[0]!.key).toBe('k');
  });

  it('refuses callbacks that nest too deep', () => {
    let request: JobRequest = { task: 'leaf' };
    for (let i = 0; i <= MAX_CALLBACK_DEPTH; i++) request = { task: 'x', onSuccess: [request] };
    expect(refusal(() => planJobs([request], resolve)).message).toMatch(/nest at most 32 deep/);
  });

  it('refuses callbacks that are not an array of requests', () => {
    const bad = { task: 'a', onSuccess: { task: 'b' } } as unknown as JobRequest;
    expect(refusal(() => planJobs([bad], resolve)).message).toBe(
      'jobs[0].onSuccess must be an array of job requests',
    );
  });
});

describe('planChain', () => {
  it('makes each step the success callback of the one before, immutable passing nothing', () => {
    const plan = planChain(
      {
        jobs: [
          { task: 'a', immutable: true },
          { task: 'b', onError: [{ task: 'x' }] },
          { task: 'c' },
        ],
      },
      resolve,
    );
    expect(plan.roots).toEqual([0, 1, 3]);
    expect(shape(plan.specs)).toEqual([
      { task: 'a', role: 'step', parents: [], trigger: null },
      { task: 'b', role: 'step', parents: [0], trigger: { on: 'success', pass: 'nothing' } },
      { task: 'x', role: 'callback', parents: [1], trigger: { on: 'error', pass: 'error' } },
      { task: 'c', role: 'step', parents: [1], trigger: { on: 'success', pass: 'result' } },
    ]);
  });

  it('refuses an input that is not an array on a step that receives a result', () => {
    const err = refusal(() =>
      planChain({ jobs: [{ task: 'a' }, { task: 'b', input: { n: 1 } }] }, resolve),
    );
    expect(err.message).toBe(
      "jobs[1].input must be an array or absent: it is the arguments passed after its parent's result",
    );
  });
});

describe('planGroup', () => {
  it('makes the chord wait on every member, receiving their results', () => {
    const plan = planGroup(
      { jobs: [{ task: 'a' }, { task: 'b' }], callback: { task: 'z', input: [1] } },
      resolve,
    );
    expect(plan.roots).toEqual([0, 1, 2]);
    expect(shape(plan.specs)[2]).toEqual({
      task: 'z',
      role: 'chord',
      parents: [0, 1],
      trigger: { on: 'success', pass: 'results' },
    });
  });

  it('refuses an empty group, or more than 1,000 members', () => {
    expect(refusal(() => planGroup({ jobs: [] }, resolve)).message).toBe(
      'jobs must be an array of 1 to 1000 job requests',
    );
    const many = Array.from({ length: 1001 }, () => ({ task: 'a' }));
    expect(refusal(() => planGroup({ jobs: many }, resolve)).code).toBe('ERR_VALIDATION');
  });
});
