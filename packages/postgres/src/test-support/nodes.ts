import type { BackendLimits, OpenOptions } from '@cadre/store';
import { PostgresBackend, type PostgresBackendOptions } from '../postgres-backend.js';

export const T0 = Date.parse('2026-01-01T00:00:00.000Z');

export const LIMITS: BackendLimits = {
  maxQueuedTotal: null,
  maxQueued: {},
  retention: {
    maxAgeMs: 3_600_000,
    maxCount: 100_000,
    failed: { maxAgeMs: 3_600_000, maxCount: 100_000 },
  },
};

/** Opens a backend as node `name`; `close` it (or let `closeAll` do it). */
export async function openNode(
  backend: PostgresBackendOptions,
  name: string,
  open: Partial<OpenOptions> = {},
): Promise<PostgresBackend> {
  const b = new PostgresBackend(backend);
  await b.open({
    node: { name, tags: [], workers: 2 },
    limits: LIMITS,
    nodeTimeoutMs: 30_000,
    now: T0,
    ...open,
  });
  return b;
}

/** Polls `check` until it returns a value other than undefined or false, or fails after `timeoutMs`. */
export async function until<T>(
  check: () => T | undefined | false | Promise<T | undefined | false>,
  timeoutMs = 10_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

export const pause = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
