/**
 * A real server for tests: the example config with 2 workers, the real
 * engine, createApp + attachLive on 127.0.0.1 port 0.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createClient, type CadreClient } from '@cadre/client';
import type { EngineConfig, Job } from '@cadre/core';
import { createEngine, type Engine } from '@cadre/engine';
import { MemoryStore, type Backend, type JobStore } from '@cadre/store';
import { createApp } from '../app.js';
import { EXAMPLE_CONFIG, loadConfig } from '../config/load-config.js';
import type { FailureLimiter } from '../http/auth.js';
import { attachLive } from '../live/socket-gateway.js';
import { createMetrics } from '../metrics.js';

export const silentLogger = {
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
  debug: () => undefined,
};

/** Answers are checked field by field in tests; a precise type would only add casts. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyBody = any;

export interface TestServerOptions {
  token?: string | null;
  /** CADRE_READ_TOKEN: only with `token`. */
  readToken?: string | null;
  store?: JobStore;
  /** Where jobs live instead of a local backend over `store` (PostgreSQL). */
  backend?: Backend;
  webDir?: string | null;
  corsOrigin?: string | null;
  /** Changes to the example config. */
  config?: (config: EngineConfig) => void;
  authLimiter?: FailureLimiter;
  /** The gateway's `heartbeatRefreshMs`. */
  heartbeatRefreshMs?: number;
}

export interface TestServer {
  url: string;
  engine: Engine;
  client: CadreClient;
  draining: { value: boolean };
  /** fetch against the server, JSON in and out. */
  request(
    method: string,
    path: string,
    options?: { body?: unknown; raw?: string; headers?: Record<string, string> },
  ): Promise<{ status: number; body: AnyBody; headers: Headers; text: string }>;
  close(): Promise<void>;
}

export async function startTestServer(options: TestServerOptions = {}): Promise<TestServer> {
  const { config } = loadConfig({ file: EXAMPLE_CONFIG, env: {} });
  config.workers = 2;
  config.balanceIntervalMs = 100;
  options.config?.(config);
  const engine = createEngine({
    config,
    ...(options.backend
      ? { backend: options.backend }
      : { store: options.store ?? new MemoryStore() }),
    logger: silentLogger,
  });
  await engine.start();
  const metrics = createMetrics(engine);
  const draining = { value: false };
  const token = options.token ?? null;
  const app = createApp({
    engine,
    logger: silentLogger,
    metrics,
    token,
    readToken: options.readToken ?? null,
    webDir: options.webDir ?? null,
    corsOrigin: options.corsOrigin ?? null,
    isDraining: () => draining.value,
    ...(options.authLimiter ? { authLimiter: options.authLimiter } : {}),
  });
  const server = createServer(app);
  const closeLive = attachLive(server, {
    engine,
    token,
    readToken: options.readToken ?? null,
    snapshotIntervalMs: 200,
    ...(options.heartbeatRefreshMs === undefined
      ? {}
      : { heartbeatRefreshMs: options.heartbeatRefreshMs }),
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    url,
    engine,
    draining,
    client: createClient({ url, token }),
    async request(method, path, opts = {}) {
      const headers: Record<string, string> = { ...opts.headers };
      let body: string | undefined = opts.raw;
      if (opts.body !== undefined) {
        body = JSON.stringify(opts.body);
        headers['content-type'] ??= 'application/json';
      }
      if (token !== null) headers.authorization ??= `Bearer ${token}`;
      const res = await fetch(`${url}${path}`, { method, headers, body });
      const text = await res.text();
      let parsed: unknown = undefined;
      try {
        parsed = JSON.parse(text);
      } catch {
        parsed = undefined;
      }
      return { status: res.status, body: parsed, headers: res.headers, text };
    },
    async close() {
      await closeLive();
      await engine.stop({ graceMs: 0 });
      metrics.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** Polls `read` until `done` holds, or fails after `timeoutMs`. */
export async function until<T>(
  read: () => Promise<T> | T,
  done: (value: T) => boolean,
  timeoutMs = 10_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    if (Date.now() > deadline) {
      throw new Error(
        `condition not met within ${timeoutMs} ms; last value ${JSON.stringify(value)}`,
      );
    }
    await new Promise((r) => setTimeout(r, 20));
  }
}

export function finished(job: Job): boolean {
  return job.state === 'succeeded' || job.state === 'failed' || job.state === 'cancelled';
}
