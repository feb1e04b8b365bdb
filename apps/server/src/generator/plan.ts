/**
 * What job number `i` of a run is: a pure function of the options, so a run
 * can be replayed, and a resent batch carries exactly the same requests.
 */
import type { JobRequest, Json } from '@cadre/core';
import { UsageError } from './errors.js';
import { interleave, isPicked, type MixEntry } from './mix.js';

/** `--input`: one JSON for every task, and/or `task=JSON` for one task. */
export interface InputOverrides {
  all?: Json;
  byTask: Record<string, Json>;
}

export interface PlanOptions {
  runId: string;
  count: number;
  mix: readonly MixEntry[];
  /** Share of jobs (0..1) sent as the task `fail` in the same category. */
  fail: number;
  /** Share of jobs (0..1) sent with `delayMs`. */
  delay: number;
  delayMs: number;
  inputs: InputOverrides;
  /** Seeds the inputs chosen for `sleep` and `fib`. */
  seed: number;
}

export interface PlannedJob {
  /** Index into the mix. */
  entry: number;
  request: JobRequest & { key: string; category: string };
}

export const FAIL_TASK = 'fail';

// The pick patterns for failing and delayed jobs are offset so that, for the
// same share, they do not fall on the same jobs.
const DELAY_PHASE = 0.5;

/** Parses the values of repeated `--input` options. */
export function parseInputs(values: readonly string[]): InputOverrides {
  const overrides: InputOverrides = { byTask: {} };
  for (const value of values) {
    const eq = value.indexOf('=');
    const name = eq > 0 ? value.slice(0, eq) : '';
    if (/^[A-Za-z0-9_.-]+$/.test(name)) {
      overrides.byTask[name] = parseJson(value.slice(eq + 1), `--input ${name}=`);
    } else {
      overrides.all = parseJson(value, '--input');
    }
  }
  return overrides;
}

function parseJson(text: string, option: string): Json {
  try {
    return JSON.parse(text) as Json;
  } catch (err) {
    throw new UsageError(`${option}: not valid JSON (${(err as Error).message})`);
  }
}

/** A deterministic number in [0, 1) for job `i` (a 32-bit integer hash). */
export function unitHash(seed: number, i: number): number {
  let h = (Math.imul(seed | 0, 0x9e3779b1) ^ Math.imul(i + 1, 0x85ebca6b)) >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x7feb352d) >>> 0;
  h = Math.imul(h ^ (h >>> 15), 0x846ca68b) >>> 0;
  h = (h ^ (h >>> 16)) >>> 0;
  return h / 0x1_0000_0000;
}

/** Inputs that make each demo task do a little real work. */
export function sensibleInput(task: string, i: number, seed: number): Json {
  const u = unitHash(seed, i);
  switch (task) {
    case 'echo':
      return { i, hello: 'cadre' };
    case 'sleep':
      return { ms: 50 + Math.floor(u * 151) };
    case 'fib':
      return { n: 20 + Math.floor(u * 8) };
    case 'flaky':
      return { failTimes: 1 };
    default:
      return null;
  }
}

/** Builds the planner for one run; `job(i)` is pure. */
export function createPlan(options: PlanOptions): { count: number; job(i: number): PlannedJob } {
  const order = interleave(
    options.mix.map((e) => e.share),
    options.count,
  );
  const inputFor = (task: string, i: number): Json => {
    if (Object.hasOwn(options.inputs.byTask, task)) return options.inputs.byTask[task] ?? null;
    if (options.inputs.all !== undefined) return options.inputs.all;
    return sensibleInput(task, i, options.seed);
  };
  return {
    count: options.count,
    job(i) {
      const entry = order[i] ?? 0;
      const mixEntry = options.mix[entry];
      if (!mixEntry || i < 0 || i >= options.count)
        throw new RangeError(`no job ${i} in this plan`);
      const task = isPicked(i, options.fail) ? FAIL_TASK : mixEntry.task;
      const request: PlannedJob['request'] = {
        key: `gen-${options.runId}-${i}`,
        category: mixEntry.category,
        task,
        input: inputFor(task, i),
      };
      if (isPicked(i, options.delay, DELAY_PHASE)) request.delayMs = options.delayMs;
      return { entry, request };
    },
  };
}
