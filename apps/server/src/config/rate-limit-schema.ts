// A module of its own: the config's schema and the HTTP schemas both import
// it, and the config's schema already imports the HTTP ones (schedules).
import { MAX_RATE_STARTS, MAX_RATE_WINDOW_MS } from '@cadre/core';
import { z } from 'zod';

/** A category's rate limit, in the config and in PATCH /api/categories/:name. */
export const rateLimitSchema = z
  .strictObject({
    max: z.int().min(1).max(MAX_RATE_STARTS).describe('starts allowed in one window'),
    perMs: z.int().min(1).max(MAX_RATE_WINDOW_MS).describe("the sliding window's length, in ms"),
  })
  .describe(
    'at most `max` of its jobs start in any sliding window of `perMs` ms, over the whole cluster; the others stay queued',
  );
