/**
 * /api/openapi.json, generated from the same zod schemas the routes parse
 * with (requests), plus zod descriptions of the answers (responses), so that
 * the document cannot drift from what the server accepts.
 */
import {
  CATCH_UP_MODES,
  ERROR_CODES,
  ERROR_KINDS,
  FAILURE_REASONS,
  FLOW_KINDS,
  FLOW_ROLES,
  FLOW_STATES,
  JOB_STATES,
  MAX_CONCURRENCY,
} from '@cadre/core';
import { z } from 'zod';
import { ACCESS_LEVELS } from './access.js';
import { rateLimitSchema } from '../config/rate-limit-schema.js';
import { historyQuerySchema } from './history-routes.js';
import { observerBodySchema, scheduleBodySchema, schedulePatchSchema } from './schedule-schemas.js';
import {
  categoryPatchSchema,
  chainBodySchema,
  getJobQuerySchema,
  groupBodySchema,
  jobRequestSchema,
  bulkAnswerSchema,
  bulkBodySchema,
  listJobsQuerySchema,
  retryBodySchema,
  submitBodySchema,
} from './schemas.js';

const json = z.unknown().describe('any JSON value');
const isoOrNull = z.string().nullable();

const jobSchema = z.object({
  id: z.string(),
  key: z.string().nullable(),
  category: z.string(),
  task: z.string(),
  input: json,
  state: z
    .enum(JOB_STATES)
    .describe('waiting: a callback waiting for its parents; it never runs until it fires'),
  attempts: z.int(),
  maxRetries: z.int(),
  timeoutMs: z.int().nullable(),
  priority: z.int().describe('its current priority: within its category a higher one starts first'),
  runAt: isoOrNull,
  createdAt: z.string(),
  startedAt: isoOrNull,
  finishedAt: isoOrNull,
  durationMs: z.number().nullable(),
  progress: z.number().nullable(),
  result: json,
  lastError: z
    .object({
      message: z.string(),
      kind: z
        .enum(ERROR_KINDS)
        .describe(
          'upstream: a callback cancelled without running, because a job it waited for failed, was cancelled, or succeeded when it waited for an error',
        ),
    })
    .nullable(),
  failure: z.enum(FAILURE_REASONS).nullable(),
  node: z
    .string()
    .nullable()
    .describe('the node that ran its latest attempt; null before the first'),
  flowId: z.string().nullable().describe('the flow (chain or group) it belongs to, or null'),
  flowRole: z
    .enum(FLOW_ROLES)
    .nullable()
    .describe(
      "its place in that flow: a chain's step, a group's member, a group's chord callback, or a callback of one of those (their onSuccess and onError, at any depth); null outside a flow",
    ),
  parents: z
    .array(z.string())
    .describe(
      "the ids of the jobs it waits for, in order (a callback's parent, a chord's members)",
    ),
  trigger: z
    .object({
      on: z
        .enum(['success', 'error'])
        .describe(
          'success: fires once every parent has succeeded; error: once its parent has failed for good, or was cancelled because a job upstream of it failed',
        ),
      pass: z
        .enum(['result', 'results', 'error', 'nothing'])
        .describe(
          'what it runs with: [parentResult, ...args], [[r1, …, rn], ...args] (a chord), [errorMessage, ...args], or its own input (an immutable parent); args is its input as submitted',
        ),
    })
    .nullable()
    .describe('when a callback fires and what it receives; null for other jobs'),
  schedule: z.string().nullable().describe('the schedule whose tick made it, or null'),
});

const flowSchema = z.object({
  id: z.string(),
  kind: z.enum(FLOW_KINDS),
  state: z
    .enum(FLOW_STATES)
    .describe(
      'running while any of its jobs (callbacks included) has not finished; then succeeded if its jobs and chord all succeeded, else failed if any of them failed, else cancelled',
    ),
  jobs: z.array(jobSchema).describe("a chain's steps or a group's members, in order"),
  callback: jobSchema.nullable().describe("a group's chord callback, or null"),
  callbacks: z
    .array(jobSchema)
    .describe(
      'the other callbacks of its jobs (their onSuccess and onError, at any depth), oldest first',
    ),
  createdAt: z.string(),
});

