/**
 * The messages between the pool (main thread) and its worker threads. Kept
 * small and flat: a payload is cloned for every batch.
 */
import type { Json } from '@cadre/core';

/** Given to every worker once, as piscina's `workerData`. */
export interface WorkerSetup {
  /** URL of the thread side (`worker.js`), which `worker-entry.cjs` imports. */
  entry: string;
  /** Indexed by `JobPayload.task`. */
  tasks: { name: string; module: string; export: string }[];
  maxResultBytes: number;
  /** No one listens to progress: the threads do not send it. */
  progress: boolean;
  progressIntervalMs: number;
  /** Name of the BroadcastChannel on which the pool asks running attempts to stop. */
  controlChannel: string;
}

/** One attempt of a batch. */
export interface JobPayload {
  /** Unique within the pool; correlates messages with the attempt. */
  runId: number;
  jobId: string;
  /** Index into `WorkerSetup.tasks`. */
  task: number;
  input: Json;
  attempt: number;
}

/**
 * One piscina task: attempts of one category that the thread runs one after
 * another. `shared` is the batch's `BatchBoard`, shared with the main thread.
 */
export interface BatchPayload {
  jobs: JobPayload[];
  shared: SharedArrayBuffer;
  /** After this long (ms) the thread starts no more of the batch's jobs: they go back `returned`. */
  cutMs: number;
}

/**
 * The worker's answer: values only, never a rejection, so that a rejection of
 * piscina's promise means the thread was aborted or died. A successful result
 * travels as its JSON text, already checked against `maxResultBytes`.
 */
export type WorkerOutcome =
  | { kind: 'ok'; json: string }
  | { kind: 'error'; message: string; retryable: boolean; retryAfterMs?: number }
  /** The main thread asked for it to be skipped before it started (cancel, timeout). */
  | { kind: 'skipped' }
  /** Not started: the batch had run past its `cutMs`. */
  | { kind: 'returned' };

/** Outcomes in the order of `BatchPayload.jobs`. */
export type BatchResult = WorkerOutcome[];

/**
 * Worker → pool, through the worker's own parentPort (surfaced by piscina as
 * its 'message' event): one port per thread, so nothing is cloned for threads
 * that do not care.
 */
export interface ProgressMessage {
  cadre: 'progress';
  runId: number;
  percent: number;
}

/** Pool → workers, on the control BroadcastChannel: stop this attempt if it runs. */
export interface StopMessage {
  runId: number;
  reason: 'timeout' | 'cancel';
  message: string;
}

/**
 * What both sides of a batch know without a message, through shared memory:
 * which attempt runs now and since when, and which attempts the main thread
 * has stopped. No message per attempt is needed to time attempts out, to
 * skip a cancelled one that has not started, or to tell after a thread died
 * which attempt was running.
 *
 * Layout: Float64 `startedAt` (absolute ms), Int32 `cursor`, Int32 `stop[n]`.
 *
 * Ordering: the worker stores the cursor, then loads the attempt's stop flag;
 * the main thread stores a stop flag, then loads the cursor. With sequentially
 * consistent atomics at least one of them sees the other's store, so an
 * attempt is either skipped or known to the main thread as (maybe) running.
 */
export class BatchBoard {
  /** The cursor before the first attempt starts. */
  static readonly NOT_STARTED = -1;
  readonly shared: SharedArrayBuffer;
  readonly #startedAt: Float64Array;
  readonly #ints: Int32Array;

  constructor(sharedOrSize: SharedArrayBuffer | number) {
    this.shared =
      typeof sharedOrSize === 'number'
        ? new SharedArrayBuffer(8 + 4 * (1 + sharedOrSize))
        : sharedOrSize;
    this.#startedAt = new Float64Array(this.shared, 0, 1);
    this.#ints = new Int32Array(this.shared, 8);
    if (typeof sharedOrSize === 'number') this.#ints[0] = BatchBoard.NOT_STARTED;
  }

  /** Index of the attempt that runs (or ran last); `jobs.length` once all are done. */
  get cursor(): number {
    return Atomics.load(this.#ints, 0);
  }

  /** When the attempt at the cursor started (absolute ms); read after `cursor`. */
  get startedAt(): number {
    return this.#startedAt[0]!;
  }

  /** Worker: attempt `i` starts now. Returns false if it was stopped before it started. */
  begin(i: number, now: number): boolean {
    this.#startedAt[0] = now;
    Atomics.store(this.#ints, 0, i);
    return Atomics.load(this.#ints, 1 + i) === 0;
  }

  /** Worker: every attempt is done. */
  finish(n: number): void {
    Atomics.store(this.#ints, 0, n);
  }

  /** Main: attempt `i` must not start. Returns the cursor seen after the flag was set. */
  stop(i: number): number {
    Atomics.store(this.#ints, 1 + i, 1);
    return Atomics.load(this.#ints, 0);
  }
}

/** A clock that means the same in every thread of the process. */
export function absoluteNow(): number {
  return performance.timeOrigin + performance.now();
}

export function isProgressMessage(message: unknown): message is ProgressMessage {
  return (
    typeof message === 'object' &&
    message !== null &&
    (message as { cadre?: unknown }).cadre === 'progress' &&
    typeof (message as { runId?: unknown }).runId === 'number'
  );
}
