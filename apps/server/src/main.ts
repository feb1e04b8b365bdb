/**
 * The entry point: reads the environment, builds the deps, starts the engine,
 * listens, and handles SIGTERM/SIGINT. Nothing else in the server reads the
 * environment, starts timers or listens.
 */
import { existsSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isCadreError, type EngineConfig } from '@cadre/core';
import { createEngine, type Engine } from '@cadre/engine';
import { createPostgresBackend } from '@cadre/postgres';
import { createLocalBackend, openLowdbStore, type Backend } from '@cadre/store';
import { createApp } from './app.js';
import { checkedConfig, checkTasks } from './config/check-tasks.js';
import { loadConfig } from './config/load-config.js';
import { socketAdapter } from './live/socket-adapter.js';
import { attachLive } from './live/socket-gateway.js';
import { createLogger, type Logger } from './logger.js';
import { createMetrics } from './metrics.js';
import { readServerEnv, urlOf } from './server-env.js';

const logger = createLogger({ level: process.env.LOG_LEVEL });

/** Anything still holding the event loop after a stop must not keep the process alive. */
function exitSoon(code: number): void {
  process.exitCode = code;
  setTimeout(() => process.exit(code), 2000).unref();
}

/** One line, no stack: the message of a CadreError already says what to fix. */
function fatal(log: Logger, what: string, err: unknown): void {
  if (isCadreError(err)) {
    log.error({ code: err.code, details: err.details }, `${what}: ${err.message}`);
  } else {
    log.error({ err }, `${what}: ${err instanceof Error ? err.message : String(err)}`);
  }
  exitSoon(1);
}

/**
 * The dashboard, copied into dist/web when the server is built
 * (scripts/bundle-web.mjs), or null when it is not there.
 */
function findWebDir(): string | null {
  const dir = fileURLToPath(new URL('./web/', import.meta.url));
  return existsSync(join(dir, 'index.html')) ? dir : null;
}

async function main(): Promise<void> {
  let env;
  let loaded;
  try {
    env = readServerEnv(process.env);
    loaded = loadConfig();
  } catch (err) {
    fatal(logger, 'cannot start', err);
    return;
  }
  const { file } = loaded;

  // Every task module is loaded once, off this thread, before anything starts:
  // a task that cannot run stops the start rather than failing its first job.
  let config: EngineConfig;
  try {
    const checks = await checkTasks(loaded.config);
    for (const { task, warning } of checks) {
      if (warning !== null) logger.warn({ task: task.name }, `task '${task.name}': ${warning}`);
    }
    config = checkedConfig(file, loaded.config, checks);
  } catch (err) {
    fatal(logger, 'cannot start', err);
    return;
  }

  // Cluster mode: the queues live in PostgreSQL, shared by every node on that schema.
  const { database } = loaded;
  let backend: Backend;
  if (database !== null) {
    backend = createPostgresBackend({
      connectionString: database.url,
      schema: database.schema,
      logger,
    });
  } else {
    try {
      backend = createLocalBackend({
        store: await openLowdbStore({ dir: env.dataDir, logger }),
        logger,
      });
    } catch (err) {
      fatal(logger, 'cannot open the data directory', err);
      return;
    }
  }

  const engine: Engine = createEngine({ config, backend, logger });
  try {
    await engine.start();
  } catch (err) {
    await backend.close().catch(() => undefined);
    fatal(logger, 'cannot start the engine', err);
    return;
  }
  const live = database === null ? null : socketAdapter(database, logger);

  const webDir = findWebDir();
  if (webDir === null)
    logger.warn({}, 'dashboard not built (no dist/web in the server); serving the API only');

  let draining = false;
  const metrics = createMetrics(engine);
  const app = createApp({
    engine,
    logger,
    metrics,
    token: env.token,
    readToken: env.readToken,
    corsOrigin: env.corsOrigin,
    webDir,
    isDraining: () => draining,
  });
  const server = createServer(app);
  const closeLive = attachLive(server, {
    engine,
    token: env.token,
    readToken: env.readToken,
    logger,
    corsOrigin: env.corsOrigin,
    ...(live ? { adapter: live.adapter } : {}),
  });

  try {
    await listen(server, env.port, env.host);
  } catch (err) {
    await closeLive();
    await engine.stop({ graceMs: 0 });
    await live?.close();
    fatal(logger, `cannot listen on ${env.host}:${env.port}`, err);
    return;
  }
  const { port } = server.address() as AddressInfo;
  logger.info(
    {
      config: file,
      ...(database === null ? { data: env.dataDir } : { cluster: database.schema }),
      node: config.node.name,
      workers: config.workers,
      auth: env.token !== null,
      readOnlyToken: env.readToken !== null,
    },
    `cadre listening on ${urlOf(env.host, port)}`,
  );

  const stop = async (signal: string): Promise<void> => {
    if (draining) {
      logger.warn({ signal }, 'second signal: exiting at once');
      process.exit(1);
    }
    draining = true;
    logger.info({ signal, graceMs: env.graceMs }, 'cadre stopping: running jobs may finish');
    try {
      await closeLive();
      await engine.stop({ graceMs: env.graceMs });
      await live?.close();
      metrics.close();
      await closeServer(server);
      logger.info({}, 'cadre stopped');
      exitSoon(0);
    } catch (err) {
      fatal(logger, 'stopping failed', err);
    }
  };
  process.on('SIGTERM', (s) => void stop(s));
  process.on('SIGINT', (s) => void stop(s));
}

function listen(server: Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

/** Lets answers in flight finish, but does not wait out long polls (waitMs) or keep-alives. */
function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeIdleConnections();
    setTimeout(() => server.closeAllConnections(), 1000).unref();
  });
}

void main();
