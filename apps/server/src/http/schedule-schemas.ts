/**
 * The request shapes of the schedule and observer routes (issue 13). zod
 * checks the shapes; the rules that need a parser or the config (a cron
 * expression, a time zone, a task, a category) are the engine's, whose
 * errors name the field the same way.
 */
import { CATCH_UP_MODES, JOB_STATES } from '@cadre/core';
import { z } from 'zod';
import { MAX_DELAY_MS, MAX_TIMEOUT_MS } from './schemas.js';

const name = z
  .string()
  .regex(
    /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/,
    'must be 1..64 letters, digits, _ . - (starting with a letter or digit)',
  );
const shortString = z.string().min(1).max(200);

/**
 * The job each tick makes: a JobRequest without what a recurring job cannot
 * have: a key (each tick's is `schedule:<name>:<tick>`), an absolute runAt,
 * or callbacks.
 */
export const scheduledJobSchema = z.strictObject({
  task: shortString.describe('a registered task'),
  category: shortString.optional().describe("default: the task's category, else 'default'"),
  input: z
    .unknown()
    .optional()
    .describe('any JSON, at most 1 MiB serialized and 1,000 levels deep; default null'),
  delayMs: z.int().min(0).max(MAX_DELAY_MS).optional().describe('after its tick'),
  maxRetries: z.int().min(0).max(100).optional(),
  timeoutMs: z.int().min(1).max(MAX_TIMEOUT_MS).optional(),
});

export const scheduleBodySchema = z.strictObject({
  name,
  cron: z
    .string()
    .min(1)
    .max(200)
    .optional()
    .describe('5 fields, or 6 with seconds first; exactly one of cron and everyMs'),
  everyMs: z
    .int()
    .min(100)
    .max(MAX_DELAY_MS)
    .optional()
    .describe('a period; ticks fall on whole multiples of it since the Unix epoch'),
  tz: z.string().min(1).max(100).optional().describe('IANA time zone of cron; default UTC'),
  job: scheduledJobSchema,
  catchUp: z
    .enum(CATCH_UP_MODES)
    .optional()
    .describe(
      'ticks missed while no node ran them: none skips them, last (default) runs the latest, all runs each (at most the latest 100)',
    ),
});

export const schedulePatchSchema = z.strictObject({ paused: z.boolean() });

export const observerQuerySchema = z.strictObject({
  state: z.enum(JOB_STATES).optional(),
  category: shortString.optional(),
  task: shortString.optional(),
  olderThanMs: z
    .int()
    .min(0)
    .optional()
    .describe('the job was created at least this long before the evaluation'),
});

export const observerBodySchema = z.strictObject({
  name,
  query: observerQuerySchema,
  everyMs: z.int().min(100).max(MAX_DELAY_MS).optional().describe('exactly one of everyMs and at'),
  at: z
    .string()
    .regex(/^([01]\d|2[0-3]):[0-5]\d:[0-5]\d$/, "must be a time of day 'HH:MM:SS'")
    .optional()
    .describe('daily, at this time of day'),
  tz: z.string().min(1).max(100).optional().describe('IANA time zone of at; default UTC'),
});
