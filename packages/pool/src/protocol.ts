/**
 * The messages between the pool (main thread) and its worker threads. Kept
 * small and flat: a payload is cloned for every attempt.
 */
import type { Json } from '@cadre/core';

/** Given to every worker once, as piscina's `workerData`. */
export interface WorkerSetup {
  /** Indexed by `TaskPayload.task`. */
  tasks: { name: string; module: string; export: string }[];
  maxResultBytes: number;
  /** No one listens to progress: the threads do not send it. */
  progress: boolean;
  progressIntervalMs: number;
  /** Name of the BroadcastChannel on which the pool asks running attempts to stop. */
  controlChannel: string;
}

/** One attempt, as posted through piscina. */
export interface TaskPayload {
  /** Unique within the pool; correlates messages with the attempt. */
  runId: number;
  jobId: string;
  /** Index into `WorkerSetup.tasks`. */
  task: number;
  input: Json;
  attempt: number;
  /** The attempt has a timeout: the worker reports when it starts. */
  timed: boolean;
}

/**
 * The worker's answer: values only, never a rejection, so that a rejection of
 * piscina's promise means the thread was aborted or died. A successful result
 * travels as its JSON text, already checked against `maxResultBytes`.
 */
export type WorkerOutcome =
  | { kind: 'ok'; json: string }
  | { kind: 'error'; message: string; retryable: boolean; retryAfterMs?: number };

/**
 * Worker → pool, through the worker's own parentPort (surfaced by piscina as
 * its 'message' event): one port per thread, so nothing is cloned for threads
 * that do not care.
 */
export type WorkerMessage =
  | { cadre: 'started'; runId: number; at: number }
  | { cadre: 'progress'; runId: number; percent: number };

/** Pool → workers, on the control BroadcastChannel: stop this attempt. */
export interface StopMessage {
  runId: number;
  reason: 'timeout' | 'cancel';
  message: string;
}

/** A clock that means the same in every thread of the process. */
export function absoluteNow(): number {
  return performance.timeOrigin + performance.now();
}

export function isWorkerMessage(message: unknown): message is WorkerMessage {
  return (
    typeof message === 'object' &&
    message !== null &&
    typeof (message as { cadre?: unknown }).cadre === 'string' &&
    typeof (message as { runId?: unknown }).runId === 'number'
  );
}
