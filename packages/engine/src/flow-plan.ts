/**
 * Turns requests with callbacks, chains and groups into the flat list of job
 * specs one `submit` creates at once: each callback names its parents by
 * their index in that list, so the backend creates them all in one commit.
 *
 * The rules that depend on where a request sits are checked here, naming the
 * path as the caller wrote it (`jobs[0].onSuccess[1].input`):
 * - a callback that receives something (a result, an error, a chord's
 *   results) takes an array of further arguments as input, or none;
 * - a callback runs when it fires, so it has no `delayMs` or `runAt`;
 * - idempotency keys are for lone jobs: a job with callbacks, a callback, or
 *   a member of a chain or group has none.
 * A callback that receives something runs with an input known only when it
 * fires: its task's input schema is not checked at submit (its handler gets
 * what its parent passed).
 */
import {
  Errors,
  MAX_CALLBACK_DEPTH,
  MAX_CHAIN_JOBS,
  MAX_GROUP_JOBS,
  MAX_REQUEST_JOBS,
  type ChainRequest,
  type FlowRole,
  type GroupRequest,
  type JobRequest,
  type JobTrigger,
} from '@cadre/core';
import type { JobSpec } from '@cadre/store';

/** Where a request sits: the index of the top-level request it belongs to, and its path. */
export interface Where {
  index: number;
  /** As the caller wrote it: `jobs[3]`, `jobs[0].onSuccess[1]`, `callback`. */
  path: string;
  /** The path of the top-level request (`jobs[0]`): errors' `details.field` is relative to it. */
  top: string;
}

/**
 * Resolves one request against the config (task, category, defaults, input
 * schema). `receives`: a callback that runs with something before its own
 * input (a result, an error, a chord's results), whose input, known only
 * when it fires, is not checked against its task's schema.
 */
export type Resolve = (request: JobRequest, where: Where, receives: boolean) => JobSpec;

export interface Plan {
  specs: JobSpec[];
  /** The index in `specs` of each top-level request, in order. */
  roots: number[];
}

interface Link {
  parents: number[];
  trigger: JobTrigger;
}

class Planner {
  readonly specs: JobSpec[] = [];
  readonly #resolve: Resolve;
  /** The flow being planned, or false for lone jobs (their callbacks have no flow role). */
  readonly #inFlow: boolean;

  constructor(resolve: Resolve, inFlow: boolean) {
    this.#resolve = resolve;
    this.#inFlow = inFlow;
  }

  /** Adds `request` and its callbacks; returns its index. */
  add(
    request: JobRequest,
    where: Where,
    role: FlowRole | null,
    link: Link | null,
    depth = 0,
  ): number {
    if (depth > MAX_CALLBACK_DEPTH) {
      throw invalid(where, '', `callbacks nest at most ${MAX_CALLBACK_DEPTH} deep`);
    }
    const onSuccess = callbacksOf(request, 'onSuccess', where);
    const onError = callbacksOf(request, 'onError', where);
    if (request.immutable !== undefined && typeof request.immutable !== 'boolean') {
      throw invalid(where, 'immutable', 'must be a boolean');
    }
    const linked = link !== null || role !== null || onSuccess.length + onError.length > 0;
    if (linked && request.key !== undefined) {
      throw invalid(
        where,
        'key',
        'is not allowed here: idempotency keys are for lone jobs, not for a job with callbacks, a callback, or a job of a chain or group',
      );
    }
    if (link !== null) checkCallback(request, where, link.trigger);
    if (this.specs.length >= MAX_REQUEST_JOBS) {
      throw invalid(
        where,
        '',
        `one request creates at most ${MAX_REQUEST_JOBS} jobs, callbacks included`,
      );
    }
    const spec = this.#resolve(request, where, link !== null && link.trigger.pass !== 'nothing');
    const index = this.specs.length;
    this.specs.push({
      ...spec,
      flowRole: role,
      parents: link?.parents ?? [],
      trigger: link?.trigger ?? null,
    });
    const immutable = request.immutable === true;
    const nested: FlowRole | null = this.#inFlow ? 'callback' : null;
    onSuccess.forEach((cb, i) =>
      this.add(cb, at(where, `onSuccess[${i}]`), nested, successOf(index, immutable), depth + 1),
    );
    onError.forEach((cb, i) =>
      this.add(
        cb,
        at(where, `onError[${i}]`),
        nested,
        { parents: [index], trigger: { on: 'error', pass: immutable ? 'nothing' : 'error' } },
        depth + 1,
      ),
    );
    return index;
  }
}

