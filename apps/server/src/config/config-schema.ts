/**
 * The config file's shape (zod 4). Every field is optional except `tasks` and
 * the names; defaults are filled in here so that load-config only resolves
 * paths and cross-references.
 */
import { BACKOFF_KINDS, MAX_CONCURRENCY } from '@cadre/core';
import { z } from 'zod';
import { rateLimitSchema } from './rate-limit-schema.js';
import { targetWaitMsSchema } from './target-wait-schema.js';
import { observerBodySchema, scheduleBodySchema } from '../http/schedule-schemas.js';

/** Names appear in URLs, metric labels and log lines: keep them plain. */
export const NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;
const name = z
  .string()
  .regex(NAME_PATTERN, 'must be 1..64 letters, digits, _ . - (starting with a letter or digit)');

/**
 * A node's tag: tags travel comma-separated in CADRE_NODE_TAGS and show on
 * the dashboard, so they follow the rule of names.
 */
export const tagSchema = z
  .string()
  .min(1, { error: 'must not be empty', abort: true })
  .regex(NAME_PATTERN, 'must be 1..64 letters, digits, _ . - (starting with a letter or digit)');

const tags = z
  .array(tagSchema)
  .max(32)
  .superRefine((list, ctx) => {
    list.forEach((tag, i) => {
      if (list.indexOf(tag) !== i)
        ctx.addIssue({ code: 'custom', path: [i], message: `duplicate tag '${tag}'` });
    });
  });

const ms = z.int().min(0);
/** One day: longer attempts are a mistake rather than a setting. */
const MAX_TIMEOUT_MS = 86_400_000;

export const backoffSchema = z
  .strictObject({
    kind: z.enum(BACKOFF_KINDS).default('exponential'),
    baseMs: ms.default(1000),
    maxMs: ms.default(60_000),
    jitter: z.number().min(0).max(1).default(0.2),
  })
  .refine((b) => b.maxMs >= b.baseMs, { message: 'maxMs must be ≥ baseMs', path: ['maxMs'] });

export const categorySchema = z.strictObject({
  name,
  weight: z.number().positive().max(1_000_000).default(1),
  minWorkers: z.int().min(0).max(1024).default(0),
  maxWorkers: z.int().min(1).max(1024).nullable().default(null),
  maxRetries: z.int().min(0).max(100).default(3),
  backoff: backoffSchema.prefault({}),
  timeoutMs: z.int().min(1).max(MAX_TIMEOUT_MS).nullable().default(null),
  maxQueued: z.int().min(1).nullable().default(null),
  tags: tags.default([]),
  concurrency: z.int().min(1).max(MAX_CONCURRENCY).default(1),
  rateLimit: rateLimitSchema.nullable().default(null),
  lowerPriorityOnRetry: z.boolean().default(true),
  targetWaitMs: targetWaitMsSchema.nullable().default(null),
});

export const taskSchema = z.strictObject({
  name,
  module: z.string().min(1),
  export: z.string().min(1).default('default'),
  category: name.nullable().default(null),
  maxRetries: z.int().min(0).max(100).nullable().default(null),
  timeoutMs: z.int().min(1).max(MAX_TIMEOUT_MS).nullable().default(null),
});

export const configFileSchema = z.strictObject({
  $schema: z.string().optional(),
  workers: z.int().min(1).max(1024).optional(),
  balanceIntervalMs: z.int().min(10).max(3_600_000).default(1000),
  categories: z.array(categorySchema).default([]),
  // Cross-checked with balanceIntervalMs once the environment is applied (cluster-settings.ts).
  cluster: z
    .strictObject({
      leaseMs: z.int().min(10).max(3_600_000).optional(),
      nodeTimeoutMs: z.int().min(10).max(86_400_000).optional(),
    })
    .prefault({}),
  tasks: z.array(taskSchema).default([]),
  // Created or updated at each start; those a later config drops are deleted (issue 13).
  schedules: z.array(scheduleBodySchema).default([]),
  observers: z.array(observerBodySchema).default([]),
  // Failed jobs have their own, longer retention: see RetentionPolicy in @cadre/core.
  retention: z
    .strictObject({
      maxAgeMs: ms.default(3_600_000),
      maxCount: z.int().min(0).default(50_000),
      failed: z
        .strictObject({
          maxAgeMs: ms.default(7 * 86_400_000),
          maxCount: z.int().min(0).default(100_000),
        })
        .prefault({}),
    })
    .prefault({}),
  // Backpressure by default: a million waiting jobs fit well within 1.5 GB (see BENCHMARKS.md).
  maxQueuedTotal: z.int().min(1).nullable().default(1_000_000),
  maxResultBytes: z
    .int()
    .min(1)
    .default(1024 * 1024),
  resourceLimits: z
    .strictObject({
      maxOldGenerationSizeMb: z.int().min(16),
      maxYoungGenerationSizeMb: z.int().min(1).optional(),
      stackSizeMb: z.number().positive().optional(),
    })
    .nullable()
    .default(null),
});

export type ConfigFile = z.output<typeof configFileSchema>;
