/**
 * Checks of request bodies shared by the route modules (app.ts,
 * schedule-routes.ts): zod parsing into ERR_VALIDATION that names the
 * fields, and the limits of one job's input.
 */
import { CadreError, Errors } from '@cadre/core';
import type { z } from 'zod';
import { describeIssues, fieldIssues } from '../config/zod-issues.js';
import { MAX_INPUT_BYTES, MAX_INPUT_DEPTH } from './schemas.js';

/** Parses with `schema` or throws ERR_VALIDATION naming the fields. */
export function parse<S extends z.ZodType>(schema: S, value: unknown): z.output<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issues = fieldIssues(result.error);
  throw Errors.validation(describeIssues(issues), { issues });
}

/**
 * Throws ERR_VALIDATION for an input nested deeper than MAX_INPUT_DEPTH, and
 * ERR_PAYLOAD_TOO_LARGE for one over MAX_INPUT_BYTES; `path` names the input
 * (`input`, `[3].input`, `jobs[0].onSuccess[1].input`, `job.input`), `index`
 * the top-level request it belongs to.
 */
export function checkInput(input: unknown, path: string, index: number | null): void {
  if (input === undefined) return;
  if (nestsDeeperThan(input, MAX_INPUT_DEPTH)) {
    throw Errors.validation(`${path}: the input nests deeper than ${MAX_INPUT_DEPTH} levels`, {
      index,
      path,
      limit: MAX_INPUT_DEPTH,
    });
  }
  const bytes = Buffer.byteLength(JSON.stringify(input) ?? 'null');
  if (bytes <= MAX_INPUT_BYTES) return;
  throw new CadreError(
    'ERR_PAYLOAD_TOO_LARGE',
    `${path}: the input is ${bytes} bytes serialized; the limit is ${MAX_INPUT_BYTES}`,
    { index, path, bytes, limit: MAX_INPUT_BYTES },
  );
}

/** Whether arrays and objects nest in `value` more than `levels` deep; stops there. */
export function nestsDeeperThan(value: unknown, levels: number): boolean {
  if (typeof value !== 'object' || value === null) return false;
  if (levels === 0) return true;
  if (Array.isArray(value)) {
    for (const v of value) if (nestsDeeperThan(v, levels - 1)) return true;
    return false;
  }
  for (const v of Object.values(value)) if (nestsDeeperThan(v, levels - 1)) return true;
  return false;
}
