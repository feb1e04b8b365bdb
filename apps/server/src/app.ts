/**
 * The HTTP API (shared/API.md). `createApp` builds the express app and never
 * listens: main.ts and the tests own the server. Routes are thin: parse with
 * the zod schemas, call the engine, map errors through error-status.ts.
 */
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import {
  CadreError,
  Errors,
  type ChainRequest,
  type GroupRequest,
  type JobRequest,
  type Json,
} from '@cadre/core';
import type { Engine } from '@cadre/engine';
import express, {
  type NextFunction,
  type Request,
  type RequestHandler,
  type Response,
} from 'express';
import cors from 'cors';
import helmet from 'helmet';
import { accessOf, refuseReadOnly } from './http/access.js';
import { requireToken, type FailureLimiter } from './http/auth.js';
import { sendCadreError } from './http/error-status.js';
import { jsonBody, requireJson } from './http/json-body.js';
import {
  checkJobTree,
  eachJob,
  flowRoots,
  jobRoots,
  joinPath,
  type Root,
} from './http/job-tree.js';
import { openApiDocument } from './http/openapi.js';
import { checkInput, parse } from './http/request-checks.js';
import { historyRoutes } from './http/history-routes.js';
import { scheduleRoutes } from './http/schedule-routes.js';
import {
  MAX_BATCH,
  bulkBodySchema,
  categoryPatchSchema,
  chainBodySchema,
  getJobQuerySchema,
  groupBodySchema,
  jobRequestSchema,
  listJobsQuerySchema,
  retryBodySchema,
} from './http/schemas.js';
import type { Metrics } from './metrics.js';

export interface AppLogger {
  error(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  debug(obj: object, msg?: string): void;
}

export interface AppDeps {
  engine: Engine;
  logger: AppLogger;
  metrics: Metrics;
  /** When set, `/api/*` and `/metrics` need `Authorization: Bearer <token>`. */
  token?: string | null;
  /**
   * A second token that may read everything and change nothing (403
   * ERR_READ_ONLY); only with `token`.
   */
  readToken?: string | null;
  /** Origin allowed to call the API cross-origin; null = none (no CORS headers). */
  corsOrigin?: string | null;
  /** The built dashboard; served at `/` when the directory exists. */
  webDir?: string | null;
  /** True once shutdown began: new work is refused with 503 ERR_SHUTTING_DOWN. */
  isDraining?: () => boolean;
  /** Failed-token limiter; injectable for tests. */
  authLimiter?: FailureLimiter;
}

const batchSchema = jobRequestSchema.array().min(1).max(MAX_BATCH);

export function createApp(deps: AppDeps): express.Express {
  const { engine, logger, metrics } = deps;
  const token = deps.token ?? null;
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);

  app.use(
    helmet({
      contentSecurityPolicy: {
        directives: {
          // socket.io upgrades to a websocket on the same origin; older
          // browsers do not count ws: as 'self'.
          connectSrc: ["'self'", 'ws:', 'wss:'],
          // Served over plain http on loopback: upgrading would break it.
          upgradeInsecureRequests: null,
        },
      },
      strictTransportSecurity: false,
    }),
  );
  if (deps.corsOrigin) {
    app.use(
      cors({
        origin: deps.corsOrigin,
        methods: ['GET', 'POST', 'PATCH', 'DELETE'],
        allowedHeaders: ['Authorization', 'Content-Type'],
        maxAge: 600,
      }),
    );
  }

  app.get('/healthz', (_req, res) => {
    res.json({ ok: true });
  });

  if (token !== null) {
    const guard = requireToken({ write: token, read: deps.readToken ?? null }, deps.authLimiter);
    app.use('/api', guard, refuseReadOnly);
    app.use('/metrics', guard);
  } else if (deps.readToken) {
    // A read-only token beside an open API would restrict nobody.
    throw Errors.config('CADRE_READ_TOKEN', 'needs CADRE_TOKEN as well');
  }

  app.get('/metrics', async (_req, res) => {
    res.setHeader('Content-Type', metrics.contentType);
    res.send(await metrics.render());
  });

  const api = express.Router();
  api.use(jsonBody());

  const refuseWhileDraining: RequestHandler = (_req, _res, next) => {
    next(deps.isDraining?.() === true ? Errors.shuttingDown() : undefined);
  };

  api.post('/jobs', refuseWhileDraining, async (req, res) => {
    const body = requireJson(req);
    checkJobTree(jobRoots(body));
    const many = Array.isArray(body);
    const requests = many ? parse(batchSchema, body) : [parse(jobRequestSchema, body)];
    checkInputs(jobRoots(many ? requests : requests[0]));
    const results = await engine.submit(requests as JobRequest[]);
    // Decision: a batch answers 201 if it created any job, 200 if every job
    // already existed (all idempotency keys matched).
    res.status(results.some((r) => r.created) ? 201 : 200);
    if (many) res.json(results.map((r) => r.job));
    else res.json(results[0]?.job);
  });

  api.post('/chains', refuseWhileDraining, async (req, res) => {
    const body = requireJson(req);
    checkJobTree(flowRoots(body));
    const chain = parse(chainBodySchema, body);
    checkInputs(flowRoots(chain));
    res.status(201).json(await engine.submitChain(chain as ChainRequest));
  });

