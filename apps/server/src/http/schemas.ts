/**
 * Every request shape the HTTP API accepts, in one place: the routes parse
 * with these and /api/openapi.json is generated from them.
 */
import {
  BULK_ACTIONS,
  JOB_STATES,
  MAX_BULK_IDS,
  MAX_CHAIN_JOBS,
  MAX_CONCURRENCY,
  MAX_GROUP_JOBS,
  MAX_PRIORITY,
  MAX_REQUEST_JOBS,
  MIN_PRIORITY,
} from '@cadre/core';
import { z } from 'zod';
import { rateLimitSchema } from '../config/rate-limit-schema.js';
import { targetWaitMsSchema } from '../config/target-wait-schema.js';

/** Batches beyond this are refused whole. */
export const MAX_BATCH = 10_000;
/** Serialized size limit of one job's input. */
export const MAX_INPUT_BYTES = 1024 * 1024;
/**
 * Nesting limit of one job's input (`[[1]]` nests 2 levels). Deeper values
 * overflow the stack of whatever walks them (JSON.stringify, the copy to a
 * worker thread) at a depth that depends on the stack, so the limit is set
 * well below that.
 */
export const MAX_INPUT_DEPTH = 1000;
/** A year: a delay beyond it is almost surely a unit mistake. */
export const MAX_DELAY_MS = 365 * 24 * 60 * 60 * 1000;
export const MAX_TIMEOUT_MS = 24 * 60 * 60 * 1000;
export const MAX_WAIT_MS = 30_000;

const shortString = z.string().min(1).max(200);

/** Search text (issue 14): what `GET /api/jobs?q=` and a bulk filter look for. */
const searchText = z.string().max(200);
const searchDescription =
  'text in the id, key or task of the job, or in its input, result or lastError (message and kind) as JSON text, in any case; empty: no filter';

/** A job to create, with its callbacks (`onSuccess`, `onError`), which are job requests too. */
export interface JobRequestBody {
  task: string;
  category?: string | undefined;
  input?: unknown;
  delayMs?: number | undefined;
  runAt?: string | undefined;
  maxRetries?: number | undefined;
  timeoutMs?: number | undefined;
  priority?: number | undefined;
  key?: string | undefined;
  onSuccess?: JobRequestBody[] | undefined;
  onError?: JobRequestBody[] | undefined;
  immutable?: boolean | undefined;
}

// The callback lists refer to the request schema itself: zod reads them
// through getters, so the schema can be recursive, and its JSON Schema
// refers to JobRequest by $ref.
const callbackList = (when: string): z.ZodOptional<z.ZodArray<z.ZodType<JobRequestBody>>> =>
  z
    .array(jobRequestSchema)
    .max(MAX_REQUEST_JOBS)
    .optional()
    .describe(
      `jobs created \`waiting\` with this one, queued when it ${when}; a callback has no delayMs, runAt or key, and its input is an array of further arguments (or absent) unless this job is immutable`,
    );

export const jobRequestSchema: z.ZodType<JobRequestBody> = z
  .strictObject({
    task: shortString.describe('a registered task'),
    category: shortString.optional().describe("default: the task's category, else 'default'"),
    // Not z.json(): the body came from JSON.parse, so it is JSON already, and
    // walking 10,000 inputs again (recursively) would only cost time and stack.
    input: z
      .unknown()
      .optional()
      .describe('any JSON, at most 1 MiB serialized and 1,000 levels deep; default null'),
    delayMs: z.int().min(0).max(MAX_DELAY_MS).optional(),
    runAt: z.iso.datetime({ offset: true }).optional().describe('ISO time'),
    maxRetries: z.int().min(0).max(100).optional(),
    timeoutMs: z.int().min(1).max(MAX_TIMEOUT_MS).optional(),
    priority: z
      .int()
      .min(MIN_PRIORITY)
      .max(MAX_PRIORITY)
      .optional()
      .describe(
        'higher starts first within its category, FIFO among equals; lowered by 1 on each retry after a retryable failure; default 0',
      ),
    key: shortString
      .optional()
      .describe(
        'idempotency key; not allowed on a job with callbacks, on a callback, or in a chain or group',
      ),
    get onSuccess() {
      return callbackList('succeeds');
    },
    get onError() {
      return callbackList('fails for good');
    },
    immutable: z
      .boolean()
      .optional()
      .describe(
        'when true, its callbacks run with their own input, without its result or error; default false',
      ),
  })
  .refine((r) => r.delayMs === undefined || r.runAt === undefined, {
    message: 'give delayMs or runAt, not both',
    path: ['runAt'],
  });