/** Lone jobs (POST /api/jobs), each with its callbacks, if any. */
export function planJobs(requests: readonly JobRequest[], resolve: Resolve): Plan {
  const planner = new Planner(resolve, false);
  const roots = requests.map((r, i) => planner.add(r, topLevel(i), null, null));
  return { specs: planner.specs, roots };
}

/** A chain: each step is the success callback of the one before. */
export function planChain(request: ChainRequest, resolve: Resolve): Plan {
  const jobs = listOf(request, 'jobs', 2, MAX_CHAIN_JOBS);
  const planner = new Planner(resolve, true);
  const roots: number[] = [];
  jobs.forEach((step, i) => {
    const where = topLevel(i);
    const before = roots.at(-1);
    const link = before === undefined ? null : successOf(before, jobs[i - 1]!.immutable === true);
    roots.push(planner.add(step, where, 'step', link));
  });
  return { specs: planner.specs, roots };
}

/** A group: its members run in parallel; its callback (a chord) once all have succeeded. */
export function planGroup(request: GroupRequest, resolve: Resolve): Plan {
  const jobs = listOf(request, 'jobs', 1, MAX_GROUP_JOBS);
  const planner = new Planner(resolve, true);
  const roots = jobs.map((m, i) => planner.add(m, topLevel(i), 'member', null));
  if (request.callback !== undefined) {
    if (!isObject(request.callback)) {
      throw Errors.validation('callback must be a job request', { field: 'callback' });
    }
    const where = { index: jobs.length, path: 'callback', top: 'callback' };
    roots.push(
      planner.add(request.callback, where, 'chord', {
        parents: [...roots],
        trigger: { on: 'success', pass: 'results' },
      }),
    );
  }
  return { specs: planner.specs, roots };
}

function successOf(parent: number, immutable: boolean): Link {
  return { parents: [parent], trigger: { on: 'success', pass: immutable ? 'nothing' : 'result' } };
}

function checkCallback(request: JobRequest, where: Where, trigger: JobTrigger): void {
  for (const field of ['delayMs', 'runAt'] as const) {
    if (request[field] !== undefined) {
      throw invalid(where, field, 'is not allowed on a callback: it runs when it fires');
    }
  }
  if (trigger.pass === 'nothing') return;
  const input = request.input;
  if (input !== undefined && input !== null && !Array.isArray(input)) {
    const passed =
      trigger.pass === 'error'
        ? "its parent's error"
        : trigger.pass === 'results'
          ? "its group's results"
          : "its parent's result";
    throw invalid(
      where,
      'input',
      `must be an array or absent: it is the arguments passed after ${passed}`,
    );
  }
}

function callbacksOf(
  request: JobRequest,
  field: 'onSuccess' | 'onError',
  where: Where,
): JobRequest[] {
  const list = request[field];
  if (list === undefined) return [];
  if (!Array.isArray(list) || !list.every(isObject)) {
    throw invalid(where, field, 'must be an array of job requests');
  }
  return list;
}

function listOf(
  request: { jobs: JobRequest[] },
  field: 'jobs',
  min: number,
  max: number,
): JobRequest[] {
  const list: unknown = request[field];
  if (!Array.isArray(list) || list.length < min || list.length > max || !list.every(isObject)) {
    throw Errors.validation(`${field} must be an array of ${min} to ${max} job requests`, {
      field,
    });
  }
  return list as JobRequest[];
}

function isObject(value: unknown): value is JobRequest {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function topLevel(index: number): Where {
  const path = `jobs[${index}]`;
  return { index, path, top: path };
}

function at(where: Where, field: string): Where {
  return { ...where, path: `${where.path}.${field}` };
}

/** ERR_VALIDATION naming `field` of the request at `where`, as the caller wrote it. */
export function invalid(where: Where, field: string, problem: string) {
  const path = field === '' ? where.path : `${where.path}.${field}`;
  return Errors.validation(`${path} ${problem}`, detailsOf(where, field));
}

/** An error's `details`: the top-level request's index, and the field's path from it (`onSuccess[0].input`). */
export function detailsOf(where: Where, field: string): { index: number; field: string } {
  const path = field === '' ? where.path : `${where.path}.${field}`;
  return { index: where.index, field: path === where.top ? '' : path.slice(where.top.length + 1) };
}