const allocationSchema = z.record(z.string(), z.int());

const categorySchema = z.object({
  name: z.string(),
  weight: z.number(),
  minWorkers: z.int(),
  maxWorkers: z.int().nullable(),
  paused: z.boolean(),
  concurrency: z
    .int()
    .min(1)
    .max(MAX_CONCURRENCY)
    .describe('jobs of this category one thread runs at once: 1 for CPU-bound work, more for I/O'),
  rateLimit: rateLimitSchema.nullable(),
  rateLimited: z
    .boolean()
    .describe('its queued jobs wait for its rate limit now (its window is full)'),
  orphaned: z
    .boolean()
    .describe(
      'stored jobs name it but the config no longer lists it: they are kept and listed, never run, until it is configured again',
    ),
  waiting: z.int().describe('callbacks waiting for their parents'),
  delayed: z.int(),
  queued: z.int(),
  running: z.int(),
  retrying: z.int(),
  allocated: z.int(),
  succeeded: z.int(),
  failed: z.int(),
  cancelled: z.int(),
  throughput: z.number(),
  targetWaitMs: z
    .number()
    .nullable()
    .describe('the wait (due to started, ms) its jobs should not exceed; null = no target'),
  waitP50Ms: z
    .number()
    .nullable()
    .describe(
      'median wait of the attempts started over the last minute, over the cluster; null when none',
    ),
  waitP95Ms: z
    .number()
    .nullable()
    .describe(
      '95th percentile of the same waits; above targetWaitMs, the category is over its target',
    ),
});

const historyPointSchema = z.object({
  minute: z.string().describe("the minute's start, ISO"),
  category: z.string(),
  succeeded: z.int().describe('attempts that succeeded in this minute'),
  failed: z.int().describe('attempts that ended in failure in this minute (retried or not)'),
  waitP50Ms: z
    .number()
    .nullable()
    .describe('of the attempts started in this minute; null when none'),
  waitP95Ms: z.number().nullable(),
  runP50Ms: z.number().nullable().describe('of the attempts ended in this minute; null when none'),
  runP95Ms: z.number().nullable(),
});

const historySchema = z.object({
  range: z.enum(['5m', '1h', '24h']),
  from: z.string().describe('the first minute of the range, ISO'),
  to: z.string().describe('when it was read, ISO: the range ends with the minute that holds it'),
  stepMs: z.int().describe('the width of a point: 60000'),
  points: z
    .array(historyPointSchema)
    .describe(
      'per minute and category, summed over nodes; only minutes and categories with attempts; by minute, then category',
    ),
});

const statsSchema = z.object({
  workers: z.int().describe('worker threads of the live nodes'),
  nodes: z.int().describe('live nodes'),
  allocation: allocationSchema,
  queued: z.int(),
  running: z.int(),
  waiting: z.int().describe('callbacks waiting for their parents'),
  delayed: z.int(),
  retrying: z.int(),
  succeeded: z.int(),
  failed: z.int(),
  cancelled: z.int(),
  uptimeMs: z.number(),
});

const nodeSchema = z.object({
  name: z.string(),
  tags: z
    .array(z.string())
    .describe('tags it offers: categories with tags run only on nodes that offer all of them'),
  workers: z.int().describe('its worker threads'),
  running: z.int().describe('attempts it runs now'),
  allocation: allocationSchema.describe('slots per category the leader gave it'),
  leader: z.boolean().describe("whether it runs the cluster's balancer now"),
  state: z
    .enum(['live', 'dead'])
    .describe('dead: silent for longer than nodeTimeoutMs; its running jobs were queued again'),
  startedAt: z.string(),
  heartbeatAt: z.string(),
});

