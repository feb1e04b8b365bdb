/**
 * The schedule and observer routes (issue 13, shared/API.md). Thin, like the
 * rest: parse, call the engine, let error-status.ts map the errors.
 *
 * Decision: `POST` of a name that exists updates it (as BullMQ's
 * upsertJobScheduler does), answering 200; a new one answers 201.
 */
import type { JobRequest, ObserverRequest, ScheduleRequest } from '@cadre/core';
import type { Engine } from '@cadre/engine';
import express, { type RequestHandler, type Router } from 'express';
import { requireJson } from './json-body.js';
import { checkInput, parse } from './request-checks.js';
import { observerBodySchema, scheduleBodySchema, schedulePatchSchema } from './schedule-schemas.js';

export interface ScheduleRoutesDeps {
  engine: Engine;
  /** Refuses new work once shutdown began. */
  refuseWhileDraining: RequestHandler;
}

export function scheduleRoutes({ engine, refuseWhileDraining }: ScheduleRoutesDeps): Router {
  const router = express.Router();

  router.post('/schedules', refuseWhileDraining, async (req, res) => {
    const body = parse(scheduleBodySchema, requireJson(req));
    checkInput(body.job.input, 'job.input', null);
    const request: ScheduleRequest = { ...body, job: body.job as JobRequest };
    const { schedule, created } = await engine.saveSchedule(request);
    res.status(created ? 201 : 200).json(schedule);
  });

  router.get('/schedules', async (_req, res) => {
    res.json(await engine.schedules());
  });

  router.get('/schedules/:name', async (req, res) => {
    res.json(await engine.schedule(req.params.name as string));
  });

  router.patch('/schedules/:name', async (req, res) => {
    const name = req.params.name as string;
    // Unknown schedule first: a 404 says more than a complaint about the body.
    await engine.schedule(name);
    const { paused } = parse(schedulePatchSchema, requireJson(req));
    res.json(await engine.pauseSchedule(name, paused));
  });

  router.delete('/schedules/:name', async (req, res) => {
    await engine.deleteSchedule(req.params.name as string);
    res.status(204).end();
  });

  router.post('/observers', refuseWhileDraining, async (req, res) => {
    const request: ObserverRequest = parse(observerBodySchema, requireJson(req));
    const { observer, created } = await engine.saveObserver(request);
    res.status(created ? 201 : 200).json(observer);
  });

  router.get('/observers', async (_req, res) => {
    res.json(await engine.observers());
  });

  router.delete('/observers/:name', async (req, res) => {
    await engine.deleteObserver(req.params.name as string);
    res.status(204).end();
  });

  router.get('/observers/:name/results', async (req, res) => {
    res.json(await engine.observerResults(req.params.name as string));
  });

  return router;
}
