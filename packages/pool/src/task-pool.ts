/**
 * The contract between the engine and the worker threads.
 */
import type { AttemptOutcome, Json } from '@cadre/core';

export interface TaskSpec {
  name: string;
  /** Absolute path of the ES module that exports the handler. */
  module: string;
  /** Name of the export holding the handler. @defaultValue 'default' */
  export?: string;
}

export interface RunRequest {
  jobId: string;
  task: string;
  input: Json;
  /** 1 for the first attempt. */
  attempt: number;
  /**
   * Hard limit from the moment the attempt starts on its thread (time spent
   * waiting for a free thread does not count); `null` = none.
   */
  timeoutMs: number | null;
  /** Aborting it cancels the attempt: the outcome is `{ kind: 'cancelled' }`. */
  signal?: AbortSignal;
}

/**
 * Attempts of one category, run one after another on one thread: one round
 * trip to the thread for all of them. A thread runs batches of one `lane` at
 * a time, up to `concurrency` of them at once.
 */
export interface RunBatch {
  /** In the order they run. */
  jobs: readonly RunRequest[];
  /** Batches of the same lane (a category) may share a thread; others may not. */
  lane: string;
  /** Batches of this lane one thread runs at once (1 for CPU-bound work). */
  concurrency: number;
  /**
   * After this long (ms) on its thread, the batch starts no more jobs: the
   * rest end `returned`. @defaultValue Infinity
   */
  cutMs?: number;
}

/**
 * How an attempt of a batch ended: an `AttemptOutcome`, or `interrupted` when
 * it did not run to an outcome through no fault of its own (its thread died
 * under another attempt of the batch, or it never started). Its attempt should
 * not count.
 */
export type BatchOutcome =
  | AttemptOutcome
  | { kind: 'interrupted'; message: string }
  /** Not started, through `RunBatch.cutMs`: the caller may send it again (the attempt did not run). */
  | { kind: 'returned' };

export interface TaskPool {
  /** Worker threads in the pool; fixed for its life. */
  readonly threads: number;
  /** Runs one attempt. Never rejects: every way an attempt can end is an outcome. */
  run(request: RunRequest): Promise<AttemptOutcome>;
  /**
   * Runs a batch; outcomes in the order of `batch.jobs`. Never rejects. Each
   * attempt's timeout counts from its own start, and each can be cancelled.
   * A thread that dies fails only the attempt it was running (`crash`); the
   * others end `interrupted`. A batch past its `cutMs` sends back the
   * attempts it has not started (`returned`).
   */
  runBatch(batch: RunBatch): Promise<BatchOutcome[]>;
  /**
   * Cancels the attempt of job `jobId` that is waiting or running, like
   * aborting its `signal` would: its outcome is `{ kind: 'cancelled' }`.
   * Returns false when the job has no attempt in the pool.
   */
  cancel(jobId: string): boolean;
  /** Stops the threads; attempts still running or waiting end as `{ kind: 'cancelled' }`. */
  destroy(): Promise<void>;
}