const scheduleSchema = z.object({
  name: z.string(),
  cron: z.string().nullable(),
  everyMs: z.int().nullable(),
  tz: z.string().nullable().describe('null: UTC'),
  paused: z.boolean(),
  nextRunAt: isoOrNull.describe('the next tick from now on; null while paused'),
  lastRunAt: isoOrNull.describe('the tick that made the latest job'),
  lastJobId: z.string().nullable(),
  catchUp: z.enum(CATCH_UP_MODES),
  job: scheduleBodySchema.shape.job,
  source: z
    .enum(['config', 'api'])
    .describe('config: saved at each start and deleted once the config drops it'),
});

const observerSchema = z.object({
  name: z.string(),
  query: observerBodySchema.shape.query,
  everyMs: z.int().nullable(),
  at: z.string().nullable(),
  tz: z.string().nullable(),
  nextRunAt: isoOrNull,
  source: z.enum(['config', 'api']),
});

const observerResultSchema = z.object({
  name: z.string(),
  at: z.string().describe('when it was evaluated'),
  count: z.int().describe('every job that matched'),
  ids: z.array(z.string()).describe('the first 1,000 matches, oldest first'),
});

const errorSchema = z.object({
  error: z.object({
    code: z.enum(Object.keys(ERROR_CODES) as [keyof typeof ERROR_CODES]),
    message: z.string(),
    details: json.optional(),
  }),
});

const registry = z.registry<{ id: string }>();
registry.add(jobRequestSchema, { id: 'JobRequest' });
registry.add(submitBodySchema, { id: 'SubmitBody' });
registry.add(categoryPatchSchema, { id: 'CategoryPatch' });
registry.add(jobSchema, { id: 'Job' });
registry.add(flowSchema, { id: 'Flow' });
registry.add(chainBodySchema, { id: 'ChainBody' });
registry.add(groupBodySchema, { id: 'GroupBody' });
registry.add(categorySchema, { id: 'Category' });
registry.add(statsSchema, { id: 'Stats' });
registry.add(historySchema, { id: 'History' });
registry.add(nodeSchema, { id: 'Node' });
registry.add(errorSchema, { id: 'Error' });
registry.add(retryBodySchema, { id: 'RetryBody' });
registry.add(bulkBodySchema, { id: 'BulkBody' });
registry.add(bulkAnswerSchema, { id: 'BulkAnswer' });
registry.add(scheduleBodySchema, { id: 'ScheduleBody' });
registry.add(schedulePatchSchema, { id: 'SchedulePatch' });
registry.add(scheduleSchema, { id: 'Schedule' });
registry.add(observerBodySchema, { id: 'ObserverBody' });
registry.add(observerSchema, { id: 'Observer' });
registry.add(observerResultSchema, { id: 'ObserverResult' });
const taskSchema = z.object({
  name: z.string(),
  category: z.string().nullable(),
  inputSchema: z
    .record(z.string(), z.unknown())
    .nullable()
    .optional()
    .describe("JSON Schema (draft 2020-12) of the task's input; absent when any JSON goes"),
});
registry.add(taskSchema, { id: 'Task' });
registry.add(z.array(taskSchema), { id: 'TaskList' });
registry.add(
  z.object({
    access: z
      .enum(ACCESS_LEVELS)
      .describe(
        'write: CADRE_TOKEN, or a server without tokens; read: CADRE_READ_TOKEN, whose every change answers 403 ERR_READ_ONLY',
      ),
  }),
  { id: 'Access' },
);
registry.add(z.object({ jobs: z.array(jobSchema), nextCursor: z.string().nullable() }), {
  id: 'JobPage',
});

type JsonSchema = Record<string, unknown>;

