/**
 * The metrics history route (issue 14): `GET /api/history?range=5m|1h|24h`,
 * per minute and category, summed over the cluster's nodes, as the backend
 * holds it (each node flushes every 10 s and at a graceful stop).
 */
import { HISTORY_RANGE_NAMES } from '@cadre/core';
import type { Engine } from '@cadre/engine';
import express, { type Router } from 'express';
import { z } from 'zod';
import { parse } from './request-checks.js';

export const historyQuerySchema = z.object({
  range: z
    .enum(HISTORY_RANGE_NAMES as [string, ...string[]])
    .default('1h')
    .describe('how far back, ending with the current minute'),
});

export function historyRoutes({ engine }: { engine: Engine }): Router {
  const router = express.Router();
  router.get('/history', async (req, res) => {
    const { range } = parse(historyQuerySchema, req.query);
    res.json(await engine.history(range as (typeof HISTORY_RANGE_NAMES)[number]));
  });
  return router;
}
