/** A category's wait target (issue 14), shared by the config file and PATCH /api/categories/:name. */
import { MAX_TARGET_WAIT_MS } from '@cadre/core';
import { z } from 'zod';

/** In ms: the wait (due to started) the category's jobs should not exceed. */
export const targetWaitMsSchema = z
  .number()
  .positive()
  .max(MAX_TARGET_WAIT_MS)
  .describe('the wait (due to started, ms) its jobs should not exceed');