  api.post('/groups', refuseWhileDraining, async (req, res) => {
    const body = requireJson(req);
    checkJobTree(flowRoots(body));
    const group = parse(groupBodySchema, body);
    checkInputs(flowRoots(group));
    res.status(201).json(await engine.submitGroup(group as GroupRequest));
  });

  api.get('/flows/:id', async (req, res) => {
    res.json(await engine.flow(req.params.id as string));
  });

  api.post('/flows/:id/cancel', async (req, res) => {
    res.json(await engine.cancelFlow(req.params.id as string));
  });

  api.get('/jobs', async (req, res) => {
    const query = parse(listJobsQuerySchema, req.query);
    res.json(await engine.list(query));
  });

  api.post('/jobs/bulk', async (req, res) => {
    const { filter, action } = parse(bulkBodySchema, requireJson(req));
    res.json(await engine.bulk(filter, action));
  });

  api.get('/jobs/:id', async (req, res) => {
    const { waitMs } = parse(getJobQuerySchema, req.query);
    const id = req.params.id as string;
    res.json(
      waitMs === undefined || waitMs === 0
        ? await engine.get(id)
        : await engine.waitFor(id, waitMs),
    );
  });

  api.post('/jobs/:id/cancel', async (req, res) => {
    res.json(await engine.cancel(req.params.id as string));
  });

  api.post('/jobs/:id/retry', refuseWhileDraining, async (req, res) => {
    // The body is optional: without one, the job runs again with its own input.
    const { input } = req.body === undefined ? {} : parse(retryBodySchema, req.body);
    checkInput(input, 'input', null);
    res.json(await engine.retry(req.params.id as string, { input: input as Json | undefined }));
  });

  api.get('/categories', async (_req, res) => {
    res.json(await engine.categories());
  });

  api.patch('/categories/:name', async (req, res) => {
    const name = req.params.name as string;
    // Unknown category first: a 404 says more than a complaint about the body.
    if (!(await engine.categories()).some((c) => c.name === name))
      throw Errors.unknownCategory(name);
    const patch = parse(categoryPatchSchema, requireJson(req));
    res.json(await engine.patchCategory(name, patch));
  });

  api.get('/tasks', (_req, res) => {
    res.json(engine.tasks());
  });

  api.get('/stats', async (_req, res) => {
    res.json(await engine.stats());
  });

  api.get('/nodes', async (_req, res) => {
    res.json(await engine.nodes());
  });

  api.delete('/nodes/:name', async (req, res) => {
    await engine.removeNode(req.params.name as string);
    res.status(204).end();
  });

  api.use(scheduleRoutes({ engine, refuseWhileDraining }));
  api.use(historyRoutes({ engine }));

  api.get('/access', (_req, res) => {
    res.json({ access: accessOf(res) });
  });

  api.get('/openapi.json', (_req, res) => {
    res.json(openApiDocument());
  });

  api.use((req, _res, next) => {
    next(new CadreError('ERR_NOT_FOUND', `no route ${req.method} ${req.baseUrl}${req.path}`));
  });

  // Status overrides for the category routes: there, an unknown category is
  // the resource itself missing.
  api.use('/categories', (err: unknown, _req: Request, res: Response, next: NextFunction) => {
    if (!sendCadreError(res, err, { ERR_UNKNOWN_CATEGORY: 404 })) next(err);
  });

  app.use('/api', api);

  const webDir = deps.webDir ?? null;
  if (webDir !== null && isDirectory(webDir)) {
    app.use(express.static(webDir, { index: 'index.html' }));
    const index = join(webDir, 'index.html');
    // SPA fallback: client-side routes load the dashboard.
    app.use((req, res, next) => {
      if ((req.method !== 'GET' && req.method !== 'HEAD') || !existsSync(index)) {
        next();
        return;
      }
      if (/^\/(api|metrics|healthz|socket\.io)(\/|$)/.test(req.path)) {
        next();
        return;
      }
      res.sendFile(index);
    });
  }

  app.use((req, _res, next) => {
    next(new CadreError('ERR_NOT_FOUND', `no route ${req.method} ${req.path}`));
  });

  app.use((err: unknown, req: Request, res: Response, _next: NextFunction) => {
    if (res.headersSent) {
      res.destroy();
      return;
    }
    if (sendCadreError(res, err)) return;
    // Express and body-parser flag the client's mistakes (an undecodable %
    // escape in the path, a body that does not inflate) with a 4xx status.
    const status = clientErrorStatus(err);
    if (status !== null) {
      const message = `the request could not be read: ${(err as Error).message}`;
      sendCadreError(res, Errors.validation(message), { ERR_VALIDATION: status });
      return;
    }
    logger.error({ err, method: req.method, path: req.path }, 'request failed');
    res.status(500).json({ error: { code: 'ERR_INTERNAL', message: 'internal error' } });
  });

  return app;
}

/** checkInput for every job of a parsed body, callbacks included. */
function checkInputs(roots: readonly Root[]): void {
  eachJob(roots, ({ request, path, index }) => {
    checkInput((request as { input?: unknown }).input, joinPath(path, 'input'), index);
  });
}

function clientErrorStatus(err: unknown): number | null {
  if (!(err instanceof Error)) return null;
  const status = (err as { status?: unknown }).status;
  return typeof status === 'number' && status >= 400 && status < 500 ? status : null;
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}