export const submitBodySchema = z.union([
  jobRequestSchema,
  z.array(jobRequestSchema).min(1).max(MAX_BATCH),
]);

export const chainBodySchema = z.strictObject({
  jobs: z
    .array(jobRequestSchema)
    .min(2, `a chain has 2 to ${MAX_CHAIN_JOBS} jobs`)
    .max(MAX_CHAIN_JOBS, `a chain has 2 to ${MAX_CHAIN_JOBS} jobs`)
    .describe('the steps, in order: each is the success callback of the one before'),
});

export const groupBodySchema = z.strictObject({
  jobs: z
    .array(jobRequestSchema)
    .min(1, `a group has 1 to ${MAX_GROUP_JOBS} jobs`)
    .max(MAX_GROUP_JOBS, `a group has 1 to ${MAX_GROUP_JOBS} jobs`)
    .describe('the members, run in parallel'),
  callback: jobRequestSchema
    .optional()
    .describe(
      "the chord: runs with [[r1, …, rn], ...args] once every member has succeeded (args: its own input, an array, or absent); cancelled (kind 'upstream') if one fails for good",
    ),
});

/** An extension of API.md: a retry may run the job with a new input. */
export const retryBodySchema = z.strictObject({
  input: z
    .unknown()
    .optional()
    .describe("replaces the job's input; checked against the task's input schema"),
});

export const getJobQuerySchema = z.object({
  waitMs: z.coerce.number().int().min(0).max(MAX_WAIT_MS).optional(),
});

export const listJobsQuerySchema = z.object({
  category: shortString.optional(),
  state: z.enum(JOB_STATES).optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
  cursor: z.string().min(1).max(1000).optional(),
  /** An extension of API.md: the job with this idempotency key, if any. */
  key: shortString.optional(),
  flowId: shortString.optional().describe('the jobs of this flow'),
  task: shortString.optional().describe('the jobs of this task'),
  q: searchText.optional().describe(searchDescription),
});

/** Issue 14: `POST /api/jobs/bulk`. */
export const bulkBodySchema = z.strictObject({
  filter: z
    .strictObject({
      category: shortString.optional(),
      state: z.enum(JOB_STATES).optional(),
      task: shortString.optional(),
      q: searchText.optional().describe(searchDescription),
      flowId: shortString.optional(),
      ids: z
        .array(z.string().min(1).max(200))
        .min(1)
        .max(MAX_BULK_IDS)
        .optional()
        .describe('only these jobs (a selection); given, it is the whole filter'),
    })
    .refine((f) => f.ids === undefined || Object.keys(f).length === 1, {
      message: 'filter.ids is the whole filter: give no other field with it',
      path: ['ids'],
    })
    .describe('which jobs; {} means every job'),
  action: z
    .enum(BULK_ACTIONS)
    .describe(
      'retry: failed and cancelled jobs; cancel: unfinished jobs; delete: finished jobs (succeeded, failed, cancelled) that no waiting callback needs',
    ),
});

export const bulkAnswerSchema = z.object({
  matched: z.int().describe('jobs that matched the filter'),
  changed: z.int().describe('jobs the action changed (the others did not allow it)'),
});

export const categoryPatchSchema = z
  .strictObject({
    weight: z.number().positive().max(1_000_000).optional(),
    minWorkers: z.int().min(0).max(1024).optional(),
    maxWorkers: z.int().min(1).max(1024).nullable().optional(),
    paused: z.boolean().optional(),
    concurrency: z.int().min(1).max(MAX_CONCURRENCY).optional(),
    rateLimit: rateLimitSchema.nullable().optional().describe('null lifts the limit'),
    targetWaitMs: targetWaitMsSchema.nullable().optional().describe('null clears the target'),
  })
  .refine((p) => Object.keys(p).length > 0, {
    message:
      'give at least one of weight, minWorkers, maxWorkers, paused, concurrency, rateLimit, targetWaitMs',
  });
