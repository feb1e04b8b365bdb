/**
 * The job requests of a body and their callbacks (`onSuccess`, `onError`),
 * each with its path as the caller wrote it (`[1].onSuccess[0]`,
 * `jobs[2].onError[1]`, `callback`).
 *
 * `checkJobTree` runs before zod: zod parses callbacks recursively, so a body
 * nesting them 100,000 deep would overflow its stack, and 16 MiB of body can
 * hold far more callbacks than one request may create. It looks at nothing
 * but the callback lists, and leaves every other mistake to zod.
 */
import { Errors, MAX_CALLBACK_DEPTH, MAX_REQUEST_JOBS } from '@cadre/core';

/** A top-level request of a body: its path, and its index (null for a lone job). */
export interface Root {
  request: unknown;
  path: string;
  index: number | null;
}

export interface Placed extends Root {
  /** 0 for a top-level request, 1 for its callbacks, and so on. */
  depth: number;
}

/** The top-level requests of a `POST /api/jobs` body: one job, or a batch. */
export function jobRoots(body: unknown): Root[] {
  if (!Array.isArray(body)) return [{ request: body, path: '', index: null }];
  return body.map((request, i) => ({ request, path: `[${i}]`, index: i }));
}

/** The top-level requests of a chain's or a group's body: its jobs, then a group's callback. */
export function flowRoots(body: unknown): Root[] {
  if (!isObject(body)) return [];
  const roots: Root[] = Array.isArray(body.jobs)
    ? body.jobs.map((request, i) => ({ request, path: `jobs[${i}]`, index: i }))
    : [];
  if (body.callback !== undefined) {
    roots.push({ request: body.callback, path: 'callback', index: null });
  }
  return roots;
}

/**
 * Calls `visit` for every request under `roots`, callbacks included, parents
 * before their callbacks. Skips what is not an object, and callback lists
 * that are not arrays: those are zod's to name.
 */
export function eachJob(roots: readonly Root[], visit: (placed: Placed) => void): void {
  // A stack, not recursion: the walk must not itself run out of stack. Items
  // are pushed last to first, so that they come off it in order; one by one,
  // as a list may be too long to spread into arguments.
  const stack: Placed[] = [];
  for (let i = roots.length - 1; i >= 0; i -= 1) {
    const root = roots[i]!;
    stack.push({ request: root.request, path: root.path, index: root.index, depth: 0 });
  }
  for (let placed = stack.pop(); placed !== undefined; placed = stack.pop()) {
    const request = placed.request;
    if (!isObject(request)) continue;
    visit(placed);
    if (request.onError !== undefined) pushCallbacks(stack, placed, 'onError', request.onError);
    if (request.onSuccess !== undefined) {
      pushCallbacks(stack, placed, 'onSuccess', request.onSuccess);
    }
  }
}

function pushCallbacks(stack: Placed[], parent: Placed, field: string, list: unknown): void {
  if (!Array.isArray(list)) return;
  for (let i = list.length - 1; i >= 0; i -= 1) {
    stack.push({
      request: list[i],
      path: joinPath(parent.path, `${field}[${i}]`),
      index: parent.index,
      depth: parent.depth + 1,
    });
  }
}

/** ERR_VALIDATION when callbacks nest deeper than MAX_CALLBACK_DEPTH or the body holds too many jobs. */
export function checkJobTree(roots: readonly Root[]): void {
  let jobs = 0;
  eachJob(roots, ({ path, index, depth }) => {
    if (depth > MAX_CALLBACK_DEPTH) {
      throw Errors.validation(`${path}: callbacks nest at most ${MAX_CALLBACK_DEPTH} deep`, {
        index,
        path,
        limit: MAX_CALLBACK_DEPTH,
      });
    }
    jobs += 1;
    if (jobs > MAX_REQUEST_JOBS) {
      throw Errors.validation(
        `one request creates at most ${MAX_REQUEST_JOBS} jobs, callbacks included`,
        { limit: MAX_REQUEST_JOBS },
      );
    }
  });
}

/** `path.field`, or `field` at the top of a lone job. */
export function joinPath(path: string, field: string): string {
  return path === '' ? field : `${path}.${field}`;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