function components(): Record<string, JsonSchema> {
  const { schemas } = z.toJSONSchema(registry, {
    io: 'input',
    unrepresentable: 'any',
    uri: (id) => `#/components/schemas/${id}`,
  });
  const out: Record<string, JsonSchema> = {};
  for (const [id, schema] of Object.entries(schemas)) {
    const { $schema: _s, $id: _i, ...rest } = schema as JsonSchema;
    out[id] = rest;
  }
  return out;
}

/** Query parameters from a zod object schema. */
function queryParameters(schema: z.ZodObject): JsonSchema[] {
  const { properties = {} } = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as {
    properties?: Record<string, JsonSchema>;
  };
  return Object.entries(properties).map(([name, s]) => ({
    name,
    in: 'query',
    required: false,
    schema: s,
  }));
}

const ref = (id: string) => ({ $ref: `#/components/schemas/${id}` });
const content = (schema: JsonSchema) => ({ 'application/json': { schema } });
const answer = (description: string, schema: JsonSchema) => ({
  description,
  content: content(schema),
});
const errorAnswer = (description: string) => answer(description, ref('Error'));
const pathParam = (name: string) => ({
  name,
  in: 'path',
  required: true,
  schema: { type: 'string' },
});

let cached: JsonSchema | null = null;

export function openApiDocument(): JsonSchema {
  cached ??= {
    openapi: '3.1.0',
    info: {
      title: 'cadre',
      version: '1.0.0',
      description: 'Durable background jobs with weighted worker balancing (shared/API.md).',
    },
    components: {
      schemas: components(),
      securitySchemes: {
        bearer: {
          type: 'http',
          scheme: 'bearer',
          description:
            'CADRE_TOKEN may do anything; CADRE_READ_TOKEN may only read: any other method than GET on /api answers 403 ERR_READ_ONLY',
        },
      },
    },
    security: [{}, { bearer: [] }],
    paths: {
      '/api/jobs': {
        post: {
          summary:
            'Submit one job or a batch of up to 10,000, with their callbacks (at most 10,000 jobs in all)',
          requestBody: { required: true, content: content(ref('SubmitBody')) },
          responses: {
            201: answer('Created, durable (job or array of jobs, in order)', {
              oneOf: [ref('Job'), { type: 'array', items: ref('Job') }],
            }),
            200: answer('Every job already existed (idempotency keys)', {
              oneOf: [ref('Job'), { type: 'array', items: ref('Job') }],
            }),
            400: errorAnswer(
              "Invalid request (named by its path, [1].onSuccess[0].input), unknown task or category, or an input that does not match its task's input schema",
            ),
            413: errorAnswer('Body or an input too large'),
            429: errorAnswer('Queue full'),
            503: errorAnswer('Shutting down or store unavailable'),
          },
        },
        get: {
          summary: 'List jobs, newest first',
          parameters: queryParameters(listJobsQuerySchema),
          responses: { 200: answer('A page', ref('JobPage')), 400: errorAnswer('Invalid query') },
        },
      },
      '/api/jobs/bulk': {
        post: {
          summary:
            'Retry, cancel or delete every job that matches the filter and allows the action; durable before it answers',
          requestBody: { required: true, content: content(ref('BulkBody')) },
          responses: {
            200: answer('How many matched, and how many changed', ref('BulkAnswer')),
            400: errorAnswer('Invalid filter or action, or an unknown category'),
          },
        },
      },
      '/api/jobs/{id}': {
        get: {
          summary: 'One job; with waitMs, waits for it to finish first',
          parameters: [pathParam('id'), ...queryParameters(getJobQuerySchema)],
          responses: { 200: answer('The job', ref('Job')), 404: errorAnswer('Unknown id') },
        },
      },
      '/api/jobs/{id}/cancel': {
        post: {
          summary:
            'Cancel a job that has not finished (a running one is aborted); its callbacks are cancelled, and no error callback starts',
          parameters: [pathParam('id')],
          responses: {
            200: answer('The job', ref('Job')),
            404: errorAnswer('Unknown id'),
            409: errorAnswer('Already finished'),
          },
        },
      },
      '/api/jobs/{id}/retry': {
        post: {
          summary: 'Queue a failed or cancelled job again, with its input or a new one',
          parameters: [pathParam('id')],
          requestBody: { required: false, content: content(ref('RetryBody')) },
          responses: {
            200: answer('The job', ref('Job')),
            400: errorAnswer("The new input does not match the task's input schema"),
            404: errorAnswer('Unknown id'),
            409: errorAnswer('Not failed or cancelled'),
          },
        },
      },
      '/api/chains': {
        post: {
          summary: 'Create a chain of 2 to 100 jobs: each runs with the result of the one before',
          requestBody: { required: true, content: content(ref('ChainBody')) },
          responses: {
            201: answer('Created, durable, every job and callback at once', ref('Flow')),
            400: errorAnswer(
              'Invalid request, named by its path (jobs[1].onSuccess[0].input), unknown task or category',
            ),
            413: errorAnswer('Body or an input too large'),
            429: errorAnswer('Queue full'),
            503: errorAnswer('Shutting down or store unavailable'),
          },
        },
      },
      '/api/groups': {
        post: {
          summary:
            'Create a group of 1 to 1,000 jobs run in parallel, with a chord callback if given',
          requestBody: { required: true, content: content(ref('GroupBody')) },
          responses: {
            201: answer('Created, durable, every job and callback at once', ref('Flow')),
            400: errorAnswer(
              'Invalid request, named by its path (jobs[3].input, callback.onError[0].delayMs), unknown task or category',
            ),
            413: errorAnswer('Body or an input too large'),
            429: errorAnswer('Queue full'),
            503: errorAnswer('Shutting down or store unavailable'),
          },
        },
      },
      '/api/flows/{id}': {
        get: {
          summary: 'A chain or group as it is now',
          parameters: [pathParam('id')],
          responses: {
            200: answer('The flow', ref('Flow')),
            404: errorAnswer('Unknown flow (ERR_FLOW_NOT_FOUND)'),
          },
        },
      },
      '/api/flows/{id}/cancel': {
        post: {
          summary: 'Cancel every job of the flow that has not finished; starts no error callback',
          parameters: [pathParam('id')],
          responses: {
            200: answer('The flow, after', ref('Flow')),
            404: errorAnswer('Unknown flow (ERR_FLOW_NOT_FOUND)'),
          },
        },
      },
      '/api/categories': {
        get: {
          summary: 'Categories',
          responses: { 200: answer('Categories', { type: 'array', items: ref('Category') }) },
        },
      },
      '/api/categories/{name}': {
        patch: {
          summary:
            'Change weight, minWorkers, maxWorkers, paused, concurrency, rateLimit or targetWaitMs',
          parameters: [pathParam('name')],
          requestBody: { required: true, content: content(ref('CategoryPatch')) },
          responses: {
            200: answer('The category', ref('Category')),
            400: errorAnswer('Invalid patch'),
            404: errorAnswer('Unknown category'),
          },
        },
      },
      '/api/history': {
        get: {
          summary:
            'Metrics history per minute and category (succeeded, failed, wait and run p50/p95), kept 24 h across restarts; in a cluster, the sum over nodes',
          parameters: queryParameters(historyQuerySchema),
          responses: {
            200: answer('The history of the range', ref('History')),
            400: errorAnswer('Bad range (ERR_VALIDATION)'),
          },
        },
      },
      '/api/tasks': {
        get: { summary: 'Registered tasks', responses: { 200: answer('Tasks', ref('TaskList')) } },
      },
      '/api/stats': {
        get: { summary: 'Totals', responses: { 200: answer('Stats', ref('Stats')) } },
      },
      '/api/access': {
        get: {
          summary:
            "What the caller's token may do. With CADRE_READ_TOKEN every POST, PATCH and DELETE on /api answers 403 ERR_READ_ONLY",
          responses: { 200: answer('Access level', ref('Access')) },
        },
      },
      '/api/nodes': {
        get: {
          summary: "The cluster's nodes, live and dead; in local mode, the one node",
          responses: { 200: answer('Nodes', { type: 'array', items: ref('Node') }) },
        },
      },
      '/api/nodes/{name}': {
        delete: {
          summary: 'Forget a dead node',
          parameters: [pathParam('name')],
          responses: {
            204: { description: 'Removed' },
            404: errorAnswer('Unknown node (ERR_NODE_NOT_FOUND)'),
            409: errorAnswer('The node is live (ERR_NODE_LIVE)'),
          },
        },
      },
      '/api/schedules': {
        post: {
          summary: 'Create a schedule, or update the one of that name',
          requestBody: { required: true, content: content(ref('ScheduleBody')) },
          responses: {
            201: answer('Created', ref('Schedule')),
            200: answer('Updated', ref('Schedule')),
            400: errorAnswer(
              'Invalid: both or neither of cron and everyMs, a bad cron expression or time zone, an unknown task or category',
            ),
          },
        },
        get: {
          summary: 'Schedules, in name order',
          responses: { 200: answer('Schedules', { type: 'array', items: ref('Schedule') }) },
        },
      },
      '/api/schedules/{name}': {
        get: {
          summary: 'One schedule',
          parameters: [pathParam('name')],
          responses: {
            200: answer('The schedule', ref('Schedule')),
            404: errorAnswer('Unknown schedule (ERR_SCHEDULE_NOT_FOUND)'),
          },
        },
        patch: {
          summary: 'Pause or resume; a resumed schedule does not run the ticks of its pause',
          parameters: [pathParam('name')],
          requestBody: { required: true, content: content(ref('SchedulePatch')) },
          responses: {
            200: answer('The schedule', ref('Schedule')),
            400: errorAnswer('Invalid body'),
            404: errorAnswer('Unknown schedule (ERR_SCHEDULE_NOT_FOUND)'),
          },
        },
        delete: {
          summary: 'Delete a schedule; the jobs it made stay',
          parameters: [pathParam('name')],
          responses: {
            204: { description: 'Deleted' },
            404: errorAnswer('Unknown schedule (ERR_SCHEDULE_NOT_FOUND)'),
          },
        },
      },
      '/api/observers': {
        post: {
          summary: 'Create an observer query, or update the one of that name',
          requestBody: { required: true, content: content(ref('ObserverBody')) },
          responses: {
            201: answer('Created', ref('Observer')),
            200: answer('Updated', ref('Observer')),
            400: errorAnswer(
              'Invalid: both or neither of everyMs and at, a bad time zone, an unknown category or task',
            ),
          },
        },
        get: {
          summary: 'Observers, in name order',
          responses: { 200: answer('Observers', { type: 'array', items: ref('Observer') }) },
        },
      },
      '/api/observers/{name}': {
        delete: {
          summary: 'Delete an observer and its results',
          parameters: [pathParam('name')],
          responses: {
            204: { description: 'Deleted' },
            404: errorAnswer('Unknown observer (ERR_OBSERVER_NOT_FOUND)'),
          },
        },
      },
      '/api/observers/{name}/results': {
        get: {
          summary: 'Its latest 100 results, newest first',
          parameters: [pathParam('name')],
          responses: {
            200: answer('Results', { type: 'array', items: ref('ObserverResult') }),
            404: errorAnswer('Unknown observer (ERR_OBSERVER_NOT_FOUND)'),
          },
        },
      },
      '/healthz': {
        get: {
          summary: 'Liveness (no token needed)',
          security: [],
          responses: { 200: answer('Alive', { type: 'object' }) },
        },
      },
      '/metrics': {
        get: {
          summary: 'Prometheus metrics',
          responses: { 200: { description: 'Prometheus text format' } },
        },
      },
      '/api/openapi.json': {
        get: { summary: 'This document', responses: { 200: { description: 'OpenAPI 3.1' } } },
      },
    },
  };
  return cached;
}
