/** What the sections of the backend conformance suite share. */
import { isCadreError, type RetentionPolicy } from '@cadre/core';
import type { Backend, BackendLimits, JobSpec, NodeIdentity, Opened } from '../backend.js';

export const T0 = Date.parse('2026-01-01T00:00:00.000Z');

export const NODE: NodeIdentity = { name: 'node-a', tags: ['gpu'], workers: 4 };

/** Generous: only tests of retention prune anything. */
export const RETENTION: RetentionPolicy = {
  maxAgeMs: 3_600_000,
  maxCount: 100_000,
  failed: { maxAgeMs: 3_600_000, maxCount: 100_000 },
};

export interface OpenChoice {
  node?: Partial<NodeIdentity>;
  limits?: Partial<BackendLimits>;
  /** @defaultValue T0 */
  now?: number;
}

export interface Opening {
  backend: Backend;
  opened: Opened;
}

/** What the sections of the suite share. */
export interface Conformance {
  /** Opens a new backend over the data (a process start). */
  open(choice?: OpenChoice): Promise<Opening>;
  /** Closes `backend`, then opens a new one as `choice` says (a restart). */
  reopen(backend: Backend, choice?: OpenChoice): Promise<Opening>;
}

/** A job request as the engine resolves one, with `patch` over it. */
export function spec(patch: Partial<JobSpec> = {}): JobSpec {
  return {
    key: null,
    category: 'default',
    task: 'echo',
    input: { text: 'héllo ✓', n: 1, list: [1, 'two', null, { deep: true }] },
    maxRetries: 2,
    timeoutMs: null,
    runAtMs: null,
    ...patch,
  };
}

/** The code of the CadreError `promise` rejects with (fails the test if it resolves). */
export async function rejection(promise: Promise<unknown>): Promise<string> {
  const err: unknown = await promise.then(
    () => new Error('expected a rejection'),
    (e: unknown) => e,
  );
  if (!isCadreError(err)) throw err;
  return err.code;
}

/** Waits until real time has moved on, for clocks the backend reads itself. */
export const pause = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
