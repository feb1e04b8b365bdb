import { describe, expect, it } from 'vitest';
import { parseMix } from './mix.js';
import { createPlan, parseInputs, sensibleInput, unitHash, type PlanOptions } from './plan.js';

const base: PlanOptions = {
  runId: 'r1',
  count: 100,
  mix: parseMix('reports:fib:3,images:sleep:1'),
  fail: 0,
  delay: 0,
  delayMs: 2000,
  inputs: { byTask: {} },
  seed: 1,
};

describe('sensibleInput', () => {
  it('chooses small real work for the demo tasks', () => {
    for (let i = 0; i < 200; i++) {
      const sleep = sensibleInput('sleep', i, 3) as { ms: number };
      expect(sleep.ms).toBeGreaterThanOrEqual(50);
      expect(sleep.ms).toBeLessThanOrEqual(200);
      const fib = sensibleInput('fib', i, 3) as { n: number };
      expect(fib.n).toBeGreaterThanOrEqual(20);
      expect(fib.n).toBeLessThanOrEqual(27);
    }
    expect(sensibleInput('echo', 4, 1)).toEqual({ i: 4, hello: 'cadre' });
    expect(sensibleInput('flaky', 0, 1)).toEqual({ failTimes: 1 });
    expect(sensibleInput('mystery', 0, 1)).toBeNull();
  });

  it('spreads the choices over the whole range', () => {
    const ns = new Set(
      Array.from({ length: 200 }, (_, i) => (sensibleInput('fib', i, 9) as { n: number }).n),
    );
    expect([...ns].sort()).toEqual([20, 21, 22, 23, 24, 25, 26, 27]);
  });

  it('hashes into [0, 1) deterministically', () => {
    for (let i = 0; i < 1000; i++) {
      const u = unitHash(42, i);
      expect(u).toBeGreaterThanOrEqual(0);
      expect(u).toBeLessThan(1);
      expect(unitHash(42, i)).toBe(u);
    }
    expect(unitHash(1, 5)).not.toBe(unitHash(2, 5));
  });
});

describe('parseInputs', () => {
  it('tells a task=JSON pair from plain JSON', () => {
    expect(parseInputs(['fib={"n":5}', '"a=b"', 'echo=[1]'])).toEqual({
      all: 'a=b',
      byTask: { fib: { n: 5 }, echo: [1] },
    });
    expect(parseInputs(['{"k":"x=y"}'])).toEqual({ all: { k: 'x=y' }, byTask: {} });
  });
});

describe('createPlan', () => {
  it('gives every job a run-scoped key, its category, and the mix by share', () => {
    const plan = createPlan(base);
    const jobs = Array.from({ length: 100 }, (_, i) => plan.job(i));
    expect(jobs[0]?.request.key).toBe('gen-r1-0');
    expect(jobs[99]?.request.key).toBe('gen-r1-99');
    expect(jobs.filter((j) => j.request.category === 'reports')).toHaveLength(75);
    expect(jobs.filter((j) => j.request.task === 'sleep')).toHaveLength(25);
    expect(jobs.every((j) => j.request.delayMs === undefined)).toBe(true);
  });

  it('turns the failing share into `fail` in the same category, and delays another share', () => {
    const plan = createPlan({ ...base, fail: 0.1, delay: 0.2, delayMs: 300 });
    const jobs = Array.from({ length: 100 }, (_, i) => plan.job(i).request);
    const failing = jobs.filter((r) => r.task === 'fail');
    expect(failing).toHaveLength(10);
    expect(failing.every((r) => r.input === null)).toBe(true);
    expect(new Set(failing.map((r) => r.category)).size).toBeGreaterThan(0);
    expect(jobs.filter((r) => r.delayMs === 300)).toHaveLength(20);
  });

  it('uses --input for all tasks, with task=JSON taking precedence', () => {
    const plan = createPlan({ ...base, inputs: { all: { x: 1 }, byTask: { fib: { n: 2 } } } });
    const jobs = Array.from({ length: 8 }, (_, i) => plan.job(i).request);
    expect(jobs.find((r) => r.task === 'fib')?.input).toEqual({ n: 2 });
    expect(jobs.find((r) => r.task === 'sleep')?.input).toEqual({ x: 1 });
  });

  it('is a pure function of the options', () => {
    const a = createPlan(base);
    const b = createPlan(base);
    for (let i = 0; i < 100; i++) expect(a.job(i)).toEqual(b.job(i));
  });

  it('refuses an index outside the run', () => {
    const plan = createPlan(base);
    expect(() => plan.job(100)).toThrow(RangeError);
    expect(() => plan.job(-1)).toThrow(RangeError);
  });
});
